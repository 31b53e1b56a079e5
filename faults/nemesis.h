// Nemesis: runs a fault schedule (plan.faults) against a cluster and heals
// every fault (DESIGN.md "The harness", steps 3 and 4; quiesce, step 5, is
// harness/quiesce.h). The cluster is a FaultedCluster: real processes
// (harness/cluster.h, with run() pacing the schedule on the wall clock) or
// the simulator (sim/, which applies each action at its virtual time). Each fault's start and heal is appended to the history as
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
// harness/cluster.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/lifecycle.h"
#include "core/plan.h"
#include "core/status.h"
#include "faults/fault_kinds.h"
#include "faults/link_proxy.h"
#include "faults/schedule.h"

namespace faultline {

// A cluster of nodes n1..n<size()> as the nemesis acts on it: the process
// and clock faults of FaultTarget, its links, and which nodes a heal must
// bring back.
class FaultedCluster : public FaultTarget {
 public:
  virtual int size() const = 0;
  // Null when the cluster runs without link control (a real cluster started
  // without the link proxy): partitions and delays then fail, recorded.
  virtual LinkControl* links() = 0;
  virtual bool paused(NodeId id) const = 0;
  virtual bool down(NodeId id) const = 0;
};

class Nemesis {
 public:
  // How often run() looks at the clock and at `done` while it waits.
  static constexpr int64_t kWaitStepMs = 20;

  // One start or heal of schedule[index], at_ms after the workload starts.
  struct Action {
    int64_t at_ms;
    bool heal;
    size_t index;
  };

  // schedule must decode (decode_fault) against the cluster: the plan was
  // validated before the run started. cluster, history: not owned. clock:
  // the time stamped on each record (null: the history's real clock).
  Nemesis(FaultedCluster* cluster, HistoryWriter* history, const std::vector<FaultEvent>& schedule,
          std::function<int64_t()> clock_ns = nullptr);

  // Every start and heal, in time order; at equal times heals go first.
  std::vector<Action> actions() const;
  // Performs one action now, recording it.
  void apply(const Action& a);

  // Applies actions() at their times on the wall clock, measured from now,
  // until the schedule is over or `done` turns true.
  void run(const std::atomic<bool>& done);

  // Heals every active fault (recording each heal), then makes sure every
  // node runs, unpaused and with its real clock, and every link is up.
  // Records {"phase":"heal","ok":...}; the error names what stayed broken.
  Status heal_all();

  // The faults in force, for a progress line: "partition halves, kill n3",
  // or "none". Thread-safe.
  std::string in_force() const;

 private:
  // Appends one nemesis record, stamped with clock_ns_ when set.
  void append(const std::string& f, const std::string& value_json);
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

  FaultedCluster* cluster_;
  HistoryWriter* history_;
  std::function<int64_t()> clock_ns_;
  std::vector<FaultEvent> schedule_;
  std::vector<Active> active_;
  // Recomputes in_force_ from active_ after each start and heal.
  void update_in_force();
  mutable std::mutex in_force_mu_;
  std::string in_force_ = "none";  // guarded by in_force_mu_
};

}  // namespace faultline
