// Goal: the hybrid logical clock never repeats or goes back (a clock that
// stands still or steps backwards still yields fresh versions), jumps past
// timestamps observed from peers, and follows a forward skew, as a skewed
// node's versions really should; Deadline counts monotonic time.
#include "core/clock.h"

#include "core/test_util.h"

namespace faultline {
namespace {

// Draws `n` stamps from `hlc`, each greater than the one before, starting
// above `last`; returns the last.
int64_t expect_strictly_increasing(HybridLogicalClock* hlc, int n, int64_t last) {
  for (int i = 0; i < n; ++i) {
    const int64_t t = hlc->now_us();
    EXPECT_GT(t, last) << "stamp " << i;
    last = t;
  }
  return last;
}

TEST(HybridLogicalClock, FollowsPhysicalTimeWhenItAdvances) {
  ManualClock clock;
  HybridLogicalClock hlc(&clock);
  EXPECT_EQ(hlc.now_us(), clock.realtime_us());
  clock.advance_ms(5);
  EXPECT_EQ(hlc.now_us(), clock.realtime_us());
  EXPECT_EQ(hlc.last_us(), clock.realtime_us());
}

TEST(HybridLogicalClock, StrictlyIncreasesWhileTheClockStandsStill) {
  ManualClock clock;
  HybridLogicalClock hlc(&clock);
  const int64_t first = hlc.now_us();
  EXPECT_EQ(expect_strictly_increasing(&hlc, 1000, first), first + 1000);
}

TEST(HybridLogicalClock, StrictlyIncreasesWhenTheClockGoesBackwards) {
  ManualClock clock;
  HybridLogicalClock hlc(&clock);
  const int64_t before = hlc.now_us();
  clock.set_realtime_us(clock.realtime_us() - 60 * 1000000);  // NTP step or a clock fault
  expect_strictly_increasing(&hlc, 100, before);
  // Once physical time passes the logical time again, the clock follows it.
  clock.set_realtime_us(before + 10 * 1000000);
  EXPECT_EQ(hlc.now_us(), before + 10 * 1000000);
}

TEST(HybridLogicalClock, ObservingAFutureTimestampPushesLaterStampsPastIt) {
  ManualClock clock;
  HybridLogicalClock hlc(&clock);
  const int64_t remote = clock.realtime_us() + 3600 * int64_t{1000000};  // a peer an hour ahead
  hlc.observe(remote);
  EXPECT_GT(hlc.now_us(), remote);
  EXPECT_GT(hlc.now_us(), remote + 1);
}

TEST(HybridLogicalClock, ObservingAPastTimestampChangesNothing) {
  ManualClock clock;
  HybridLogicalClock hlc(&clock);
  hlc.observe(clock.realtime_us() - 1000);
  EXPECT_EQ(hlc.now_us(), clock.realtime_us());
}

TEST(HybridLogicalClock, FollowsAForwardSkew) {
  ManualClock clock;
  HybridLogicalClock hlc(&clock);
  const int64_t before = hlc.now_us();
  const int64_t skewed = before + 30 * int64_t{1000000};  // libfaketime moves this node 30 s ahead
  clock.set_realtime_us(skewed);
  EXPECT_EQ(hlc.now_us(), skewed);
}

TEST(ManualClock, AdvancesBothClocks) {
  ManualClock clock;
  const int64_t rt = clock.realtime_us(), mono = clock.monotonic_ns();
  clock.advance_ms(7);
  EXPECT_EQ(clock.realtime_us(), rt + 7000);
  EXPECT_EQ(clock.monotonic_ns(), mono + 7000000);
}

TEST(SystemClock, MonotonicNeverGoesBack) {
  SystemClock clock;
  int64_t last = clock.monotonic_ns();
  for (int i = 0; i < 1000; ++i) {
    const int64_t t = clock.monotonic_ns();
    ASSERT_GE(t, last);
    last = t;
  }
  EXPECT_GT(clock.realtime_us(), int64_t{1600000000} * 1000000) << "realtime is microseconds since the epoch";
}

TEST(Deadline, ExpiresAfterItsTime) {
  EXPECT_TRUE(Deadline::after_ms(0).expired());
  EXPECT_EQ(Deadline::after_ms(-5).remaining_ms(), 0);
  const Deadline d = Deadline::after_ms(60000);
  EXPECT_FALSE(d.expired());
  EXPECT_LE(d.remaining_ms(), 60000);
  EXPECT_GT(d.remaining_ms(), 50000);
}

}  // namespace
}  // namespace faultline
