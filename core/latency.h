// A latency distribution: how long one message takes on a link, in
// milliseconds. Shared vocabulary: the link proxy draws per-message delays
// from it, plans name it, and the staleness model (model/wars.h) samples the
// same distributions, so a measured run and its model agree on what was
// configured.
#pragma once

#include <string>

#include "core/rng.h"
#include "core/status.h"

namespace faultline {

// A one-way message latency in milliseconds.
struct LatencyDistribution {
  enum class Kind { kConstant, kExponential, kLognormal };
  Kind kind = Kind::kConstant;
  // kConstant: a = the latency. kExponential: a = the mean. kLognormal: a =
  // mu and b = sigma of the underlying normal, in log-milliseconds.
  double a = 0;
  double b = 0;

  static LatencyDistribution constant(double ms) { return {Kind::kConstant, ms, 0}; }
  static LatencyDistribution exponential(double mean_ms) { return {Kind::kExponential, mean_ms, 0}; }
  static LatencyDistribution lognormal(double mu, double sigma) { return {Kind::kLognormal, mu, sigma}; }

  double sample(Rng& rng) const;  // >= 0
  double mean() const;
  // "const:2", "exp:5" (mean ms), "lognormal:1.2,0.5" (mu, sigma).
  std::string to_string() const;
  static Status parse(const std::string& text, LatencyDistribution* out);
};

}  // namespace faultline
