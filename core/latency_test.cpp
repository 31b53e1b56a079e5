// Goal: latency distributions parse from their text form, print back to
// it, sample with the mean they claim, and reject what is not one.
#include "core/latency.h"

#include <gtest/gtest.h>

namespace faultline {
namespace {

constexpr int kSamples = 40000;

TEST(LatencyDistribution, ParsesSamplesItsMeanAndRejectsNonsense) {
  LatencyDistribution d;
  ASSERT_TRUE(LatencyDistribution::parse("exp:4", &d));
  EXPECT_EQ(d.kind, LatencyDistribution::Kind::kExponential);
  EXPECT_EQ(d.to_string(), "exp:4");
  Rng rng(1);
  double sum = 0;
  for (int i = 0; i < kSamples; ++i) sum += d.sample(rng);
  EXPECT_NEAR(sum / kSamples, 4.0, 0.1);
  ASSERT_TRUE(LatencyDistribution::parse("lognormal:1,0.5", &d));
  sum = 0;
  for (int i = 0; i < kSamples; ++i) sum += d.sample(rng);
  EXPECT_NEAR(sum / kSamples, d.mean(), 0.05 * d.mean());
  ASSERT_TRUE(LatencyDistribution::parse("const:3", &d));
  EXPECT_EQ(d.sample(rng), 3.0);
  for (const char* bad : {"", "exp", "exp:", "exp:-1", "exp:nan", "lognormal:1", "lognormal:1,-2", "gauss:1", "const:1x"}) {
    EXPECT_FALSE(LatencyDistribution::parse(bad, &d)) << bad;
  }
}

}  // namespace
}  // namespace faultline
