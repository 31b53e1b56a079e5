// FaultWindows: the faults of a history, each from its start record to its
// heal record, and how many client operations invoked in each ended ok, fail
// and info ("quiet" for those invoked while no fault was in force). The
// availability property reads the faults in force from it and prints the
// counts in its note; report.html shows the same table, so both say the
// same thing about the same run.
//
// Streaming: feed nemesis records in history order (on_nemesis) and each
// completed client operation (attribute); memory is one entry per fault.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/history.h"

namespace faultline {

struct OpCounts {
  int64_t ok = 0, fail = 0, info = 0;
  void add(OpType t) { (t == OpType::kOk ? ok : t == OpType::kFail ? fail : info) += 1; }
  int64_t total() const { return ok + fail + info; }
};

// One fault, as its start record described it.
struct ActiveFault {
  std::string kind;   // the record's f: partition, delay, kill, pause, wipe, clock
  std::string value;  // the record's value without "phase" and "problems": matches its heal
  std::vector<std::string> targets;
  std::map<std::string, std::set<std::string>> grudge;  // receiver -> senders it drops
  size_t window = 0;  // index into windows()
};

struct FaultWindow {
  // "quiet", or the fault and when it started after the workload did:
  // "kill n2 @3527ms", "partition n1,n5 @1216ms", "delay all @3808ms".
  std::string label;
  int64_t start_ns = 0, end_ns = -1;  // end -1: never healed
  OpCounts counts;
};

class FaultWindows {
 public:
  FaultWindows();

  // A nemesis record: the workload-start phase marker sets the labels'
  // origin; a fault's start opens a window, its heal closes it. Returns the
  // fault that started or healed (nullopt for anything else, or a heal with
  // no matching start).
  std::optional<ActiveFault> on_nemesis(const HistoryOp& op);
  // A client operation invoked at invoke_ns that ended `type`: counted in
  // every window in force at its invocation, or in "quiet".
  void attribute(int64_t invoke_ns, OpType type);

  const std::vector<ActiveFault>& active() const { return active_; }
  // [0] quiet, then one per fault in start order.
  const std::vector<FaultWindow>& windows() const { return windows_; }
  // When the workload started; nullopt before its marker.
  std::optional<int64_t> workload_start_ns() const { return workload_start_ns_; }

 private:
  std::string label_of(const ActiveFault& f, int64_t start_ns) const;

  std::optional<int64_t> workload_start_ns_;
  std::vector<ActiveFault> active_;
  std::vector<FaultWindow> windows_;
};

}  // namespace faultline
