#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "realtime-version-order";

PropertyResult run(const HistoryBuilder& h) { return check_property(kId, strong_plan(), h); }

// Goal: a write invoked after another write of the key was acked, stamped
// with an older or equal version, is a violation naming both writes.
TEST(RealtimeVersionOrder, LaterWriteWithOlderVersionIsViolation) {
  HistoryBuilder h;
  int64_t first = h.acked_write(1, "k", "a", V(5));
  int64_t second = h.acked_delete(2, "k", V(4));
  h.acked_write(1, "k", "b", V(5, 2));  // newer than [5,1]: fine
  h.acked_write(1, "k", "c", V(5, 2));  // equal: a violation
  PropertyResult p = run(h);
  EXPECT_EQ(p.violations, 2);
  ASSERT_GE(p.witnesses.size(), 1u);
  EXPECT_EQ(p.witnesses[0].ops[0].index, first);
  EXPECT_EQ(p.witnesses[0].ops[1].index, second);
}

// Goal: per key only; concurrent writes and indeterminate writes neither
// bind nor are bound.
TEST(RealtimeVersionOrder, OtherKeysConcurrentAndInfoWritesHold) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(5));
  h.acked_write(1, "j", "b", V(1));  // another key: not compared
  h.write(2, "k", "c");
  h.acked_write(1, "k", "d", V(6));
  h.ok(2, V(5, 2));                  // below d, but invoked before d was acked: concurrent
  h.write(3, "k", "e");
  h.info(3);
  h.acked_write(4, "k", "f", V(7));
  EXPECT_EQ(run(h).outcome, PropertyOutcome::kHeld);
}

}  // namespace
}  // namespace faultline::testing
