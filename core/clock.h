// Clock: the seam through which all time enters faultline's logic.
//
// realtime_us() is wall-clock time (CLOCK_REALTIME): libfaketime skews it in
// clock faults, and versions are built from it. monotonic_ns() is
// CLOCK_MONOTONIC: never faked, comparable across processes on one host, and
// used for timeouts and for the `time` field of histories and events.
#pragma once

#include <cstdint>

namespace faultline {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t realtime_us() = 0;
  virtual int64_t monotonic_ns() = 0;
};

// The process's real clocks. Thread-safe.
class SystemClock final : public Clock {
 public:
  int64_t realtime_us() override;
  int64_t monotonic_ns() override;
};

// Free functions for code that has no Clock to hand (harness, tools).
int64_t monotonic_now_ns();
int64_t realtime_now_us();

// A clock set by hand, for unit tests and the deterministic simulator.
class ManualClock final : public Clock {
 public:
  int64_t realtime_us() override { return realtime_us_; }
  int64_t monotonic_ns() override { return monotonic_ns_; }
  void set_realtime_us(int64_t t) { realtime_us_ = t; }
  void advance_ms(int64_t ms) {
    realtime_us_ += ms * 1000;
    monotonic_ns_ += ms * 1000000;
  }

 private:
  int64_t realtime_us_ = 1700000000000000;
  int64_t monotonic_ns_ = 1000000000;
};

// Hybrid logical clock over a Clock's realtime: never goes backwards, always
// at least the physical time, and at least one past any timestamp observed
// from a peer. A skewed realtime clock really skews the versions it stamps.
// Not thread-safe: owned by one event loop.
class HybridLogicalClock {
 public:
  explicit HybridLogicalClock(Clock* clock) : clock_(clock) {}
  // A fresh timestamp, strictly greater than any returned or observed before.
  int64_t now_us();
  // Fold in a timestamp seen in a message from a peer.
  void observe(int64_t remote_us);
  int64_t last_us() const { return last_us_; }

 private:
  Clock* clock_;  // not owned
  int64_t last_us_ = 0;
};

// A point in monotonic time after which a wait gives up.
class Deadline {
 public:
  static Deadline after_ms(int64_t ms);
  bool expired() const;
  int64_t remaining_ms() const;  // 0 when expired

 private:
  int64_t at_ns_ = 0;
};

}  // namespace faultline
