// A whole plan (core/plan.h) run in the simulator, in virtual time: the
// real Replica code of every node on a SimCluster, the plan's workload
// drawn as the real workload draws it (core/workload_draw.h), the plan's
// faults through the same fault table and Nemesis as real runs
// (faults/nemesis.h), then heal, quiesce, final reads at ALL and a dump of
// every node, all recorded in the run directory's formats. The real checker
// judges the result; nothing here reads a real clock or a global random
// source, so the same plan gives the same files, byte for byte.
//
// What it covers and what only real processes cover: docs/generators.md
// "Deterministic mode".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/node_dump.h"
#include "core/plan.h"
#include "core/status.h"

namespace faultline {

struct PlanSimSummary {
  int64_t operations = 0;       // client operations completed (ok, fail, info)
  int64_t virtual_ms = 0;       // virtual time from cluster start to the last dump
  uint64_t messages_delivered = 0;
  uint64_t messages_dropped = 0;
  bool quiesced = false;
};

// Writes into the existing directory `dir`: history.jsonl, nodes/<n>/
// events.jsonl, final/<n>.json and, when `trace` is set, trace.txt (every
// message, drop, timer, fault and client operation). plan.json is the
// caller's. An io error when a file cannot be written.
Status simulate_plan(const Plan& plan, const std::string& dir, bool trace, PlanSimSummary* summary);

// The same run left in memory, nothing written: what those files would hold.
struct PlanSimRecord {
  std::vector<HistoryOp> ops;  // history.jsonl after its header, in order
  std::vector<NodeDump> dumps;  // final/<n>.json, n1..nN
  // nodes/<n>/events.jsonl, one string per line (without the newline)
  std::map<std::string, std::vector<std::string>> events;
};
// An error only when a node's dump cannot be taken.
Status simulate_plan(const Plan& plan, PlanSimSummary* summary, PlanSimRecord* record);

}  // namespace faultline
