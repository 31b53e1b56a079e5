#include "core/workload_draw.h"

#include <algorithm>
#include <cmath>

#include "core/assert.h"

namespace faultline {

namespace {
// Rng stream of the workload, so other users of the seed stay independent.
constexpr uint64_t kWorkloadRngStream = 0x776f726b6c6f6164;  // "workload"
}  // namespace

KeyPicker::KeyPicker(KeyDistribution d, int keys) : distribution_(d), keys_(keys) {
  FL_ASSERT(keys > 0);
  if (d != KeyDistribution::kZipfian) return;
  double total = 0;
  for (int i = 0; i < keys; ++i) {
    total += 1.0 / std::pow(i + 1, kZipfExponent);
    cdf_.push_back(total);
  }
  for (double& c : cdf_) c /= total;
}

int KeyPicker::index(Rng* rng) const {
  switch (distribution_) {
    case KeyDistribution::kUniform: break;
    case KeyDistribution::kHotKey:
      if (rng->chance(kHotKeyShare)) return 0;
      break;
    case KeyDistribution::kZipfian: {
      auto it = std::lower_bound(cdf_.begin(), cdf_.end(), rng->unit());
      return std::min<int>(static_cast<int>(it - cdf_.begin()), keys_ - 1);
    }
  }
  return static_cast<int>(rng->uniform(static_cast<uint64_t>(keys_)));
}

std::string pick_operation(const WorkloadSpec& w, Rng* rng) {
  double u = rng->unit();
  if (u < w.read_fraction) return "read";
  if (u < w.read_fraction + w.write_fraction) return "write";
  return "delete";
}

std::vector<uint64_t> worker_seeds(const Plan& plan) {
  Rng root = Rng(plan.seed).fork(kWorkloadRngStream);
  std::vector<uint64_t> seeds;
  for (int w = 0; w < plan.workload.clients; ++w) seeds.push_back(root.fork(static_cast<uint64_t>(w)).next());
  return seeds;
}

}  // namespace faultline
