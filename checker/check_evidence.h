// check_evidence: the checker's in-memory path. The same verdict as
// check_run_dir (checker/checker.h) for a run whose history and final state
// are already in memory (the simulator's), without writing and re-reading
// history.jsonl and final/*.json.
//
// Node events are read from `events_dir`/nodes/<n>/events.jsonl (empty:
// none, and the properties that judge events say so as check_run_dir would
// for a run directory without them), or taken from `event_lines`.
#pragma once

#include <string>
#include <vector>

#include "checker/checker.h"
#include "checker/final_state.h"
#include "checker/node_events.h"
#include "core/history.h"
#include "core/plan.h"

namespace faultline {

struct Evidence {
  const Plan* plan = nullptr;                 // never null
  const std::vector<HistoryOp>* ops = nullptr;  // in history order, never null
  // Null when the final state is unavailable; final_error says why.
  const FinalState* final_state = nullptr;
  std::string final_error;
  std::string events_dir;
  // When set, the node events in memory (a simulated run's), and events_dir
  // is not read.
  const NodeEventLines* event_lines = nullptr;
  // Added to every property's note (check_run_dir's note for a history that
  // ends in an unterminated line).
  std::string note;
  // Set when the history could not be read past `ops`: the ops are fed,
  // then the check stops with this error and every property is unknown, as
  // check_run_dir stops at a malformed line.
  std::string read_error;
};

// Never throws: a crash inside a property is caught and yields unknown. An
// op that is malformed is reported as check_run_dir reports its line, with
// "history:<position>" for "<path>:<line>" (positions count from 2, the
// header being line 1, so they match history.jsonl's line numbers).
Verdict check_evidence(const Evidence& evidence, const CheckOptions& opts);

}  // namespace faultline
