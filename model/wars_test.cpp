// Goal: the WARS Monte Carlo and the k-staleness closed form agree with what
// can be computed by hand, and a model run is reproducible from its seed.
#include "model/wars.h"

#include <gtest/gtest.h>

#include <cmath>

namespace faultline {
namespace {

constexpr int kTrials = 40000;  // standard error <= 0.0025 per point
constexpr double kTolerance = 0.012;  // ~5 standard errors

TEST(WarsModel, ClosedFormMatchesTheBinomialRatio) {
  // N=3, R=W=1: a read misses the one written replica with p = 2/3.
  EXPECT_NEAR(k_staleness_closed_form(3, 1, 1, 1), 1.0 / 3, 1e-12);
  EXPECT_NEAR(k_staleness_closed_form(3, 1, 1, 2), 1 - 4.0 / 9, 1e-12);
  // N=5, R=2, W=1: C(4,2)/C(5,2) = 6/10.
  EXPECT_NEAR(k_staleness_closed_form(5, 2, 1, 1), 0.4, 1e-12);
  EXPECT_NEAR(k_staleness_closed_form(5, 2, 1, 3), 1 - 0.216, 1e-12);
  // Overlapping quorums are never stale.
  for (int k = 1; k < 4; ++k) {
    EXPECT_EQ(k_staleness_closed_form(3, 2, 2, k), 1.0);
    EXPECT_EQ(k_staleness_closed_form(3, 1, 3, k), 1.0);
  }
}

// With only the write leg random (exponential, rate 1/mean) and the others
// instant, a read at ONE from replica 0 sees the write iff replica 0 was
// the first to get it (p = 1/3) or got it within t of the first:
// P(t) = 1/3 + 2/3 (1 - exp(-t / mean)), by memorylessness.
TEST(WarsModel, ExponentialWriteLegMatchesTheAnalyticCurve) {
  WarsConfig c;
  c.n = 3;
  c.r = 1;
  c.w = 1;
  c.write_leg = LatencyDistribution::exponential(2.0);
  const std::vector<double> t = {0, 1, 2, 5, 10};
  const std::vector<double> p = wars_t_visibility(c, t, kTrials, 7);
  ASSERT_EQ(p.size(), t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    const double expected = 1.0 / 3 + 2.0 / 3 * (1 - std::exp(-t[i] / 2.0));
    EXPECT_NEAR(p[i], expected, kTolerance) << "t=" << t[i];
  }
}

TEST(WarsModel, OverlappingQuorumsAreAlwaysConsistentAndVisibilityGrowsWithT) {
  WarsConfig c;
  c.n = 3;
  c.write_leg = c.ack_leg = c.read_leg = c.response_leg = LatencyDistribution::exponential(5);
  for (bool replica : {false, true}) {
    c.coordinator_is_replica = replica;
    c.read_contacts_all = !replica;
    c.r = 2;
    c.w = 2;
    for (double p : wars_t_visibility(c, {0, 1, 10}, 2000, 3)) EXPECT_EQ(p, 1.0);
    c.r = 1;
    c.w = 1;
    const std::vector<double> p = wars_t_visibility(c, {0, 5, 20, 100}, kTrials, 3);
    EXPECT_LT(p[0], 0.95);
    for (size_t i = 1; i < p.size(); ++i) EXPECT_GE(p[i] + kTolerance, p[i - 1]);
    EXPECT_GT(p.back(), 0.99);
  }
}

TEST(WarsModel, SameSeedSameCurve) {
  WarsConfig c;
  c.write_leg = LatencyDistribution::lognormal(0.5, 0.8);
  c.ack_leg = c.read_leg = c.response_leg = LatencyDistribution::exponential(1);
  EXPECT_EQ(wars_t_visibility(c, {0, 1, 2}, 1000, 11), wars_t_visibility(c, {0, 1, 2}, 1000, 11));
  // A longer grid leaves the earlier points as they were.
  const std::vector<double> longer = wars_t_visibility(c, {0, 1, 2, 3}, 1000, 11);
  EXPECT_EQ(std::vector<double>(longer.begin(), longer.begin() + 3), wars_t_visibility(c, {0, 1, 2}, 1000, 11));
}

TEST(WarsModel, ValidateRejectsQuorumsLargerThanN) {
  WarsConfig c;
  c.r = 4;
  EXPECT_FALSE(validate(c));
  c.r = 3;
  EXPECT_TRUE(validate(c));
}

}  // namespace
}  // namespace faultline
