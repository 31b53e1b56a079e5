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

// Goal (a narrowed definition): a write invoked after another was
// acked, which times out (info), is still stamped by a coordinator; when a
// later read reveals an older version it is a violation naming the acked
// write, the info write and the read. Revealed newer, it holds.
TEST(RealtimeVersionOrder, InfoWriteRevealedOlderIsViolation) {
  for (int64_t revealed : {int64_t{4}, int64_t{5}, int64_t{6}}) {
    SCOPED_TRACE("revealed " + std::to_string(revealed));
    HistoryBuilder h;
    int64_t acked = h.acked_write(1, "k", "a", V(5));
    h.write(2, "k", "b");
    int64_t info = h.info(2);
    int64_t read = h.read_saw(3, "k", "b", V(revealed));
    h.read_saw(3, "k", "b", V(revealed - 1));  // a later read of b does not count again
    PropertyResult p = run(h);
    if (revealed > 5) {
      EXPECT_EQ(p.outcome, PropertyOutcome::kHeld);
      continue;
    }
    ASSERT_EQ(p.violations, 1);
    const Witness& w = p.witnesses.at(0);
    ASSERT_EQ(w.ops.size(), 3u);
    EXPECT_EQ(w.ops[0].index, acked);
    EXPECT_EQ(w.ops[1].index, info);
    EXPECT_EQ(w.ops[1].version, V(revealed));
    EXPECT_EQ(w.ops[2].index, read);
    EXPECT_NE(w.explanation.find("indeterminate"), std::string::npos) << w.explanation;
  }
}

// Goal: a read may reveal the version while the write is pending: it is
// judged when the write times out, or at the history's end if it never
// completes, and by its acknowledgement alone (once) if it completes ok.
TEST(RealtimeVersionOrder, RevealedWhilePendingIsJudgedWhenItSettles) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(5));
  h.write(2, "k", "b");
  h.read_saw(3, "k", "b", V(4));
  h.info(2);  // judged now
  h.write(4, "k", "c");
  h.read_saw(3, "k", "c", V(3));  // never completes: judged at the end
  h.write(5, "k", "d");
  h.read_saw(6, "k", "d", V(2));
  h.ok(5, V(2));  // judged by its ack, not twice
  EXPECT_EQ(run(h).violations, 3);
  HistoryBuilder concurrent;
  concurrent.write(2, "k", "b");  // invoked before a was acked: not bound
  concurrent.acked_write(1, "k", "a", V(5));
  concurrent.info(2);
  concurrent.read_saw(3, "k", "b", V(4));
  EXPECT_EQ(run(concurrent).outcome, PropertyOutcome::kHeld);
}

}  // namespace
}  // namespace faultline::testing
