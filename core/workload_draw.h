// What one client operation is, drawn from the plan's workload: its
// function by the operation mix, its key by the key distribution. The real
// workload (harness/workload.cpp) and the simulator (sim/plan_sim.cpp) draw
// through here, so a plan means the same workload in both.
#pragma once

#include <string>
#include <vector>

#include "core/plan.h"
#include "core/rng.h"

namespace faultline {

// Keys "k0".."k<keys-1>" drawn by the plan's distribution.
class KeyPicker {
 public:
  // Hot-key: this share of operations goes to k0, the rest uniformly.
  static constexpr double kHotKeyShare = 0.5;
  // Zipf exponent: 1 gives the classic 1/rank popularity.
  static constexpr double kZipfExponent = 1.0;

  KeyPicker(KeyDistribution d, int keys);
  std::string pick(Rng* rng) const { return "k" + std::to_string(index(rng)); }

 private:
  int index(Rng* rng) const;

  KeyDistribution distribution_;
  int keys_;
  std::vector<double> cdf_;  // zipfian only
};

// "read", "write" or "delete" by the workload's fractions.
std::string pick_operation(const WorkloadSpec& w, Rng* rng);

// The seed of each worker's Rng: forked in order from the plan's seed, so a
// worker's choices depend only on the seed and its index.
std::vector<uint64_t> worker_seeds(const Plan& plan);

}  // namespace faultline
