#include "core/clock.h"

#include <time.h>

#include <algorithm>

namespace faultline {

namespace {
int64_t read_clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

int64_t monotonic_now_ns() { return read_clock_ns(CLOCK_MONOTONIC); }
int64_t realtime_now_us() { return read_clock_ns(CLOCK_REALTIME) / 1000; }

int64_t SystemClock::realtime_us() { return realtime_now_us(); }
int64_t SystemClock::monotonic_ns() { return monotonic_now_ns(); }

int64_t HybridLogicalClock::now_us() {
  last_us_ = std::max(clock_->realtime_us(), last_us_ + 1);
  return last_us_;
}

void HybridLogicalClock::observe(int64_t remote_us) { last_us_ = std::max(last_us_, remote_us); }

Deadline Deadline::after_ms(int64_t ms) {
  Deadline d;
  d.at_ns_ = monotonic_now_ns() + ms * 1000000;
  return d;
}

bool Deadline::expired() const { return monotonic_now_ns() >= at_ns_; }

int64_t Deadline::remaining_ms() const {
  return std::max<int64_t>(0, (at_ns_ - monotonic_now_ns()) / 1000000);
}

}  // namespace faultline
