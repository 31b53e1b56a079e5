#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "no-stale-reads";

// Goal: a read started after a write was acknowledged must see it or newer.
TEST(NoStaleReads, ReadOlderThanAckedWriteIsViolation) {
  HistoryBuilder h;
  int64_t acked = h.acked_write(1, "k", "a", V(7));
  int64_t read = h.read_saw(2, "k", std::nullopt, std::nullopt);
  Verdict v = check_ops(strong_plan(), {}, h.ops(), {{kId}});
  const PropertyResult& p = property(v, kId);
  EXPECT_EQ(p.violations, 1);
  ASSERT_EQ(p.witnesses.size(), 1u);
  EXPECT_EQ(p.witnesses[0].ops[0].index, acked);
  EXPECT_EQ(p.witnesses[0].ops[0].value, "a");
  EXPECT_EQ(p.witnesses[0].ops[1].index, read);
  EXPECT_EQ(v.value, VerdictValue::kInvalid);
}

// Goal: a read that overlaps the write may miss it.
TEST(NoStaleReads, ReadInvokedBeforeTheAckIsFree) {
  HistoryBuilder h;
  h.write(1, "k", "a");
  h.read(2, "k");
  h.ok(1, V(7));
  h.ok_read(2, std::nullopt, std::nullopt);
  EXPECT_EQ(check_property(kId, strong_plan(), h).outcome, PropertyOutcome::kHeld);
}

// Goal: an indeterminate write is never a reference, a failed one neither.
TEST(NoStaleReads, InfoAndFailedWritesAreNotReferences) {
  HistoryBuilder h;
  h.write(1, "k", "a");
  h.info(1);
  h.write(2, "k", "b");
  h.fail(2);
  h.read_saw(3, "k", std::nullopt, std::nullopt);
  EXPECT_EQ(check_property(kId, strong_plan(), h).violations, 0);
}

// Goal: an acked delete is a reference too; its tombstone or newer is fine.
TEST(NoStaleReads, AckedDeleteBindsLaterReads) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_delete(1, "k", V(2));
  h.read_saw(2, "k", std::nullopt, V(2), true);  // fine
  h.read_saw(2, "k", "a", V(1));  // stale: resurrected by an older value
  Verdict v = check_ops(weak_plan(), {}, h.ops(), {{kId}});
  EXPECT_EQ(property(v, kId).violations, 1);
  EXPECT_EQ(v.value, VerdictValue::kValid);  // ONE+ONE: allowed
  EXPECT_EQ(property(v, kId).expected_reason, "not guaranteed: R+W<=N (ONE+ONE = 1+1, rf 3)");
}

// Goal: after gc_grace a tombstone may be purged, so a read that finds
// nothing after an acked delete is as new as the delete (found on the clean
// node: bugsB's `faultline run --seed 3 ... --read-cl QUORUM` with a drawn
// gc_grace of 3 s was invalid); after a newer acked write it is still stale.
TEST(NoStaleReads, AbsentAfterAckedDeleteIsAPurgedTombstoneNotAStaleRead) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_delete(1, "k", V(2));
  h.read_saw(2, "k", std::nullopt, std::nullopt);  // purged tombstone: fine
  h.acked_write(1, "k", "b", V(3));
  int64_t stale = h.read_saw(2, "k", std::nullopt, std::nullopt);  // misses b
  Verdict v = check_ops(strong_plan(), {}, h.ops(), {{kId}});
  ASSERT_EQ(property(v, kId).violations, 1);
  EXPECT_EQ(property(v, kId).witnesses[0].ops[1].index, stale);
}

}  // namespace
}  // namespace faultline::testing
