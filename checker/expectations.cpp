// The expectations table. Each rule collects the conditions it rests on as
// short phrases; the property is guaranteed when none of them failed. The
// reason lists the failed conditions (with what would be needed) when not
// guaranteed, and every condition when guaranteed, so the reason is never a
// bare yes/no.
#include "checker/expectations.h"

#include <algorithm>
#include <set>
#include <string>

#include "core/assert.h"

namespace faultline {

namespace {

// Collects "holds" and "fails" phrases for one property.
class Conditions {
 public:
  void require(bool holds, std::string when_holds, std::string when_fails) {
    (holds ? held_ : failed_).push_back(holds ? std::move(when_holds) : std::move(when_fails));
  }
  Expectation result() const {
    if (failed_.empty()) return {true, "guaranteed: " + join(held_)};
    return {false, "not guaranteed: " + join(failed_)};
  }

 private:
  static std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
  }
  std::vector<std::string> held_;
  std::vector<std::string> failed_;
};

std::string cl_name(ConsistencyLevel cl) { return std::string(to_string(cl)); }


// `what` names the fault for people: "wipe", "clock skew".
void require_no_fault(const Plan& plan, std::string_view kind, const std::string& what, Conditions* c) {
  c->require(!has_fault(plan, kind), "no " + what, what + " fault in plan");
}

// What both read guarantees need besides their CL rule: a sloppy quorum may
// acknowledge on nodes outside the preference list, and a wiped replica
// forgets what it acknowledged.
Expectation finish_read_rule(const Plan& plan, Conditions* c) {
  c->require(plan.modes.quorum == QuorumMode::kStrict, "strict quorum", "sloppy quorum (needs strict)");
  require_no_fault(plan, "wipe", "wipe", c);
  return c->result();
}

Expectation monotonic_reads(const Plan& plan) {
  Conditions c;
  ConsistencyLevel r = plan.workload.read_cl;
  c.require(r == ConsistencyLevel::kQuorum || r == ConsistencyLevel::kAll, "read CL " + cl_name(r),
            "read CL " + cl_name(r) + " (needs QUORUM or ALL)");
  c.require(plan.modes.read_repair == ReadRepair::kBlocking, "blocking read repair",
            "read repair " + std::string(to_string(plan.modes.read_repair)) + " (needs blocking)");
  return finish_read_rule(plan, &c);
}

Expectation no_stale_reads(const Plan& plan) {
  Conditions c;
  int rf = plan.cluster.rf;
  int r = overlap_acks(plan.workload.read_cl, rf);
  int w = overlap_acks(plan.workload.write_cl, rf);
  std::string sum = "(" + cl_name(plan.workload.read_cl) + "+" + cl_name(plan.workload.write_cl) +
                    " = " + std::to_string(r) + "+" + std::to_string(w) + ", rf " + std::to_string(rf) + ")";
  c.require(r + w > rf, "R+W>N " + sum, "R+W<=N " + sum);
  return finish_read_rule(plan, &c);
}

// A write (or a delete's tombstone) acknowledged by W replicas survives wipes
// only while some acknowledging replica keeps it: guaranteed when fewer
// distinct nodes are wiped over the run than W. Counting every node any wipe
// targets is conservative (anti-entropy may re-copy between two wipes), but
// nothing bounds when it does; one wipe of two nodes at QUORUM, or wipes of
// each node in turn, can erase every acknowledged copy (found by
// property_cluster_test: a wipe of n1 and n3, then of n2, lost QUORUM writes).
void require_wipes_leave_a_copy(const Plan& plan, Conditions* c) {
  std::set<std::string> wiped;
  for (const FaultEvent& f : plan.faults) {
    if (f.kind == "wipe") wiped.insert(f.targets.begin(), f.targets.end());
  }
  const ConsistencyLevel w = plan.workload.write_cl;
  const int copies = overlap_acks(w, plan.cluster.rf);  // ANY: none need be on a replica
  const std::string n = std::to_string(wiped.size());
  const std::string acked = std::to_string(copies) + " acknowledged cop" + (copies == 1 ? "y" : "ies") +
                            " (write CL " + cl_name(w) + ")";
  c->require(wiped.empty() || static_cast<int>(wiped.size()) < copies,
             wiped.empty() ? "no wipe" : n + " node(s) wiped < " + acked,
             n + " node(s) wiped >= " + acked + " (every acknowledged copy can be wiped)");
}

Expectation no_lost_writes(const Plan& plan) {
  Conditions c;
  require_wipes_leave_a_copy(plan, &c);
  require_no_fault(plan, "clock", "clock skew", &c);
  return c.result();
}

int64_t longest_fault_ms(const Plan& plan) {
  int64_t longest = 0;
  for (const FaultEvent& f : plan.faults) longest = std::max(longest, f.duration_ms);
  return longest;
}

// no-resurrection: "repair within gc_grace". A delete is undone only when a
// replica that missed it still holds the older value after every tombstone
// of the key was purged (gc_grace_ms after the delete). A replica misses
// deletes for at most the longest fault window; then either
// - anti-entropy repairs it within one interval: guaranteed when
//   gc_grace_ms > longest fault window + anti_entropy_interval_ms; or
// - without anti-entropy nothing bounds the repair, so it is guaranteed only
//   when no tombstone can be purged before the run ends: gc_grace_ms >
//   workload duration + longest fault window + kQuiesceBoundMs.
// Read repair and hints are not counted: reads may never touch the key, and
// hints can be dropped (hint window).
constexpr int64_t kQuiesceBoundMs = 60000;  // assumed upper bound of heal + quiesce + final reads

Expectation no_resurrection(const Plan& plan) {
  Conditions c;
  const ModeSpec& m = plan.modes;
  int64_t window = longest_fault_ms(plan);
  std::string grace = "gc_grace " + std::to_string(m.gc_grace_ms) + " ms";
  if (m.anti_entropy) {
    int64_t need = window + m.anti_entropy_interval_ms;
    c.require(m.gc_grace_ms > need,
              grace + " > longest fault " + std::to_string(window) + " ms + anti-entropy interval " +
                  std::to_string(m.anti_entropy_interval_ms) + " ms",
              grace + " <= longest fault " + std::to_string(window) + " ms + anti-entropy interval " +
                  std::to_string(m.anti_entropy_interval_ms) + " ms (a tombstone may be purged before repair)");
  } else {
    int64_t run = plan.workload.duration_ms + window + kQuiesceBoundMs;
    c.require(m.gc_grace_ms > run, grace + " outlasts the run (no tombstone purged; anti-entropy off)",
              "anti-entropy off and " + grace + " <= run length " + std::to_string(run) +
                  " ms (nothing repairs a replica before its tombstone is purged)");
  }
  // A delete acknowledged by one replica that is then wiped is gone, and the
  // older value the others hold wins (found by the audit's wipe-write-one row).
  require_wipes_leave_a_copy(plan, &c);
  return c.result();
}

Expectation realtime_version_order(const Plan& plan) {
  Conditions c;
  require_no_fault(plan, "clock", "clock skew", &c);
  return c.result();
}

// A wipe deletes the hints the wiped node held (they live in its data
// directory, and no event can say so) and the records hints delivered to it,
// so hint-replay is judged only without wipes, as the read rules are.
Expectation hint_replay(const Plan& plan) {
  Conditions c;
  // A sloppy quorum hands records off to their owners even with hints off
  // (the handoffs this property also judges).
  const bool sloppy = plan.modes.quorum == QuorumMode::kSloppy;
  c.require(plan.modes.hinted_handoff || sloppy,
            plan.modes.hinted_handoff ? "hinted handoff on" : "sloppy quorum handoffs",
            "hinted handoff off, strict quorum");
  require_no_fault(plan, "wipe", "wipe", &c);
  return c.result();
}

Expectation merkle_convergence(const Plan& plan) {
  Conditions c;
  c.require(plan.modes.anti_entropy || plan.faults.empty(),
            plan.modes.anti_entropy ? "anti-entropy on" : "no faults",
            "anti-entropy off with faults");
  return c.result();
}

}  // namespace

const std::vector<std::string_view>& all_property_ids() {
  static const std::vector<std::string_view> ids = {
      "monotonic-reads", "no-stale-reads",         "no-lost-writes", "no-resurrection",
      "valid-values",    "realtime-version-order", "hint-replay",    "merkle-convergence"};
  return ids;
}

bool has_fault(const Plan& plan, std::string_view kind) {
  return std::any_of(plan.faults.begin(), plan.faults.end(),
                     [&](const FaultEvent& f) { return f.kind == kind; });
}

int overlap_acks(ConsistencyLevel cl, int rf) {
  return cl == ConsistencyLevel::kAny ? 0 : required_acks(cl, rf);
}

Expectation expectation_for(std::string_view id, const Plan& plan) {
  if (id == "monotonic-reads") return monotonic_reads(plan);
  if (id == "no-stale-reads") return no_stale_reads(plan);
  if (id == "no-lost-writes") return no_lost_writes(plan);
  if (id == "no-resurrection") return no_resurrection(plan);
  if (id == "valid-values") return {true, "guaranteed: always"};
  if (id == "realtime-version-order") return realtime_version_order(plan);
  if (id == "hint-replay") return hint_replay(plan);
  if (id == "merkle-convergence") return merkle_convergence(plan);
  FL_ASSERT_MSG(false, std::string(id).c_str());
  return {};
}

}  // namespace faultline
