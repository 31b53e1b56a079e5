// Property test of the expectations table: for random plans, no
// property can be violated by a history that another property's conditions
// allow, and no anomaly the table rules out passes silently.
//
// Each scenario below is the smallest history and final state showing one
// anomaly class of the table and nothing else a correct store could not
// also produce. For a random plan, when the table allows the anomaly (one of
// its conditions fails, or DeletionRule says the purge was possible), no
// guaranteed property may be violated: otherwise a correct store would fail
// the run (a false alarm, such as a purged delete under a short
// gc_grace counted as a lost write). When the table rules it out, some guaranteed
// property must be violated (no silent pass).
//
// On failure RapidCheck prints the seed and the shrunk plan; replay with
//   RC_PARAMS="reproduce=<string it prints>" build/bin/checker_test --gtest_filter='ExpectationsTable.*'
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "checker/checker_test_util.h"
#include "checker/expectations.h"
#include "core/ring.h"

namespace faultline::testing {
namespace {

constexpr int kNodes = 3;

Plan random_plan() {
  using CL = ConsistencyLevel;
  Plan p;
  p.seed = 1;
  p.cluster = {kNodes, *rc::gen::inRange(1, kNodes + 1), 4};
  p.modes.read_repair = *rc::gen::element(ReadRepair::kNone, ReadRepair::kAsync, ReadRepair::kBlocking);
  p.modes.quorum = *rc::gen::element(QuorumMode::kStrict, QuorumMode::kSloppy);
  p.modes.hinted_handoff = *rc::gen::arbitrary<bool>();
  p.modes.anti_entropy = *rc::gen::arbitrary<bool>();
  p.modes.anti_entropy_interval_ms = *rc::gen::element<int64_t>(100, 2000, 30000);
  p.modes.merkle_depth = 2;
  p.modes.gc_grace_ms = *rc::gen::element<int64_t>(0, 50, 1000, 10000, 600000);
  p.workload.duration_ms = *rc::gen::element<int64_t>(1000, 20000);
  p.workload.read_cl = *rc::gen::element(CL::kOne, CL::kTwo, CL::kQuorum, CL::kAll);
  p.workload.write_cl = *rc::gen::element(CL::kAny, CL::kOne, CL::kTwo, CL::kQuorum, CL::kAll);
  const int faults = *rc::gen::inRange(0, 3);
  for (int i = 0; i < faults; ++i) {
    FaultEvent f;
    f.kind = *rc::gen::element<std::string>("partition", "kill", "pause", "wipe", "clock", "delay");
    f.duration_ms = *rc::gen::element<int64_t>(100, 3000, 60000);
    f.targets = {node_name(static_cast<NodeId>(*rc::gen::inRange(1, kNodes + 1)))};
    p.faults.push_back(f);
  }
  return p;
}

// Per node, the records it holds after quiesce.
using Holdings = std::vector<std::vector<Record>>;

Holdings everywhere(std::vector<Record> records) { return Holdings(kNodes, records); }

std::vector<NodeDump> dumps_of(const Plan& plan, const Holdings& held) {
  std::vector<NodeDump> out;
  for (int i = 0; i < kNodes; ++i) {
    NodeDump d = dump(node_name(static_cast<NodeId>(i + 1)), held[static_cast<size_t>(i)]);
    if (plan.modes.anti_entropy) d.merkle_roots = honest_roots(plan, d.records);
    out.push_back(std::move(d));
  }
  return out;
}

struct Scenario {
  std::string name;
  HistoryBuilder history;
  Holdings held;
  bool allowed = false;  // the table allows this history on a correct store
};

constexpr int64_t kMs = 1000000;

// An acknowledged delete undone: after the purge was possible a read returns
// the older value, and every replica ends with it.
Scenario resurrection(const Plan& plan) {
  Scenario s{"resurrection", {}, {}, !ruled_out(Anomaly::kResurrection, plan)};
  s.history.acked_write(1, "k", "x", V(10));
  s.history.acked_delete(1, "k", V(20));
  s.history.wait_ms(plan.modes.gc_grace_ms + 1);
  s.history.read_saw(2, "k", "x", V(10));
  s.history.quiesced();
  s.held = everywhere({rec("k", "x", V(10))});
  return s;
}

// A nil read right after an acknowledged delete: allowed only once the purge
// was possible (DeletionRule), else where stale reads are.
Scenario nil_after_delete(const Plan& plan) {
  Scenario s{"nil after delete", {}, {}, false};
  s.history.acked_write(1, "k", "x", V(10));
  s.history.del(1, "k");
  const int64_t delete_invoked_ns = s.history.ops().back().time_ns;
  s.history.ok(1, V(20));
  const int64_t read = s.history.read_saw(2, "k", std::nullopt, std::nullopt);
  s.history.quiesced();
  s.held = everywhere({tomb("k", V(20))});
  s.allowed = !ruled_out(Anomaly::kStaleRead, plan) ||
              deletion_rule(plan).purge_possible(delete_invoked_ns, s.history.ops()[static_cast<size_t>(read)].time_ns);
  return s;
}

// A read that misses an acknowledged write.
Scenario stale_read(const Plan& plan) {
  Scenario s{"stale read", {}, {}, !ruled_out(Anomaly::kStaleRead, plan)};
  s.history.acked_write(1, "k", "x", V(10));
  s.history.read_saw(2, "k", std::nullopt, std::nullopt);
  s.history.quiesced();
  s.held = everywhere({rec("k", "x", V(10))});
  return s;
}

// A read older than an earlier read that saw a concurrent write; no read
// misses an acknowledged write.
Scenario non_monotonic(const Plan& plan) {
  Scenario s{"non-monotonic read", {}, {}, !ruled_out(Anomaly::kNonMonotonicRead, plan)};
  s.history.acked_write(1, "k", "x", V(10));
  s.history.write(3, "k", "y");
  s.history.read_saw(2, "k", "y", V(30));
  s.history.read_saw(2, "k", "x", V(10));
  s.history.ok(3, V(30));
  s.history.quiesced();
  s.held = everywhere({rec("k", "y", V(30))});
  return s;
}

// An acknowledged write no node holds, with no delete to explain it.
Scenario lost_write(const Plan& plan) {
  Scenario s{"lost write", {}, {}, !ruled_out(Anomaly::kLostWrite, plan)};
  s.history.acked_write(1, "k", "x", V(10));
  s.history.quiesced();
  s.held = everywhere({});
  return s;
}

// A write invoked after another was acknowledged, stamped below it by
// another coordinator; LWW keeps the older-in-time write, which no read
// contradicts.
Scenario inversion(const Plan& plan) {
  Scenario s{"realtime inversion", {}, {}, !ruled_out(Anomaly::kRealtimeInversion, plan)};
  s.history.acked_write(1, "k", "x", V(20));
  s.history.via("n2");
  s.history.acked_write(2, "k", "y", V(10));
  s.history.quiesced();
  s.held = everywhere({rec("k", "x", V(20))});
  return s;
}

// The same, through the coordinator that stamped the first write: its
// hybrid logical clock never goes back, whatever the wall clocks do.
Scenario hlc_inversion(const Plan&) {
  Scenario s{"hlc inversion", {}, {}, false};
  s.history.acked_write(1, "k", "x", V(20));
  s.history.acked_write(2, "k", "y", V(10));
  s.history.quiesced();
  s.held = everywhere({rec("k", "x", V(20))});
  return s;
}

// One replica of the key holds the write, the others nothing.
Scenario divergence(const Plan& plan) {
  Scenario s{"divergent replicas", {}, {}, !ruled_out(Anomaly::kDivergentReplicas, plan)};
  s.history.acked_write(1, "k", "x", V(10));
  s.history.quiesced();
  std::vector<NodeId> ids = {1, 2, 3};
  Ring ring(ids, plan.cluster.vnodes, plan.cluster.rf);
  s.held = everywhere({});
  s.held[ring.preference_list(token_of("k")).front() - 1] = {rec("k", "x", V(10))};
  return s;
}

// A read of a value nobody wrote: never allowed.
Scenario invented(const Plan&) {
  Scenario s{"invented value", {}, {}, false};
  s.history.read_saw(2, "k", "zz", V(10));
  s.history.quiesced();
  s.held = everywhere({});
  return s;
}

std::string describe(const Verdict& v) {
  std::string out;
  for (const PropertyResult& p : v.properties) {
    out += "\n  " + p.id + ": " + std::string(to_string(p.outcome)) + " (" + p.expected_reason + ")";
    if (!p.witnesses.empty()) out += " " + p.witnesses[0].summary;
  }
  return out;
}

// Goal: every anomaly the table allows leaves every guaranteed property
// unviolated, and every anomaly it rules out violates a guaranteed one.
RC_GTEST_PROP(ExpectationsTable, NoPropertyViolatedByWhatAnotherAllows, ()) {
  const Plan plan = random_plan();
  std::vector<Scenario> scenarios = {resurrection(plan), nil_after_delete(plan), stale_read(plan),
                                     non_monotonic(plan), lost_write(plan),     inversion(plan),
                                     hlc_inversion(plan), invented(plan)};
  if (plan.cluster.rf > 1) scenarios.push_back(divergence(plan));
  for (Scenario& s : scenarios) {
    Verdict v = check_ops(plan, dumps_of(plan, s.held), s.history.ops());
    bool guaranteed_violated = false;
    for (const PropertyResult& p : v.properties) {
      guaranteed_violated |= p.guaranteed && p.outcome == PropertyOutcome::kViolated;
    }
    RC_LOG() << s.name << " (" << (s.allowed ? "allowed" : "ruled out") << "):" << describe(v) << "\n";
    RC_ASSERT(guaranteed_violated == !s.allowed);
  }
}

}  // namespace
}  // namespace faultline::testing
