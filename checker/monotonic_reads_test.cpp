#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "monotonic-reads";

// Goal: a read that starts after a newer read completed and returns an older
// version is a violation, and under the strong plan makes the run invalid.
TEST(MonotonicReads, OlderReadAfterNewerCompletedIsViolation) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_write(1, "k", "b", V(2));
  int64_t first = h.read_saw(2, "k", "b", V(2));
  int64_t second = h.read_saw(3, "k", "a", V(1));
  Verdict v = check_ops(strong_plan(), {}, h.ops(), {{kId}});
  const PropertyResult& p = property(v, kId);
  EXPECT_EQ(p.outcome, PropertyOutcome::kViolated);
  EXPECT_EQ(p.violations, 1);
  ASSERT_EQ(p.witnesses.size(), 1u);
  ASSERT_EQ(p.witnesses[0].ops.size(), 2u);
  EXPECT_EQ(p.witnesses[0].ops[0].index, first);
  EXPECT_EQ(p.witnesses[0].ops[1].index, second);
  EXPECT_EQ(p.witnesses[0].summary, "read #" + std::to_string(second) + " (p3, k) saw [1,1] after read #" +
                                        std::to_string(first) + " (p2, k) saw [2,1]");
  EXPECT_EQ(v.value, VerdictValue::kInvalid);
}

// Goal: under modes that do not guarantee it, the same anomaly is reported
// but the run stays valid.
TEST(MonotonicReads, WeakModesMakeTheViolationAnAllowedAnomaly) {
  HistoryBuilder h;
  h.read_saw(2, "k", "b", V(2));
  h.read_saw(3, "k", std::nullopt, std::nullopt);  // nothing: version zero
  Verdict v = check_ops(weak_plan(), {}, h.ops(), {{kId}});
  EXPECT_EQ(property(v, kId).outcome, PropertyOutcome::kViolated);
  EXPECT_FALSE(property(v, kId).guaranteed);
  EXPECT_EQ(v.value, VerdictValue::kValid);
}

// Goal: reads that overlap in time are not ordered, so no violation.
TEST(MonotonicReads, ConcurrentReadsAreNotCompared) {
  HistoryBuilder h;
  h.read(2, "k");
  h.read(3, "k");
  h.ok_read(2, "b", V(2));
  h.ok_read(3, "a", V(1));
  Verdict v = check_ops(strong_plan(), {}, h.ops(), {{kId}});
  EXPECT_EQ(property(v, kId).outcome, PropertyOutcome::kHeld);
  EXPECT_EQ(v.value, VerdictValue::kValid);
}

// Goal: keys are independent, and fail/info reads neither bind nor are bound.
TEST(MonotonicReads, OtherKeysAndFailedReadsDoNotCount) {
  HistoryBuilder h;
  h.read_saw(1, "k", "b", V(2));
  h.read_saw(2, "other", "a", V(1));
  h.read(3, "k");
  h.info(3);
  h.read(4, "k");
  h.fail(4);
  h.read_saw(5, "k", "c", V(3));
  EXPECT_EQ(check_property(kId, strong_plan(), h).violations, 0);
}

// Goal: a read that finds nothing after a read that saw a tombstone is not
// older once gc_grace could have passed since the key's first delete: the
// tombstone may since have been purged. Before that it is older (a read
// checker that exempted it always passed silently), and after a newer value it is older either way.
TEST(MonotonicReads, AbsentAfterATombstoneReadIsAPurgedTombstoneOnlyAfterGcGrace) {
  HistoryBuilder h;
  h.acked_delete(3, "k", V(2));
  h.read_saw(1, "k", std::nullopt, V(2), true);
  int64_t too_early = h.read_saw(2, "k", std::nullopt, std::nullopt);
  h.wait_ms(strong_plan().modes.gc_grace_ms);
  h.read_saw(1, "k", std::nullopt, V(2), true);
  h.read_saw(2, "k", std::nullopt, std::nullopt);  // purged: fine
  h.read_saw(1, "k", "a", V(3));
  int64_t older = h.read_saw(2, "k", std::nullopt, std::nullopt);
  Verdict v = check_ops(strong_plan(), {}, h.ops(), {{"monotonic-reads"}});
  ASSERT_EQ(property(v, "monotonic-reads").violations, 2);
  EXPECT_EQ(property(v, "monotonic-reads").witnesses[0].ops[1].index, too_early);
  EXPECT_EQ(property(v, "monotonic-reads").witnesses[1].ops[1].index, older);
}

// Goal: a read of nothing after a read of a value is a purged tombstone too
// when a delete newer than that value was acknowledged (no read saw its
// tombstone) or is still in doubt, once gc_grace could have passed; a delete
// older than the value read does not explain it (sim seed 4 of the swarm:
// a fresh key written, read, deleted at ONE, purged, read as nil).
TEST(MonotonicReads, AbsentAfterAValueIsAPurgedTombstoneWhenANewerDeleteMayExist) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.read_saw(1, "k", "a", V(1));
  h.acked_delete(1, "k", V(2));
  int64_t too_early = h.read_saw(2, "k", std::nullopt, std::nullopt);
  h.wait_ms(strong_plan().modes.gc_grace_ms);
  h.read_saw(2, "k", std::nullopt, std::nullopt);  // the newer delete, purged: fine
  // In doubt: the delete's version is unknown, so it may be newer.
  h.acked_write(1, "j", "c", V(5));
  h.read_saw(1, "j", "c", V(5));
  h.del(3, "j");
  h.info(3);
  h.wait_ms(strong_plan().modes.gc_grace_ms);
  h.read_saw(2, "j", std::nullopt, std::nullopt);  // fine
  // An older delete does not explain nothing after a newer value.
  h.acked_write(1, "m", "d", V(1));
  h.acked_delete(1, "m", V(2));
  h.acked_write(1, "m", "e", V(3));
  h.read_saw(1, "m", "e", V(3));
  h.wait_ms(strong_plan().modes.gc_grace_ms);
  int64_t older = h.read_saw(2, "m", std::nullopt, std::nullopt);
  Verdict v = check_ops(strong_plan(), {}, h.ops(), {{kId}});
  ASSERT_EQ(property(v, kId).violations, 2) << v.error << property(v, kId).note;
  EXPECT_EQ(property(v, kId).witnesses[0].ops[1].index, too_early);
  EXPECT_EQ(property(v, kId).witnesses[1].ops[1].index, older);
}

}  // namespace
}  // namespace faultline::testing
