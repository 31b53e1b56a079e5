// Every fault kind of DESIGN.md "Faults" in one table, each with what its
// start and its heal do to a real cluster:
//
//   kind       start                         heal
//   partition  links of the grudge down      links recomputed (up)
//   delay      links slowed                  links recomputed
//   kill       SIGKILL the node's group      restart with its data
//   pause      SIGSTOP the node's group      SIGCONT
//   wipe       kill, delete its data dir     restart empty
//   clock      skew its realtime clock       offset back to 0
//   disk       its record store refuses      its store writes again
//              writes (I/O error)
//
// Process and clock faults act per target node through FaultTarget, the seam
// the harness's Cluster implements (it owns the processes); the signals
// themselves are faults/process_faults.h, the clock faults/clock_skew.h.
// Link faults compose: link_state() derives each directed link's state from
// all link faults in force (down wins, then the largest delay), and the
// driver applies it through faults/link_proxy.h. The simulator reads the same
// table to know which kinds it must model.
//
// Thread-safety: the table is immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "faults/link_proxy.h"
#include "faults/schedule.h"

namespace faultline {

// The processes of a running cluster, as faults see them. Each call returns
// a non-ok Status, saying why, when the node is not in a state the fault
// applies to (killing a node that is down); the driver records it.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  virtual Status kill_node(NodeId id) = 0;     // SIGKILL, reaped; data kept
  virtual Status wipe_node(NodeId id) = 0;     // kill_node, then an empty data directory
  virtual Status restart_node(NodeId id) = 0;  // with its config and whatever data is left
  virtual Status pause_node(NodeId id) = 0;    // SIGSTOP
  virtual Status resume_node(NodeId id) = 0;   // SIGCONT
  virtual Status set_clock_offset_ms(NodeId id, int64_t offset_ms) = 0;
  // The node's record store answers every write (apply, purge) with an I/O
  // error while `failing`, as a full or failing disk does; reads still work.
  virtual Status set_disk_failing(NodeId id, bool failing) = 0;
};

struct FaultKind {
  std::string_view name;
  // Acts on links (partition, delay): start and heal are null, link_state
  // decides. Otherwise start and heal act on one target node.
  bool on_links = false;
  Status (*start)(FaultTarget* target, NodeId node, const FaultSpec& spec) = nullptr;
  Status (*heal)(FaultTarget* target, NodeId node) = nullptr;
};

// Every kind, in kFaultKinds order.
const std::vector<FaultKind>& fault_kinds();
// The kind named `name`; asserts it exists (plans are validated first).
const FaultKind& fault_kind(std::string_view name);

// The state of the link from -> to (node names) under the faults in force.
LinkState link_state(const std::vector<const FaultSpec*>& in_force, const std::string& from, const std::string& to);

}  // namespace faultline
