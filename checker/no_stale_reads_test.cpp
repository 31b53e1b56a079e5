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

// Goal: once gc_grace could have passed since the delete was invoked, a
// tombstone may be purged, so a read that finds nothing after an acked
// delete is as new as the delete (found on the clean node: bugsB's
// `faultline run --seed 3 ... --read-cl QUORUM` with a drawn gc_grace of 3 s
// was invalid); after a newer acked write it is still stale.
TEST(NoStaleReads, AbsentAfterGcGraceIsAPurgedTombstoneNotAStaleRead) {
  Plan plan = strong_plan();
  plan.modes.gc_grace_ms = 3000;
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(1));
  h.acked_delete(1, "k", V(2));
  h.wait_ms(3000);
  h.read_saw(2, "k", std::nullopt, std::nullopt);  // purged tombstone: fine
  h.acked_write(1, "k", "b", V(3));
  int64_t stale = h.read_saw(2, "k", std::nullopt, std::nullopt);  // misses b
  Verdict v = check_ops(plan, {}, h.ops(), {{kId}});
  ASSERT_EQ(property(v, kId).violations, 1);
  EXPECT_EQ(property(v, kId).witnesses[0].ops[1].index, stale);
}

// Goal (a silent pass): a nil read a moment after an acked QUORUM
// delete, with gc_grace ten minutes, cannot be a purged tombstone: it is a
// stale read. The same read 1 ms before gc_grace is still stale; at
// gc_grace, or at any time with a clock fault in the plan (a skewed clock
// ages tombstones early), it is allowed.
TEST(NoStaleReads, NilReadWithinGcGraceOfADeleteIsStale) {
  for (int64_t wait_ms : {int64_t{0}, int64_t{599999}, int64_t{600000}}) {
    for (bool clock_fault : {false, true}) {
      SCOPED_TRACE("waited " + std::to_string(wait_ms) + " ms, clock fault " + std::to_string(clock_fault));
      Plan plan = strong_plan();  // gc_grace 600000 ms
      if (clock_fault) plan.faults = {FaultEvent{0, 100, "clock", {"n1"}, "{}"}};
      HistoryBuilder h;
      h.acked_write(1, "k", "a", V(1));
      h.del(1, "k");
      h.wait_ms(wait_ms);  // measured from the delete's invocation
      h.ok(1, V(2));
      int64_t read = h.read_saw(2, "k", std::nullopt, std::nullopt);
      PropertyResult p = check_property(kId, plan, h);
      const bool purge_possible = clock_fault || wait_ms >= 600000;
      EXPECT_EQ(p.violations, purge_possible ? 0 : 1);
      if (!purge_possible) {
        EXPECT_EQ(p.witnesses.at(0).ops.at(1).index, read);
      }
    }
  }
}

// Goal: after a possible purge, an older value is a resurrection: exempt
// here where the table allows resurrections (short gc_grace, no
// anti-entropy), stale where it rules them out; before the purge it is
// stale either way.
TEST(NoStaleReads, OlderValueAfterAPurgeIsAResurrectionWhereAllowed) {
  for (int64_t grace_ms : {int64_t{1000}, int64_t{600000}}) {
    for (int64_t wait_ms : {int64_t{0}, int64_t{600000}}) {
      SCOPED_TRACE("gc_grace " + std::to_string(grace_ms) + " ms, waited " + std::to_string(wait_ms) + " ms");
      Plan plan = strong_plan();
      plan.modes.gc_grace_ms = grace_ms;
      HistoryBuilder h;
      h.acked_write(1, "k", "a", V(1));
      h.acked_delete(1, "k", V(2));
      h.wait_ms(wait_ms);
      h.read_saw(2, "k", "a", V(1));
      const bool exempt = grace_ms == 1000 && wait_ms >= grace_ms;
      EXPECT_EQ(check_property(kId, plan, h).violations, exempt ? 0 : 1);
    }
  }
}

// Goal (a false alarm, explore seed 592): after a possible purge of a newer
// delete's tombstone, a read of an older tombstone (a replica that got it
// later still holds it) reads as deleted, like a read of nothing: exempt;
// before the purge it is stale. After a newer write it stays stale.
TEST(NoStaleReads, OlderTombstoneAfterAPurgeIsAsDeletedAsNothing) {
  for (int64_t wait_ms : {int64_t{0}, int64_t{600000}}) {
    SCOPED_TRACE("waited " + std::to_string(wait_ms) + " ms");
    Plan plan = strong_plan();  // gc_grace 600000 ms
    HistoryBuilder h;
    h.acked_delete(1, "k", V(1));
    h.acked_delete(1, "k", V(3));
    h.wait_ms(wait_ms);
    h.read_saw(2, "k", std::nullopt, V(1), /*tombstone=*/true);
    EXPECT_EQ(check_property(kId, plan, h).violations, wait_ms >= 600000 ? 0 : 1);
    h.acked_write(1, "k", "b", V(4));
    h.read_saw(2, "k", std::nullopt, V(1), /*tombstone=*/true);
    EXPECT_EQ(check_property(kId, plan, h).violations, wait_ms >= 600000 ? 1 : 2);
  }
}

}  // namespace
}  // namespace faultline::testing
