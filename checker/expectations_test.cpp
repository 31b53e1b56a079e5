#include "checker/expectations.h"

#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

FaultEvent fault(const std::string& kind) {
  FaultEvent f;
  f.kind = kind;
  f.targets = {"n1"};
  return f;
}

// Goal: the strong plan guarantees every implemented property, with reasons
// that list what the guarantee rests on.
TEST(Expectations, StrongPlanGuaranteesEverything) {
  Plan p = strong_plan();
  for (const char* id : {"monotonic-reads", "no-stale-reads", "no-lost-writes", "valid-values"}) {
    Expectation e = expectation_for(id, p);
    EXPECT_TRUE(e.guaranteed) << id << ": " << e.reason;
  }
  EXPECT_EQ(expectation_for("no-stale-reads", p).reason,
            "guaranteed: R+W>N (QUORUM+QUORUM = 2+2, rf 3), strict quorum, no wipe");
  EXPECT_EQ(expectation_for("monotonic-reads", p).reason,
            "guaranteed: read CL QUORUM, blocking read repair, strict quorum, no wipe");
}

// Goal: each monotonic-reads condition alone withdraws the guarantee and is named.
TEST(Expectations, MonotonicReadsNeedsEveryCondition) {
  Plan p = strong_plan();
  p.modes.read_repair = ReadRepair::kAsync;
  EXPECT_EQ(expectation_for("monotonic-reads", p).reason, "not guaranteed: read repair async (needs blocking)");
  p = strong_plan();
  p.workload.read_cl = ConsistencyLevel::kOne;
  EXPECT_FALSE(expectation_for("monotonic-reads", p).guaranteed);
  p = strong_plan();
  p.workload.read_cl = ConsistencyLevel::kAll;
  EXPECT_TRUE(expectation_for("monotonic-reads", p).guaranteed);
  p.modes.quorum = QuorumMode::kSloppy;
  EXPECT_FALSE(expectation_for("monotonic-reads", p).guaranteed);
  p = strong_plan();
  p.faults = {fault("wipe")};
  EXPECT_EQ(expectation_for("monotonic-reads", p).reason, "not guaranteed: wipe fault in plan");
}

// Goal: R + W > N with ANY counting zero.
TEST(Expectations, NoStaleReadsIsTheOverlapRule) {
  struct Case {
    ConsistencyLevel r, w;
    int rf;
    bool guaranteed;
  };
  using CL = ConsistencyLevel;
  for (Case c : {Case{CL::kOne, CL::kAll, 3, true}, Case{CL::kOne, CL::kQuorum, 3, false},
                 Case{CL::kTwo, CL::kTwo, 3, true}, Case{CL::kAll, CL::kAny, 3, false},
                 Case{CL::kQuorum, CL::kQuorum, 5, true}, Case{CL::kTwo, CL::kQuorum, 5, false},
                 Case{CL::kOne, CL::kOne, 1, true}}) {
    Plan p = strong_plan();
    p.cluster.rf = c.rf;
    p.cluster.nodes = 5;
    p.workload.read_cl = c.r;
    p.workload.write_cl = c.w;
    EXPECT_EQ(expectation_for("no-stale-reads", p).guaranteed, c.guaranteed)
        << expectation_for("no-stale-reads", p).reason;
  }
  EXPECT_EQ(overlap_acks(ConsistencyLevel::kAny, 3), 0);
}

// Goal: lost writes are allowed with a wipe and one acknowledged copy, or
// with clock skew.
TEST(Expectations, NoLostWritesRule) {
  Plan p = strong_plan();
  p.faults = {fault("wipe")};
  EXPECT_TRUE(expectation_for("no-lost-writes", p).guaranteed) << expectation_for("no-lost-writes", p).reason;
  for (ConsistencyLevel w : {ConsistencyLevel::kOne, ConsistencyLevel::kAny}) {
    p.workload.write_cl = w;
    EXPECT_FALSE(expectation_for("no-lost-writes", p).guaranteed);
  }
  p.cluster.rf = 1;
  p.workload.write_cl = ConsistencyLevel::kQuorum;  // one ack with rf 1
  EXPECT_FALSE(expectation_for("no-lost-writes", p).guaranteed);
  p = strong_plan();
  p.faults = {fault("clock")};
  EXPECT_EQ(expectation_for("no-lost-writes", p).reason, "not guaranteed: clock skew fault in plan");
}

// Goal: valid-values is guaranteed whatever the plan.
TEST(Expectations, ValidValuesAlways) {
  Plan p = weak_plan();
  p.faults = {fault("wipe"), fault("clock")};
  p.modes.quorum = QuorumMode::kSloppy;
  EXPECT_TRUE(expectation_for("valid-values", p).guaranteed);
}

// Goal (explore seed 772): a write acknowledged at ANY may live only in
// hints, which expire gc_grace after the write; no-lost-writes is
// guaranteed for ANY only when gc_grace outlasts the longest outage (or a
// request timeout) plus the hint delivery slack. Other CLs are unaffected
// and their reason does not mention it.
TEST(Expectations, AnyWritesNeedHintsThatOutliveTheOutage) {
  Plan p = strong_plan();
  FaultEvent f = fault("partition");
  f.duration_ms = 1970;
  p.faults = {f};
  p.modes.gc_grace_ms = 800;
  EXPECT_TRUE(expectation_for("no-lost-writes", p).guaranteed);
  EXPECT_EQ(expectation_for("no-lost-writes", p).reason.find("ANY"), std::string::npos);
  p.workload.write_cl = ConsistencyLevel::kAny;
  EXPECT_EQ(expectation_for("no-lost-writes", p).reason,
            "not guaranteed: writes at ANY may live only in hints that expire first (gc_grace 800 ms <= longest "
            "outage 1970 ms + hint delivery 1000 ms)");
  p.modes.gc_grace_ms = 3000;
  EXPECT_TRUE(expectation_for("no-lost-writes", p).guaranteed) << expectation_for("no-lost-writes", p).reason;
}

// Goal: no-resurrection follows "repair within gc_grace": with anti-entropy,
// gc_grace must exceed the longest fault plus one interval plus the exchange
// step timeout a round may wait out; without it, no tombstone may be purged
// during the run.
TEST(Expectations, NoResurrectionNeedsRepairWithinGcGrace) {
  Plan p = strong_plan();
  p.modes.anti_entropy = true;
  p.modes.anti_entropy_interval_ms = 1000;
  p.modes.gc_grace_ms = 7000;
  FaultEvent f = fault("partition");
  f.duration_ms = 3000;
  p.faults = {f};
  EXPECT_EQ(expectation_for("no-resurrection", p).reason,
            "guaranteed: gc_grace 7000 ms > longest fault 3000 ms + anti-entropy interval 1000 ms + exchange step "
            "timeout 2000 ms, no wipe");
  // A wipe may erase a delete acknowledged by one replica.
  FaultEvent w = fault("wipe");
  w.duration_ms = 1000;
  p.faults.push_back(w);
  EXPECT_TRUE(expectation_for("no-resurrection", p).guaranteed);  // QUORUM: two copies
  p.workload.write_cl = ConsistencyLevel::kOne;
  EXPECT_EQ(expectation_for("no-resurrection", p).reason,
            "not guaranteed: 1 node(s) wiped >= 1 acknowledged copy (write CL ONE) (every acknowledged copy can be "
            "wiped)");
  p.workload.write_cl = ConsistencyLevel::kQuorum;
  // Two nodes wiped, at once or one after the other, can hold both QUORUM
  // copies (rf 3).
  FaultEvent w2 = fault("wipe");
  w2.targets = {"n2"};
  p.faults.push_back(w2);
  EXPECT_EQ(expectation_for("no-resurrection", p).reason,
            "not guaranteed: 2 node(s) wiped >= 2 acknowledged copies (write CL QUORUM) (every acknowledged copy "
            "can be wiped)");
  EXPECT_FALSE(expectation_for("no-lost-writes", p).guaranteed);
  p.faults.pop_back();
  p.faults.back().targets = {"n1", "n3"};
  EXPECT_FALSE(expectation_for("no-lost-writes", p).guaranteed) << "one wipe of two nodes";
  p.faults.back().targets = {"n1"};
  EXPECT_TRUE(expectation_for("no-lost-writes", p).guaranteed) << expectation_for("no-lost-writes", p).reason;
  p.faults.pop_back();
  p.faults[0].duration_ms = 4000;
  EXPECT_FALSE(expectation_for("no-resurrection", p).guaranteed);
  p.modes.anti_entropy = false;
  p.faults.clear();
  p.workload.duration_ms = 1000;
  p.modes.gc_grace_ms = 600000;  // longer than the run: nothing is purged
  EXPECT_TRUE(expectation_for("no-resurrection", p).guaranteed) << expectation_for("no-resurrection", p).reason;
  p.modes.gc_grace_ms = 5000;
  EXPECT_EQ(expectation_for("no-resurrection", p).reason,
            "not guaranteed: anti-entropy off and gc_grace 5000 ms <= run length 61000 ms (nothing repairs a replica "
            "before its tombstone is purged)");
}

// Goal: the remaining rows of DESIGN.md's table: clock skew withdraws
// realtime-version-order, hint-replay needs hinted handoff, merkle-convergence
// needs anti-entropy once there are faults.
TEST(Expectations, RealtimeHintAndMerkleRows) {
  Plan p = strong_plan();
  EXPECT_TRUE(expectation_for("realtime-version-order", p).guaranteed);
  EXPECT_FALSE(expectation_for("hint-replay", p).guaranteed);
  EXPECT_EQ(expectation_for("merkle-convergence", p).reason, "guaranteed: no faults");
  p.modes.hinted_handoff = true;
  EXPECT_EQ(expectation_for("hint-replay", p).reason, "guaranteed: hinted handoff on, no wipe");
  p.faults = {fault("wipe")};
  EXPECT_EQ(expectation_for("hint-replay", p).reason, "not guaranteed: wipe fault in plan");
  p.faults.clear();
  p.modes.hinted_handoff = false;
  p.modes.quorum = QuorumMode::kSloppy;  // handoffs even without hints
  EXPECT_EQ(expectation_for("hint-replay", p).reason, "guaranteed: sloppy quorum handoffs, no wipe");
  p.modes.quorum = QuorumMode::kStrict;
  p.modes.hinted_handoff = true;
  p.faults = {fault("clock")};
  EXPECT_EQ(expectation_for("realtime-version-order", p).reason, "not guaranteed: clock skew fault in plan");
  EXPECT_EQ(expectation_for("merkle-convergence", p).reason, "not guaranteed: anti-entropy off with faults");
  p.modes.anti_entropy = true;
  EXPECT_EQ(expectation_for("merkle-convergence", p).reason, "guaranteed: anti-entropy on");
}

// Goal: every property of DESIGN.md is implemented: none is skipped.
TEST(Expectations, EveryPropertyRuns) {
  HistoryBuilder quiesced;
  quiesced.quiesced();
  Verdict v = check_ops(strong_plan(), {dump("n1", {}), dump("n2", {}), dump("n3", {})}, quiesced.ops());
  for (const PropertyResult& p : v.properties) EXPECT_EQ(p.outcome, PropertyOutcome::kHeld) << p.id << ": " << p.note;
  EXPECT_EQ(v.properties.size(), all_property_ids().size());
  EXPECT_EQ(v.value, VerdictValue::kValid);
}

}  // namespace
}  // namespace faultline::testing
