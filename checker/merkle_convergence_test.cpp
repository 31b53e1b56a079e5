#include <gtest/gtest.h>

#include <map>

#include "checker/checker_test_util.h"
#include "core/ring.h"

namespace faultline::testing {
namespace {

const char* kId = "merkle-convergence";

// rf 3 on 3 nodes: every node replicates every range.
PropertyResult run(const std::vector<NodeDump>& dumps) {
  return check_property(kId, strong_plan(), HistoryBuilder(), dumps);
}

std::vector<NodeDump> three(const std::vector<Record>& records, bool with_roots) {
  std::vector<NodeDump> out;
  for (const char* n : {"n1", "n2", "n3"}) {
    out.push_back(dump(n, records));
    if (with_roots) out.back().merkle_roots = honest_roots(strong_plan(), records);
  }
  return out;
}

const std::vector<Record> kRecords = {rec("k1", "a", V(1)), rec("k2", "b", V(2)), tomb("k3", V(3))};

// Goal: identical replicas with honest roots (recomputed independently) hold.
TEST(MerkleConvergence, IdenticalReplicasAndHonestRootsHold) {
  EXPECT_EQ(run(three(kRecords, false)).outcome, PropertyOutcome::kHeld);
  PropertyResult p = run(three(kRecords, true));
  EXPECT_EQ(p.outcome, PropertyOutcome::kHeld) << (p.witnesses.empty() ? p.note : p.witnesses[0].summary);
}

// Goal: a replica missing a record is one violation for that key.
TEST(MerkleConvergence, DifferingReplicaIsViolation) {
  std::vector<NodeDump> d = three(kRecords, false);
  d[2].records.pop_back();
  PropertyResult p = run(d);
  EXPECT_EQ(p.violations, 1);
  ASSERT_EQ(p.witnesses.size(), 1u);
  EXPECT_NE(p.witnesses[0].summary.find("n3: nothing"), std::string::npos) << p.witnesses[0].summary;
}

// Goal: a node whose tree lies (its reported root does not match its own
// dumped records) is caught, and its disagreeing root too.
TEST(MerkleConvergence, LyingRootIsViolation) {
  std::vector<NodeDump> d = three(kRecords, true);
  d[1].merkle_roots = honest_roots(strong_plan(), {rec("k1", "a", V(1))});
  PropertyResult p = run(d);
  EXPECT_GE(p.violations, 2);
  bool named = false;
  for (const Witness& w : p.witnesses) named = named || w.summary.rfind("n2 range", 0) == 0;
  EXPECT_TRUE(named);
}

// Goal: each node sizes its trees from its keys, so replicas report roots
// at different depths (or none, in older files: the plan's merkle_depth);
// honest ones hold and agree, folded to a common depth; a root that lies at
// its depth, or a depth beyond the plan's maximum, is a violation.
TEST(MerkleConvergence, RootsAtDifferentDepthsAreCheckedAtTheirOwnAndCompared) {
  Plan plan = strong_plan();
  plan.modes.anti_entropy = true;
  std::vector<NodeDump> d = three(kRecords, false);
  d[0].merkle_roots = honest_roots(plan, kRecords, 3);
  d[1].merkle_roots = honest_roots(plan, kRecords, 7);
  d[2].merkle_roots = honest_roots(plan, kRecords);  // no depth: the plan's 10
  PropertyResult p = check_property(kId, plan, HistoryBuilder(), d);
  EXPECT_EQ(p.outcome, PropertyOutcome::kHeld) << (p.witnesses.empty() ? p.note : p.witnesses[0].summary);

  // n2's roots are those of a depth-7 tree but it says 6.
  for (RangeRoot& r : *d[1].merkle_roots) r.depth = 6;
  p = check_property(kId, plan, HistoryBuilder(), d);
  EXPECT_GE(p.violations, 1);
  ASSERT_FALSE(p.witnesses.empty());
  EXPECT_NE(p.witnesses[0].summary.find("at depth 6 but its own dumped records hash to"), std::string::npos)
      << p.witnesses[0].summary;

  d[1].merkle_roots = honest_roots(plan, kRecords, 7);
  plan.modes.merkle_depth = 6;  // n2's depth-7 trees are deeper than allowed
  d[2].merkle_roots = honest_roots(plan, kRecords);
  p = check_property(kId, plan, HistoryBuilder(), d);
  EXPECT_GE(p.violations, 1);
  ASSERT_FALSE(p.witnesses.empty());
  EXPECT_NE(p.witnesses[0].summary.find("n2 range"), std::string::npos) << p.witnesses[0].summary;
  EXPECT_NE(p.witnesses[0].summary.find("depth 7, deeper than the plan's merkle_depth 6"), std::string::npos)
      << p.witnesses[0].summary;
}

// Goal (a narrowed definition): with anti-entropy on, a node
// that reports "merkle_roots": null misses a root for every range it
// replicates (it was exempt from every root check); with anti-entropy off a
// null is no tree at all and is exempt.
TEST(MerkleConvergence, NullRootsWithAntiEntropyOnAreMissingRoots) {
  Plan plan = strong_plan();
  plan.modes.anti_entropy = true;
  std::vector<NodeDump> d = three(kRecords, true);
  d[1].merkle_roots.reset();
  PropertyResult p = check_property(kId, plan, HistoryBuilder(), d);
  const size_t ranges = Ring({1, 2, 3}, plan.cluster.vnodes, plan.cluster.rf).ranges().size();
  EXPECT_EQ(p.violations, static_cast<int64_t>(ranges));  // rf 3 of 3: n2 replicates every range
  ASSERT_FALSE(p.witnesses.empty());
  EXPECT_NE(p.witnesses[0].summary.find("n2 range"), std::string::npos) << p.witnesses[0].summary;
  EXPECT_NE(p.witnesses[0].summary.find("null"), std::string::npos) << p.witnesses[0].summary;
  plan.modes.anti_entropy = false;
  EXPECT_EQ(check_property(kId, plan, HistoryBuilder(), d).outcome, PropertyOutcome::kHeld);
}

// Goal: once gc_grace could have passed since the key's first delete, a
// replica that purged a tombstone agrees with replicas still holding it
// (data and roots); before that, the missing tombstone is a violation (sim
// seeds 9, 41, 69 of the swarm, gc_grace 800 ms: sweeps reach ranges in turn).
TEST(MerkleConvergence, APurgedTombstoneAgreesWithItsUnpurgedCopiesOnlyAfterGcGrace) {
  Plan plan = strong_plan();
  plan.modes.anti_entropy = true;
  std::vector<NodeDump> d = three(kRecords, true);
  d[2].records.pop_back();  // n3 purged k3's tombstone
  d[2].merkle_roots = honest_roots(plan, d[2].records);
  HistoryBuilder early;
  early.acked_delete(1, "k3", V(3));
  PropertyResult p = check_property(kId, plan, early, d);
  EXPECT_GE(p.violations, 2);  // the key, and its range's roots
  HistoryBuilder late;
  late.acked_delete(1, "k3", V(3));
  late.wait_ms(plan.modes.gc_grace_ms);
  late.read_saw(2, "k3", std::nullopt, std::nullopt);
  p = check_property(kId, plan, late, d);
  EXPECT_EQ(p.outcome, PropertyOutcome::kHeld) << (p.witnesses.empty() ? p.note : p.witnesses[0].summary);
  // A missing value is never excused by a purge.
  d = three(kRecords, true);
  d[2].records.erase(d[2].records.begin());
  d[2].merkle_roots = honest_roots(plan, d[2].records);
  EXPECT_GE(check_property(kId, plan, late, d).violations, 2);
}

}  // namespace
}  // namespace faultline::testing
