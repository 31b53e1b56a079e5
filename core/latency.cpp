#include "core/latency.h"

#include <cmath>
#include <sstream>

namespace faultline {
namespace {

constexpr double kTwoPi = 6.283185307179586;

// A standard normal sample (Box-Muller; one of the pair is dropped, which
// keeps the stream simple to replay).
double standard_normal(Rng& rng) {
  const double u1 = 1.0 - rng.unit();  // (0, 1]: log() is finite
  const double u2 = rng.unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

bool parse_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  size_t used = 0;
  try {
    *out = std::stod(s, &used);
  } catch (...) {
    return false;
  }
  return used == s.size() && std::isfinite(*out);
}

}  // namespace

double LatencyDistribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::kConstant:
      return a;
    case Kind::kExponential:
      return -a * std::log(1.0 - rng.unit());
    case Kind::kLognormal:
      return std::exp(a + b * standard_normal(rng));
  }
  return a;
}

double LatencyDistribution::mean() const {
  switch (kind) {
    case Kind::kConstant:
    case Kind::kExponential:
      return a;
    case Kind::kLognormal:
      return std::exp(a + b * b / 2);
  }
  return a;
}

std::string LatencyDistribution::to_string() const {
  std::ostringstream out;
  switch (kind) {
    case Kind::kConstant:
      out << "const:" << a;
      break;
    case Kind::kExponential:
      out << "exp:" << a;
      break;
    case Kind::kLognormal:
      out << "lognormal:" << a << "," << b;
      break;
  }
  return out.str();
}

Status LatencyDistribution::parse(const std::string& text, LatencyDistribution* out) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::string args = colon == std::string::npos ? "" : text.substr(colon + 1);
  const std::string usage = "'" + text + "': expected const:MS, exp:MEAN_MS or lognormal:MU,SIGMA";
  double x = 0, y = 0;
  if (name == "const" || name == "exp") {
    if (!parse_double(args, &x) || x < 0) return Status::invalid(usage);
    *out = name == "const" ? constant(x) : exponential(x);
    return Status::ok();
  }
  if (name == "lognormal") {
    const size_t comma = args.find(',');
    if (comma == std::string::npos || !parse_double(args.substr(0, comma), &x) ||
        !parse_double(args.substr(comma + 1), &y) || y < 0) {
      return Status::invalid(usage);
    }
    *out = lognormal(x, y);
    return Status::ok();
  }
  return Status::invalid(usage);
}

}  // namespace faultline
