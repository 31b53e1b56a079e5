#include "model/wars.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace faultline {
namespace {

// The k-th smallest (1-based) of `v`; v is reordered.
double kth_smallest(std::vector<double>& v, int k) {
  std::nth_element(v.begin(), v.begin() + (k - 1), v.end());
  return v[static_cast<size_t>(k - 1)];
}

// One write followed, t ms after it committed, by one read: does the read
// see the write? Times are in ms from the write's start.
bool trial(const WarsConfig& c, double t, Rng& rng, std::vector<double>* scratch) {
  const size_t n = static_cast<size_t>(c.n);
  std::vector<double> arrive(n), ack(n);
  const size_t write_coordinator = c.coordinator_is_replica ? rng.uniform(n) : n;
  for (size_t i = 0; i < n; ++i) {
    const bool local = i == write_coordinator;
    arrive[i] = local ? 0 : c.write_leg.sample(rng);
    ack[i] = arrive[i] + (local ? 0 : c.ack_leg.sample(rng));
  }
  *scratch = ack;
  const double read_start = kth_smallest(*scratch, c.w) + t;

  const size_t read_coordinator = c.coordinator_is_replica ? rng.uniform(n) : n;
  std::vector<double> request(n), response(n);
  for (size_t i = 0; i < n; ++i) {
    const bool local = i == read_coordinator;
    request[i] = local ? 0 : c.read_leg.sample(rng);
    response[i] = request[i] + (local ? 0 : c.response_leg.sample(rng));
  }
  // Which replicas' answers the read uses.
  std::vector<size_t> used;
  if (c.read_contacts_all) {
    used.resize(n);
    std::iota(used.begin(), used.end(), size_t{0});
    std::sort(used.begin(), used.end(), [&](size_t a, size_t b) { return response[a] < response[b]; });
  } else if (c.coordinator_is_replica) {
    used.push_back(read_coordinator);  // itself first, then preference-list order
    for (size_t i = 0; i < n; ++i) {
      if (i != read_coordinator) used.push_back(i);
    }
  } else {
    used.resize(n);
    std::iota(used.begin(), used.end(), size_t{0});
    for (size_t i = 0; i + 1 < n; ++i) std::swap(used[i], used[i + rng.uniform(n - i)]);  // a uniform R-subset first
  }
  used.resize(static_cast<size_t>(c.r));
  for (size_t i : used) {
    if (arrive[i] <= read_start + request[i]) return true;
  }
  return false;
}

}  // namespace

Status validate(const WarsConfig& c) {
  if (c.n < 1 || c.n > 64) return Status::invalid("N must be 1 to 64, got " + std::to_string(c.n));
  if (c.r < 1 || c.r > c.n) return Status::invalid("R must be 1 to N, got " + std::to_string(c.r));
  if (c.w < 1 || c.w > c.n) return Status::invalid("W must be 1 to N, got " + std::to_string(c.w));
  return Status::ok();
}

std::vector<double> wars_t_visibility(const WarsConfig& c, const std::vector<double>& t_ms, int trials,
                                      uint64_t seed) {
  std::vector<double> out;
  Rng root(seed);
  std::vector<double> scratch;
  for (size_t j = 0; j < t_ms.size(); ++j) {
    Rng rng = root.fork(j);  // each t its own stream: a longer grid leaves earlier points unchanged
    int consistent = 0;
    for (int i = 0; i < trials; ++i) consistent += trial(c, t_ms[j], rng, &scratch) ? 1 : 0;
    out.push_back(trials > 0 ? static_cast<double>(consistent) / trials : 0.0);
  }
  return out;
}

double k_staleness_closed_form(int n, int r, int w, int k) {
  // C(N-W, R) / C(N, R) = prod_{i=0}^{R-1} (N-W-i) / (N-i): the chance that
  // a read quorum misses a given write quorum entirely.
  double miss = 1.0;
  for (int i = 0; i < r; ++i) {
    const double num = n - w - i;
    if (num <= 0) return 1.0;  // quorums overlap: never stale
    miss *= num / (n - i);
  }
  return 1.0 - std::pow(miss, k);
}

}  // namespace faultline
