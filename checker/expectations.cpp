// The expectations table: conditions, the anomalies they rule out, and what
// follows for each property. Every condition says in words what it rests on
// whether it holds or not, so a reason is never a bare yes/no.
#include "checker/expectations.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include "core/assert.h"
#include "core/node_config.h"

namespace faultline {

namespace {

std::string cl_name(ConsistencyLevel cl) { return std::string(to_string(cl)); }

ConditionResult result(bool holds, std::string when_holds, std::string when_fails) {
  return {holds, holds ? std::move(when_holds) : std::move(when_fails)};
}

// `what` names the fault for people: "wipe", "clock skew".
ConditionResult no_fault(const Plan& plan, std::string_view kind, const std::string& what) {
  return result(!has_fault(plan, kind), "no " + what, what + " fault in plan");
}

ConditionResult read_cl_majority(const Plan& plan) {
  ConsistencyLevel r = plan.workload.read_cl;
  return result(r == ConsistencyLevel::kQuorum || r == ConsistencyLevel::kAll, "read CL " + cl_name(r),
                "read CL " + cl_name(r) + " (needs QUORUM or ALL)");
}

ConditionResult reads_overlap_writes(const Plan& plan) {
  int rf = plan.cluster.rf;
  int r = overlap_acks(plan.workload.read_cl, rf);
  int w = overlap_acks(plan.workload.write_cl, rf);
  std::string sum = "(" + cl_name(plan.workload.read_cl) + "+" + cl_name(plan.workload.write_cl) + " = " +
                    std::to_string(r) + "+" + std::to_string(w) + ", rf " + std::to_string(rf) + ")";
  return result(r + w > rf, "R+W>N " + sum, "R+W<=N " + sum);
}

// A write (or a delete's tombstone) acknowledged by W replicas survives wipes
// only while some acknowledging replica keeps it: guaranteed when fewer
// distinct nodes are wiped over the run than W. Counting every node any wipe
// targets is conservative (anti-entropy may re-copy between two wipes), but
// nothing bounds when it does; one wipe of two nodes at QUORUM, or wipes of
// each node in turn, can erase every acknowledged copy (found by
// property_cluster_test: a wipe of n1 and n3, then of n2, lost QUORUM writes).
ConditionResult wipes_leave_a_copy(const Plan& plan) {
  std::set<std::string> wiped;
  for (const FaultEvent& f : plan.faults) {
    if (f.kind == "wipe") wiped.insert(f.targets.begin(), f.targets.end());
  }
  const ConsistencyLevel w = plan.workload.write_cl;
  const int copies = overlap_acks(w, plan.cluster.rf);  // ANY: none need be on a replica
  const std::string n = std::to_string(wiped.size());
  const std::string acked = std::to_string(copies) + " acknowledged cop" + (copies == 1 ? "y" : "ies") +
                            " (write CL " + cl_name(w) + ")";
  return result(wiped.empty() || static_cast<int>(wiped.size()) < copies,
                wiped.empty() ? "no wipe" : n + " node(s) wiped < " + acked,
                n + " node(s) wiped >= " + acked + " (every acknowledged copy can be wiped)");
}

int64_t longest_fault_ms(const Plan& plan) {
  int64_t longest = 0;
  for (const FaultEvent& f : plan.faults) longest = std::max(longest, f.duration_ms);
  return longest;
}

// "Repair within gc_grace". A delete is undone only when a replica that
// missed it still holds the older value after every tombstone of the key was
// purged (gc_grace_ms after the delete). A replica misses deletes for at most
// the longest fault window; then either
// - anti-entropy repairs it within one interval after the round it was in
//   ends, and a round may wait out one exchange step timeout on a peer the
//   fault cut off before the failure detector saw it down: holds when
//   gc_grace_ms > longest fault window + anti_entropy_interval_ms +
//   kAntiEntropyStepTimeoutMs (sim drawn-plans seed 15148686452912195957:
//   rounds stalled 2 s on a bridge partition, the tombstone of a delete
//   acked just after the heal was purged first); or
// - without anti-entropy nothing bounds the repair, so it holds only when no
//   tombstone can be purged before the run ends: gc_grace_ms > workload
//   duration + longest fault window + kQuiesceBoundMs.
// Read repair and hints are not counted: reads may never touch the key, and
// hints can be dropped (hint window).
constexpr int64_t kQuiesceBoundMs = 60000;  // assumed upper bound of heal + quiesce + final reads

ConditionResult tombstones_outlive_repair(const Plan& plan) {
  const ModeSpec& m = plan.modes;
  int64_t window = longest_fault_ms(plan);
  std::string grace = "gc_grace " + std::to_string(m.gc_grace_ms) + " ms";
  if (m.anti_entropy) {
    int64_t need = window + m.anti_entropy_interval_ms + kAntiEntropyStepTimeoutMs;
    std::string sum = " longest fault " + std::to_string(window) + " ms + anti-entropy interval " +
                      std::to_string(m.anti_entropy_interval_ms) + " ms + exchange step timeout " +
                      std::to_string(kAntiEntropyStepTimeoutMs) + " ms";
    return result(m.gc_grace_ms > need, grace + " >" + sum,
                  grace + " <=" + sum + " (a tombstone may be purged before repair)");
  }
  int64_t run = plan.workload.duration_ms + window + kQuiesceBoundMs;
  return result(m.gc_grace_ms > run, grace + " outlasts the run (no tombstone purged; anti-entropy off)",
                "anti-entropy off and " + grace + " <= run length " + std::to_string(run) +
                    " ms (nothing repairs a replica before its tombstone is purged)");
}

// A write acknowledged at ANY may live only in hints, which expire gc_grace
// after the write. It is kept only if its hints are delivered first: the
// target is unreachable for at most the longest fault (or, when the hint is
// stored as the acknowledgements time out, a request timeout), then the
// failure detector and the replay tick deliver within kHintDeliverySlackMs.
// Explore seed 772: ANY writes acknowledged by hints during a 1970 ms
// partition, gc_grace 800 ms: the hints expired before the heal.
constexpr int64_t kHintDeliverySlackMs = 1000;

ConditionResult any_hints_outlive_outages(const Plan& plan) {
  if (plan.workload.write_cl != ConsistencyLevel::kAny) return result(true, "", "");  // says nothing
  const int64_t outage = std::max(longest_fault_ms(plan), plan.modes.request_timeout_ms);
  const int64_t need = outage + kHintDeliverySlackMs;
  const std::string grace = "gc_grace " + std::to_string(plan.modes.gc_grace_ms) + " ms";
  const std::string sum = " longest outage " + std::to_string(outage) + " ms + hint delivery " +
                          std::to_string(kHintDeliverySlackMs) + " ms";
  return result(plan.modes.gc_grace_ms > need, "ANY writes' hints outlive outages (" + grace + " >" + sum + ")",
                "writes at ANY may live only in hints that expire first (" + grace + " <=" + sum + ")");
}

// A sloppy quorum hands records off to their owners even with hints off (the
// handoffs hint-replay also judges).
ConditionResult handoffs(const Plan& plan) {
  const bool sloppy = plan.modes.quorum == QuorumMode::kSloppy;
  return result(plan.modes.hinted_handoff || sloppy,
                plan.modes.hinted_handoff ? "hinted handoff on" : "sloppy quorum handoffs",
                "hinted handoff off, strict quorum");
}

}  // namespace

ConditionResult evaluate(Condition c, const Plan& plan) {
  switch (c) {
    case Condition::kReadClMajority: return read_cl_majority(plan);
    case Condition::kBlockingReadRepair:
      return result(plan.modes.read_repair == ReadRepair::kBlocking, "blocking read repair",
                    "read repair " + std::string(to_string(plan.modes.read_repair)) + " (needs blocking)");
    case Condition::kReadsOverlapWrites: return reads_overlap_writes(plan);
    // A sloppy quorum may acknowledge on nodes outside the preference list.
    case Condition::kStrictQuorum:
      return result(plan.modes.quorum == QuorumMode::kStrict, "strict quorum", "sloppy quorum (needs strict)");
    // A wiped replica forgets what it acknowledged, and the hints it held.
    case Condition::kNoWipe: return no_fault(plan, "wipe", "wipe");
    case Condition::kWipesLeaveACopy: return wipes_leave_a_copy(plan);
    case Condition::kNoClockSkew: return no_fault(plan, "clock", "clock skew");
    case Condition::kTombstonesOutliveRepair: return tombstones_outlive_repair(plan);
    case Condition::kHandoffs: return handoffs(plan);
    case Condition::kAnyHintsOutliveOutages: return any_hints_outlive_outages(plan);
    case Condition::kHintedHandoff:
      return result(plan.modes.hinted_handoff, "hinted handoff on", "hinted handoff off");
    case Condition::kAntiEntropyOrNoFaults:
      return result(plan.modes.anti_entropy || plan.faults.empty(),
                    plan.modes.anti_entropy ? "anti-entropy on" : "no faults", "anti-entropy off with faults");
  }
  FL_ASSERT_MSG(false, "unknown condition");
  return {};
}

bool holds(Condition c, const Plan& plan) { return evaluate(c, plan).holds; }

const std::vector<AnomalyRow>& anomaly_table() {
  using C = Condition;
  // DESIGN.md's "guaranteed when" column, one row per property. A delete
  // acknowledged by one replica that is then wiped is gone, and the older
  // value the others hold wins (found by the audit's wipe-write-one row):
  // hence kWipesLeaveACopy for resurrections too. Hint-replay is judged only
  // without wipes: a wipe deletes the hints the wiped node held (they live in
  // its data directory, and no event can say so) and the records hints
  // delivered to it.
  static const std::vector<AnomalyRow> table = {
      {Anomaly::kNonMonotonicRead, "monotonic-reads",
       {C::kReadClMajority, C::kBlockingReadRepair, C::kStrictQuorum, C::kNoWipe}},
      {Anomaly::kStaleRead, "no-stale-reads", {C::kReadsOverlapWrites, C::kStrictQuorum, C::kNoWipe}},
      {Anomaly::kLostWrite, "no-lost-writes", {C::kWipesLeaveACopy, C::kNoClockSkew, C::kAnyHintsOutliveOutages}},
      {Anomaly::kResurrection, "no-resurrection", {C::kTombstonesOutliveRepair, C::kWipesLeaveACopy}},
      {Anomaly::kInventedValue, "valid-values", {}},
      {Anomaly::kRealtimeInversion, "realtime-version-order", {C::kNoClockSkew}},
      {Anomaly::kUndeliveredHint, "hint-replay", {C::kHandoffs, C::kNoWipe}},
      {Anomaly::kDivergentReplicas, "merkle-convergence", {C::kAntiEntropyOrNoFaults}},
      // Judged only on operations the faults left enough replicas for
      // (checker/availability.cpp), so no mode can excuse a failure there.
      {Anomaly::kUnavailable, "availability", {}},
      // A wipe erases what hints delivered and the hints the node held.
      {Anomaly::kMissedHint, "hint-obligations", {C::kHintedHandoff, C::kNoWipe}},
      // Claims about a replica wiped later are exempt (checker/repair_claims.cpp).
      {Anomaly::kBrokenRepairClaim, "repair-claims", {}},
      // Kills and wipes reset the clock: pairs across them are not bound
      // (checker/hlc_causality.cpp), so clock skew excuses nothing.
      {Anomaly::kHlcInversion, "hlc-causality", {}},
  };
  return table;
}

namespace {

const AnomalyRow& row_of(Anomaly a) {
  for (const AnomalyRow& r : anomaly_table()) {
    if (r.anomaly == a) return r;
  }
  FL_ASSERT_MSG(false, "anomaly missing from the table");
  return anomaly_table().front();
}

}  // namespace

bool ruled_out(Anomaly a, const Plan& plan) {
  const auto& conditions = row_of(a).ruled_out_by;
  return std::all_of(conditions.begin(), conditions.end(), [&](Condition c) { return holds(c, plan); });
}

const std::vector<std::string_view>& all_property_ids() {
  static const std::vector<std::string_view> ids = [] {
    std::vector<std::string_view> out;
    for (const AnomalyRow& r : anomaly_table()) out.push_back(r.property);
    return out;
  }();
  return ids;
}

Expectation expectation_for(std::string_view id, const Plan& plan) {
  for (const AnomalyRow& row : anomaly_table()) {
    if (row.property != id) continue;
    if (row.ruled_out_by.empty()) return {true, "guaranteed: always"};
    std::string held, failed;
    for (Condition c : row.ruled_out_by) {
      ConditionResult r = evaluate(c, plan);
      if (r.phrase.empty()) continue;  // a condition that does not apply to the plan
      std::string& to = r.holds ? held : failed;
      to += (to.empty() ? "" : ", ") + r.phrase;
    }
    if (failed.empty()) return {true, "guaranteed: " + held};
    return {false, "not guaranteed: " + failed};
  }
  FL_ASSERT_MSG(false, std::string(id).c_str());
  return {};
}

bool DeletionRule::purge_possible(int64_t first_delete_ns, int64_t at_ns) const {
  if (!purge_time_bounded) return true;
  // at_ns - first_delete_ns >= gc_grace_ns, without overflow on extreme times.
  return at_ns >= first_delete_ns && at_ns - first_delete_ns >= gc_grace_ns;
}

DeletionRule deletion_rule(const Plan& plan) {
  DeletionRule r;
  constexpr int64_t kNsPerMs = 1000000;
  const int64_t grace_ms = std::max<int64_t>(0, plan.modes.gc_grace_ms);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  r.gc_grace_ns = grace_ms > kMax / kNsPerMs ? kMax : grace_ms * kNsPerMs;
  r.purge_time_bounded = holds(Condition::kNoClockSkew, plan);
  r.resurrection_ruled_out = ruled_out(Anomaly::kResurrection, plan);
  r.stale_reads_ruled_out = ruled_out(Anomaly::kStaleRead, plan);
  return r;
}

bool has_fault(const Plan& plan, std::string_view kind) {
  return std::any_of(plan.faults.begin(), plan.faults.end(),
                     [&](const FaultEvent& f) { return f.kind == kind; });
}

int overlap_acks(ConsistencyLevel cl, int rf) {
  return cl == ConsistencyLevel::kAny ? 0 : required_acks(cl, rf);
}

}  // namespace faultline
