#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "no-resurrection";

PropertyResult run(const HistoryBuilder& h, const std::vector<NodeDump>& dumps = {}) {
  return check_property(kId, strong_plan(), h, dumps);
}

// Goal: a read invoked after a delete was acked that returns an older value
// is a resurrection; the witness is the delete and the read.
TEST(NoResurrection, OlderValueAfterAckedDeleteIsViolation) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  int64_t del = h.acked_delete(1, "k", V(2));
  int64_t read = h.read_saw(2, "k", "a", V(1));
  PropertyResult p = run(h);
  EXPECT_EQ(p.outcome, PropertyOutcome::kViolated);
  ASSERT_EQ(p.witnesses.size(), 1u);
  ASSERT_EQ(p.witnesses[0].ops.size(), 2u);
  EXPECT_EQ(p.witnesses[0].ops[0].index, del);
  EXPECT_EQ(p.witnesses[0].ops[1].index, read);
}

// Goal: near twins of the violation hold: nothing returned (tombstone
// purged), the tombstone itself, a newer value, or a read that began before
// the delete was acked.
TEST(NoResurrection, NothingTombstoneNewerOrConcurrentReadsHold) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.read(3, "k");  // concurrent with the delete
  h.acked_delete(1, "k", V(2));
  h.ok_read(3, std::string("a"), V(1));
  h.read_saw(2, "k", std::nullopt, std::nullopt);
  h.read_saw(2, "k", std::nullopt, V(2), true);
  h.acked_write(1, "k", "b", V(3));
  h.read_saw(2, "k", "b", V(3));
  EXPECT_EQ(run(h).outcome, PropertyOutcome::kHeld);
}

// Goal: a final state whose merge is an older value than an acked delete is
// a resurrection after quiesce; the tombstone winning the merge is not.
TEST(NoResurrection, FinalStateChecked) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_delete(1, "k", V(2));
  EXPECT_EQ(run(h, {dump("n1", {rec("k", "a", V(1))}), dump("n2", {})}).violations, 1);
  EXPECT_EQ(run(h, {dump("n1", {rec("k", "a", V(1))}), dump("n2", {tomb("k", V(2))})}).outcome,
            PropertyOutcome::kHeld);
}

// Goal: where quorums need not intersect (ONE+ONE), a read that misses the
// delete and returns the older value is a stale read, not a resurrection;
// the final state still judges resurrection there.
TEST(NoResurrection, StaleReadWhereQuorumsNeedNotIntersectIsNotAResurrection) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_delete(1, "k", V(2));
  h.read_saw(2, "k", "a", V(1));
  EXPECT_EQ(check_property(kId, weak_plan(), h).outcome, PropertyOutcome::kHeld);
  EXPECT_EQ(check_property(kId, weak_plan(), h, {dump("n1", {rec("k", "a", V(1))})}).violations, 1);
}

}  // namespace
}  // namespace faultline::testing
