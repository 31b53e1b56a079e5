// Rng: the one seeded random source (xoshiro256**, seeded via splitmix64).
// Every random choice in a run derives from the run's seed through this, so a
// seed replays the same choices. Not thread-safe: give each thread its own
// Rng, forked with fork(), so that streams stay independent and reproducible.
#pragma once

#include <cstdint>

namespace faultline {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform in [0, bound); bound > 0.
  uint64_t uniform(uint64_t bound);
  // Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi);
  // Uniform in [0, 1).
  double unit();
  bool chance(double p) { return unit() < p; }
  // An independent stream derived from this one and `stream`.
  Rng fork(uint64_t stream);

 private:
  uint64_t s_[4];
};

}  // namespace faultline
