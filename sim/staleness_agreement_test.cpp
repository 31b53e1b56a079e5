// Goal: the staleness faultline measures agrees with the PBS model
// (docs/staleness.md, "Agreement with the model"). For N = 3 and (R, W) in
// {(1,1), (1,2), (2,1)}, exponential latency on the four legs and no repair,
// P(consistent | t) measured from simulated probe runs (core/plan.h
// ProbeSpec) is within 3 points of the WARS Monte Carlo (model/wars.h) at
// every t of the grid; with propagation suppressed (write_quorum_only) the
// measured k-staleness is within 2 points of the closed form; and for
// (2, 2) every read is consistent and no-stale-reads holds.
//
// Deterministic: the simulator and the model are pure functions of the
// seed, fixed below (FAULTLINE_TEST_SEED overrides it), so the verdict never
// varies between runs of the suite. Precision: kReadsPerT reads per t
// (binomial standard error <= 0.8 points) against kModelTrials model trials
// (<= 0.12 points): a 3-point bound is > 3.7 standard errors of the
// difference, 2 points for k-staleness (kKReads reads, SE <= 0.53 points)
// > 3.7 as well.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "checker/staleness.h"
#include "core/test_util.h"
#include "model/wars.h"
#include "sim/sim_check.h"
#include "sim/staleness_probe.h"

namespace faultline {
namespace {

constexpr uint64_t kFixedSeed = 20120827;  // PBS's VLDB year and month, nothing more
const std::vector<int64_t> kGridMs = {0, 2, 5, 10, 20, 40};
constexpr int64_t kReadsPerT = 4000;
constexpr int kModelTrials = 200000;
constexpr int64_t kKReads = 8000;
constexpr int kWritesPerKey = 4;
constexpr double kLegMeanMs = 10;
constexpr double kTVisibilityToleranceMax = 0.03;
constexpr double kKStalenessToleranceMax = 0.02;

StalenessProbe probe(uint64_t seed, int r, int w, bool k_staleness) {
  StalenessProbe p;
  p.r = r;
  p.w = w;
  p.leg = LatencyDistribution::exponential(kLegMeanMs);
  p.t_ms = kGridMs;
  p.seed = seed;
  p.k_staleness = k_staleness;
  p.reads_per_t = k_staleness ? kKReads : kReadsPerT;
  p.writes_per_key = kWritesPerKey;
  // 10 leg means: the previous round's messages are in; with propagation
  // suppressed, dropped writes never arrive and the others are in before
  // the ack.
  p.gap_ms = k_staleness ? 20 : 100;
  return p;
}

// Simulates and checks the plan, keeping the run directory, and measures its
// staleness with one bucket per grid point (a read invoked t ms after the
// ack measures t or, by the history's sub-millisecond steps, t - 1).
StalenessSummary simulate(const Plan& plan, Verdict* verdict = nullptr) {
  test::TempDir dir;
  SimCheckOptions options;
  options.keep_dir = dir.file("run");
  SimCheckResult result;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(simulate_and_check(plan, options, &result));
  if (verdict != nullptr) *verdict = result.verdict;
  StalenessSummary s;
  EXPECT_TRUE(measure_staleness(options.keep_dir + "/history.jsonl", StalenessOptions{kGridMs}, &s));
  std::printf("  R=%s W=%s: %lld reads judged, %.1f s wall\n", std::string(to_string(plan.workload.read_cl)).c_str(),
              std::string(to_string(plan.workload.write_cl)).c_str(), static_cast<long long>(s.reads_judged),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return s;
}

const PropertyResult* property(const Verdict& v, const std::string& id) {
  for (const PropertyResult& p : v.properties) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

TEST(StalenessAgreement, MeasuredTVisibilityMatchesTheWarsModel) {
  const uint64_t seed = test::test_seed(kFixedSeed);
  double gap_max = 0;
  for (auto [r, w] : {std::pair{1, 1}, {1, 2}, {2, 1}}) {
    const StalenessProbe p = probe(seed, r, w, false);
    const StalenessSummary s = simulate(staleness_probe_plan(p));
    const std::vector<double> model =
        wars_t_visibility(staleness_probe_model(p), staleness_probe_model_t(p), kModelTrials, seed);
    for (size_t i = 0; i < kGridMs.size(); ++i) {
      const StalenessBucket& b = s.t_visibility[i];
      ASSERT_GE(b.reads, kReadsPerT * 99 / 100) << "t=" << kGridMs[i] << ": reads missing";
      const double measured = static_cast<double>(b.consistent) / static_cast<double>(b.reads);
      const double gap = std::abs(measured - model[i]);
      gap_max = std::max(gap_max, gap);
      std::printf("    t=%2lld ms: measured %.4f (%lld reads), model %.4f, gap %.2f points\n",
                  static_cast<long long>(kGridMs[i]), measured, static_cast<long long>(b.reads), model[i], 100 * gap);
      EXPECT_LE(gap, kTVisibilityToleranceMax) << "R=" << r << " W=" << w << " t=" << kGridMs[i];
    }
  }
  std::printf("largest t-visibility gap: %.2f points\n", 100 * gap_max);
}

TEST(StalenessAgreement, KStalenessWithPropagationSuppressedMatchesTheClosedForm) {
  const uint64_t seed = test::test_seed(kFixedSeed);
  double gap_max = 0;
  for (auto [r, w] : {std::pair{1, 1}, {1, 2}, {2, 1}}) {
    const StalenessSummary s = simulate(staleness_probe_plan(probe(seed, r, w, true)));
    ASSERT_GE(s.reads_judged, kKReads * 99 / 100);
    int64_t within = 0;  // reads at most k - 1 versions behind
    for (int k = 1; k < kWritesPerKey; ++k) {
      const auto it = s.k_histogram.find(k - 1);
      within += it == s.k_histogram.end() ? 0 : it->second;
      const double measured = static_cast<double>(within) / static_cast<double>(s.reads_judged);
      const double closed = k_staleness_closed_form(3, r, w, k);
      const double gap = std::abs(measured - closed);
      gap_max = std::max(gap_max, gap);
      std::printf("    k=%d: measured %.4f, closed form %.4f, gap %.2f points\n", k, measured, closed, 100 * gap);
      EXPECT_LE(gap, kKStalenessToleranceMax) << "R=" << r << " W=" << w << " k=" << k;
    }
  }
  std::printf("largest k-staleness gap: %.2f points\n", 100 * gap_max);
}

TEST(StalenessAgreement, OverlappingQuorumsAreConsistentAtEveryT) {
  const uint64_t seed = test::test_seed(kFixedSeed);
  Plan plan = staleness_probe_plan(probe(seed, 2, 2, false));
  plan.probe.rounds = 300 * static_cast<int64_t>(kGridMs.size());
  Verdict verdict;
  const StalenessSummary s = simulate(plan, &verdict);
  ASSERT_GE(s.reads_judged, plan.probe.rounds * 99 / 100);
  EXPECT_EQ(s.consistent, s.reads_judged);
  for (size_t i = 0; i < kGridMs.size(); ++i) {
    EXPECT_GT(s.t_visibility[i].reads, 0) << "t=" << kGridMs[i];
    EXPECT_EQ(s.t_visibility[i].consistent, s.t_visibility[i].reads) << "t=" << kGridMs[i];
  }
  const PropertyResult* fresh = property(verdict, "no-stale-reads");
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(fresh->guaranteed);
  EXPECT_EQ(fresh->outcome, PropertyOutcome::kHeld);
  EXPECT_EQ(verdict.value, VerdictValue::kValid);
}

}  // namespace
}  // namespace faultline
