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

namespace faultline {
namespace {

constexpr uint64_t kFixedSeed = 20120827;  // PBS's VLDB year and month, nothing more
const std::vector<int64_t> kGridMs = {0, 2, 5, 10, 20, 40};
constexpr int64_t kReadsPerT = 4000;
constexpr int kModelTrials = 200000;
constexpr int64_t kKReads = 8000;
constexpr int kWritesPerKey = 4;
constexpr double kLegMeanMs = 10;
// In the simulator a read reaches its coordinator one hop (1 ms) after its
// invocation, and delays are whole milliseconds (rounded), which makes a
// write that lands in the same millisecond as the read visible to it: half
// a millisecond more on average. The model's read starts this much later.
constexpr double kReadStartOffsetMs = 1.5;
constexpr double kTVisibilityToleranceMax = 0.03;
constexpr double kKStalenessToleranceMax = 0.02;

ConsistencyLevel cl_of(int count) { return count == 1 ? ConsistencyLevel::kOne : count == 2 ? ConsistencyLevel::kTwo : ConsistencyLevel::kAll; }

Plan probe_plan(uint64_t seed, int r, int w, bool quorum_only) {
  Plan p;
  p.seed = seed;
  p.cluster.nodes = 3;
  p.cluster.rf = 3;
  p.modes.read_repair = ReadRepair::kNone;
  p.modes.hinted_handoff = false;
  p.modes.anti_entropy = false;
  p.workload.read_cl = cl_of(r);
  p.workload.write_cl = cl_of(w);
  for (MessageLeg leg : {MessageLeg::kWrite, MessageLeg::kAck, MessageLeg::kRead, MessageLeg::kResponse}) {
    p.latency.defaults[leg] = LatencyDistribution::exponential(kLegMeanMs);
  }
  if (quorum_only) {
    p.probe.t_ms = {0};
    p.probe.rounds = kKReads;
    p.probe.writes_per_key = kWritesPerKey;
    p.probe.gap_ms = 20;  // dropped writes never arrive; the others are in before the ack
    p.probe.write_quorum_only = true;
  } else {
    p.probe.t_ms = kGridMs;
    p.probe.rounds = kReadsPerT * static_cast<int64_t>(kGridMs.size());
    p.probe.gap_ms = 100;  // 10 leg means: the previous round's messages are in
  }
  return p;
}

// Simulates and checks the plan, keeping the run directory, and measures its
// staleness with one bucket per grid point (a read invoked t ms after the
// ack measures t or, by the history's sub-millisecond steps, t - 1).
StalenessSummary simulate(const Plan& plan, const test::TempDir& dir, Verdict* verdict) {
  SimCheckOptions options;
  options.keep_dir = dir.file("run");
  SimCheckResult result;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(simulate_and_check(plan, options, &result));
  *verdict = result.verdict;
  StalenessSummary s;
  EXPECT_TRUE(measure_staleness(options.keep_dir + "/history.jsonl", StalenessOptions{kGridMs}, &s));
  std::printf("  R=%s W=%s: %lld reads judged, %.1f s wall\n", std::string(to_string(plan.workload.read_cl)).c_str(),
              std::string(to_string(plan.workload.write_cl)).c_str(), static_cast<long long>(s.reads_judged),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return s;
}

WarsConfig model_of(int r, int w) {
  WarsConfig c;
  c.n = 3;
  c.r = r;
  c.w = w;
  c.write_leg = c.ack_leg = c.read_leg = c.response_leg = LatencyDistribution::exponential(kLegMeanMs);
  c.coordinator_is_replica = true;  // faultline-node's read path (docs/staleness.md)
  c.read_contacts_all = false;
  return c;
}

const PropertyResult* property(const Verdict& v, const std::string& id) {
  for (const PropertyResult& p : v.properties) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

TEST(StalenessAgreement, MeasuredTVisibilityMatchesTheWarsModel) {
  const uint64_t seed = test::test_seed(kFixedSeed);
  std::vector<double> model_t;
  for (int64_t t : kGridMs) model_t.push_back(static_cast<double>(t) + kReadStartOffsetMs);
  double gap_max = 0;
  for (auto [r, w] : {std::pair{1, 1}, {1, 2}, {2, 1}}) {
    test::TempDir dir;
    Verdict verdict;
    const StalenessSummary s = simulate(probe_plan(seed, r, w, false), dir, &verdict);
    const std::vector<double> model = wars_t_visibility(model_of(r, w), model_t, kModelTrials, seed);
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
    test::TempDir dir;
    Verdict verdict;
    const StalenessSummary s = simulate(probe_plan(seed, r, w, true), dir, &verdict);
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
  Plan plan = probe_plan(seed, 2, 2, false);
  plan.probe.rounds = 300 * static_cast<int64_t>(kGridMs.size());
  test::TempDir dir;
  Verdict verdict;
  const StalenessSummary s = simulate(plan, dir, &verdict);
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
