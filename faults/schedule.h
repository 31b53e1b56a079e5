// The nemesis schedule: fault kinds, their parameters, and the seeded
// builder behind `faultline run --faults LIST --fault-interval SECONDS`.
// Pure: no I/O, no clocks.
//
// A FaultEvent (core/plan.h) is decoded into a FaultSpec, which checks the
// kind, the targets and the params and fills in the defaults:
//   partition  params {"partition": one|halves|majorities-ring|bridge|one-way}
//              (default "one"); targets as faults/partition.h describes.
//   delay      params {"latency_ms": 50, "jitter_ms": 10}; the links into and
//              out of the targets (every link when there are none).
//   kill, pause, wipe   the target nodes.
//   clock      params {"offset_ms": 2000}; the target nodes' realtime clocks.
//   disk       the target nodes' record stores refuse writes (an I/O error
//              from every apply and purge) from start to heal; reads and
//              the hint log keep working.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"
#include "core/rng.h"
#include "core/status.h"
#include "faults/partition.h"

namespace faultline {

inline constexpr std::string_view kFaultKinds[] = {"partition", "delay", "kill", "pause", "wipe", "clock", "disk"};

struct FaultSpec {
  std::string kind;
  std::vector<std::string> targets;
  std::string partition;  // partition: its kind
  Grudge grudge;          // partition: who does not hear whom
  int64_t latency_ms = 50;  // delay
  int64_t jitter_ms = 10;   // delay
  int64_t offset_ms = 2000; // clock
};

// Checks e against a cluster of `nodes` nodes. Invalid, naming the field
// ("partition: unknown partition kind 'two'").
Status decode_fault(const FaultEvent& e, int nodes, FaultSpec* out);

// "partition,kill" -> {"partition", "kill"}; invalid, naming the unknown
// kind, for anything else. Repeats are dropped.
Status parse_fault_kinds(std::string_view list, std::vector<std::string>* out);

struct ScheduleOptions {
  std::vector<std::string> kinds;
  int64_t interval_ms = 0;  // 0: fit every kind once into the duration
  int64_t duration_ms = 0;  // the workload's
  int nodes = 0;
};

// The smallest fault length the schedule uses: shorter faults would end
// before a failure detector (1 s) noticed them.
inline constexpr int64_t kFaultIntervalMsMin = 500;

// Faults alternate with quiet periods of the same length: quiet, fault,
// quiet, fault, ... Kinds come in seeded rounds (each kind once per round,
// shuffled), targets and parameters from the same Rng, so a seed replays the
// schedule. Every fault heals before duration_ms.
std::vector<FaultEvent> build_schedule(const ScheduleOptions& o, Rng* rng);

// Rng stream of the schedule, independent of the workload's.
inline constexpr uint64_t kScheduleRngStream = 0x6e656d65736973;  // "nemesis"

}  // namespace faultline
