// Expectations: from the plan alone, which properties the configured modes
// guarantee, and why (DESIGN.md "Checker properties"). The reason is written
// into verdict.json so a reader sees what the judgement rested on.
//
// One table decides everything, so that no two properties can disagree
// about what a plan guarantees: a list of guarantee conditions,
// each a fact about the plan ("R+W>N", "no clock skew"), and a list of
// anomaly classes, each ruled out when every condition of its row holds.
// A property is guaranteed exactly when the anomaly it judges is ruled out.
// Where two properties judge the same records (an acknowledged delete whose
// key later holds an older value is both a "lost" delete and a resurrection;
// a read of that older value is also "stale"), the property that does not
// own the anomaly binds those records only when the owner's anomaly is ruled
// out (DeletionRule below), so no property can be violated by a history that
// another property's conditions allow. expectations_table_test checks that
// on random plans.
//
// Pure functions of the plan; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"

namespace faultline {

struct Expectation {
  bool guaranteed = false;
  // "guaranteed: R+W>N (QUORUM+QUORUM, rf 3), strict quorum, no wipe" or
  // "not guaranteed: read repair none (needs blocking)".
  std::string reason;
};

// The guarantee conditions. Each is a fact about the plan; evaluate() says
// whether it holds, in words either way.
enum class Condition {
  kReadClMajority,           // read CL QUORUM or ALL
  kBlockingReadRepair,       // read_repair blocking
  kReadsOverlapWrites,       // R + W > N (ANY counts 0)
  kStrictQuorum,             // quorum strict
  kNoWipe,                   // no wipe fault
  kWipesLeaveACopy,          // fewer nodes wiped than a write has acknowledged copies
  kNoClockSkew,              // no clock fault: versions follow real time, tombstones age by real time
  kTombstonesOutliveRepair,  // "repair within gc_grace"
  kHandoffs,                 // hinted handoff on, or a sloppy quorum (its handoffs)
  kAntiEntropyOrNoFaults,    // anti-entropy on, or nothing to repair
  kHintedHandoff,            // hinted handoff on (hints, not only sloppy handoffs)
  kAnyHintsOutliveOutages,   // writes at ANY: their hints live past the longest outage
};

struct ConditionResult {
  bool holds = false;
  std::string phrase;  // "strict quorum" / "sloppy quorum (needs strict)"
};
ConditionResult evaluate(Condition c, const Plan& plan);
bool holds(Condition c, const Plan& plan);

// The anomaly classes a history and final state can show, one per property.
enum class Anomaly {
  kNonMonotonicRead,   // a read older than an earlier completed read
  kStaleRead,          // a read older than an acknowledged write or delete
  kLostWrite,          // an acknowledged write missing from the final state
  kResurrection,       // an acknowledged delete undone by an older value
  kInventedValue,      // a read of something no write wrote
  kRealtimeInversion,  // a later write stamped below an earlier acknowledged one
  kUndeliveredHint,    // a hint or handoff neither delivered nor expired
  kDivergentReplicas,  // replicas (or their Merkle roots) differ after quiesce
  kUnavailable,        // operations failed while enough replicas were reachable
  kMissedHint,         // a replica missed an acknowledged write with no stated reason
  kBrokenRepairClaim,  // a replica lacks what a read repair said it wrote there
  kHlcInversion,       // a coordinator stamped a write below a version it had shown
};

struct AnomalyRow {
  Anomaly anomaly;
  std::string_view property;  // the property that judges it
  std::vector<Condition> ruled_out_by;  // all must hold
};
// Every anomaly, in all_property_ids() order.
const std::vector<AnomalyRow>& anomaly_table();
bool ruled_out(Anomaly a, const Plan& plan);

// Every property id of DESIGN.md, in the order of its table.
const std::vector<std::string_view>& all_property_ids();

// The expectation for property `id` under `plan`: guaranteed when its
// anomaly is ruled out; the reason lists the failed conditions, or all of
// them when guaranteed. An id not in all_property_ids() is a programming
// error (asserts).
Expectation expectation_for(std::string_view id, const Plan& plan);

// How every property judges records that follow a delete, from the table.
// A tombstone may be purged gc_grace_ms after its delete reached a replica
// (by the node's realtime clock), and a purged key reads as nothing; where
// a replica that missed the delete was not repaired in time, the older value
// comes back (a resurrection). So, for a read bound by a deletion of its key
// (an acknowledged delete, or a read of a tombstone):
// - nothing (nil) is allowed only once the purge was possible;
// - an older value is a resurrection, which only no-resurrection judges
//   where resurrections are allowed once the purge was possible; before
//   that, and wherever resurrections are ruled out, it is what the reading
//   property says (stale, non-monotonic).
// no-lost-writes judges acknowledged deletes only where resurrections are
// ruled out (a delete "lost" from the final state is a resurrection), and
// no-resurrection binds reads only where stale reads are ruled out (a read
// that misses a delete at weak consistency is stale, not a resurrection).
struct DeletionRule {
  int64_t gc_grace_ns = 0;
  bool purge_time_bounded = true;       // kNoClockSkew: a skewed clock may purge at any time
  bool resurrection_ruled_out = true;   // ruled_out(kResurrection)
  bool stale_reads_ruled_out = true;    // ruled_out(kStaleRead)

  // Whether a tombstone of a key whose first delete was invoked at
  // first_delete_ns (history time) may have been purged by at_ns. Every
  // tombstone of the key comes from a delete invoked no earlier, and a
  // replica ages it from when it applied it, so this is the earliest purge.
  bool purge_possible(int64_t first_delete_ns, int64_t at_ns) const;
};
DeletionRule deletion_rule(const Plan& plan);

// True when the plan schedules a fault of `kind` ("clock", "wipe").
bool has_fault(const Plan& plan, std::string_view kind);

// Acknowledgements that count toward R + W > N: as required_acks, except that
// ANY counts 0 because a hint is not a replica a read can see.
int overlap_acks(ConsistencyLevel cl, int rf);

}  // namespace faultline
