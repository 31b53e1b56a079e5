// Nemesis: runs a fault schedule (plan.faults) against a running Cluster and
// heals every fault (DESIGN.md "The harness", steps 3 and 4; quiesce, step
// 5, is harness/quiesce.h). Each fault's start and heal is appended to the history as
//   {"process":"nemesis","type":"info","f":"<kind>","value":{"phase":"start"|
//    "heal","targets":[...],...params,"grudge":{...} for partitions}}
// with "problems":[...] when a target was not in a state the fault applies
// to (killing a node that is already down): recorded, never fatal.
//
// Link faults (partition, delay) compose: the state of every link is
// recomputed from the active ones (down wins, then the largest delay).
//
// Thread-safety: none, except in_force(). Run it on the thread that started
// the cluster (restarting a node forks; see the parent-death caveat in
// cluster.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/plan.h"
#include "core/status.h"
#include "faults/schedule.h"
#include "harness/cluster.h"

namespace faultline {

// Appends {"process":"nemesis","type":"info","f":f,"value":value_json}: a
// fault's start or heal, or a phase marker ("f":"phase") of the lifecycle.
void append_nemesis_info(HistoryWriter* history, const std::string& f, const std::string& value_json);

class Nemesis {
 public:
  // How often run() looks at the clock and at `done` while it waits.
  static constexpr int64_t kWaitStepMs = 20;

  // schedule must decode (decode_fault) against the cluster: the plan was
  // validated before the run started. cluster, history: not owned.
  Nemesis(Cluster* cluster, HistoryWriter* history, const std::vector<FaultEvent>& schedule);

  // Starts and heals the scheduled faults at their times, measured from
  // now, until the schedule is over or `done` turns true.
  void run(const std::atomic<bool>& done);

  // Heals every active fault (recording each heal), then makes sure every
  // node runs, unpaused and with its real clock, and every link is up.
  // Records {"phase":"heal","ok":...}; the error names what stayed broken.
  Status heal_all();

  // The faults in force, for a progress line: "partition halves, kill n3",
  // or "none". Thread-safe.
  std::string in_force() const;

 private:
  struct Active {
    size_t index;                       // into schedule_
    FaultSpec spec;
    std::vector<std::string> affected;  // targets the start really changed
  };

  void start(size_t index);
  void heal(size_t index);
  // Applies the link states implied by the active partitions and delays.
  Status apply_links();
  void record(const FaultEvent& e, const FaultSpec& spec, const char* phase,
              const std::vector<std::string>& problems);

  Cluster* cluster_;
  HistoryWriter* history_;
  std::vector<FaultEvent> schedule_;
  std::vector<Active> active_;
  // Recomputes in_force_ from active_ after each start and heal.
  void update_in_force();
  mutable std::mutex in_force_mu_;
  std::string in_force_ = "none";  // guarded by in_force_mu_
};

}  // namespace faultline
