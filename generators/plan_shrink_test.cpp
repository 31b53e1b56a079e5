// Goal: the shrink tree of a given plan (generators/plan_shrink.h) only
// offers valid, strictly smaller plans that test the same thing (modes,
// consistency levels, rf, seeded bugs, seed unchanged), and is finite.
#include "generators/plan_shrink.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "core/bugs.h"
#include "core/test_util.h"
#include "faults/schedule.h"
#include "generators/plan_gen.h"

namespace faultline {
namespace {

constexpr int kShrinkStepsMax = 100000;
constexpr int64_t kTreeNodesMax = 100000;  // bound on the distinct plans of a whole-tree walk

// The counts plan_shrink.h promises never grow, and at least one falls.
std::array<double, 13> measure(const Plan& p) {
  double fault_ms = 0, start_ms = 0, targets = 0;
  for (const auto& f : p.faults) {
    fault_ms += f.duration_ms;
    start_ms += f.start_ms;
    targets += f.targets.size();
  }
  return {double(p.faults.size()), fault_ms, start_ms, targets, double(p.workload.duration_ms),
          double(p.cluster.nodes), double(p.workload.keys), double(p.workload.clients), p.workload.rate,
          double(p.cluster.vnodes), double(p.workload.value_bytes_max), double(p.workload.value_bytes_min),
          p.workload.routing == Routing::kRandom ? 0.0 : 1.0};
}

bool strictly_smaller(const Plan& shrunk, const Plan& from) {
  auto a = measure(shrunk), b = measure(from);
  bool fell = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    fell = fell || a[i] < b[i];
  }
  return fell;
}

// What defines the test a plan runs: shrinking must keep it.
std::string what_is_tested(const Plan& p) {
  Plan q = p;
  q.cluster.nodes = q.cluster.rf;
  q.cluster.vnodes = 1;
  q.workload.keys = q.workload.clients = 1;
  q.workload.rate = 1;
  q.workload.duration_ms = 0;
  q.workload.value_bytes_min = q.workload.value_bytes_max = 0;
  q.workload.routing = Routing::kRandom;
  q.faults.clear();
  return plan_to_json(q);
}

// Each fault's kind and params, in order: shrinking drops faults, never edits these.
bool kinds_kept(const Plan& shrunk, const Plan& from) {
  size_t j = 0;
  for (const auto& f : shrunk.faults) {
    while (j < from.faults.size() && (from.faults[j].kind != f.kind || from.faults[j].params_json != f.params_json)) ++j;
    if (j == from.faults.size()) return false;
    ++j;
  }
  return true;
}

void check_shrink(const Plan& shrunk, const Plan& from) {
  RC_ASSERT(validate_plan(shrunk).is_ok());
  for (const auto& f : shrunk.faults) {
    FaultSpec spec;
    RC_ASSERT(decode_fault(f, shrunk.cluster.nodes, &spec).is_ok());
    RC_ASSERT(f.start_ms + f.duration_ms <= shrunk.workload.duration_ms);
  }
  RC_ASSERT(strictly_smaller(shrunk, from));
  RC_ASSERT(what_is_tested(shrunk) == what_is_tested(from));
  RC_ASSERT(kinds_kept(shrunk, from));
}

rc::Gen<Plan> gen_plan_with_bugs() {
  return rc::gen::apply(
      [](Plan p, uint64_t seed, std::vector<size_t> bug_picks) {
        p.seed = seed;
        for (size_t b : bug_picks) p.bugs.emplace_back(bug_catalogue()[b % bug_catalogue().size()].name);
        return p;
      },
      gen_plan(PlanPins{}), rc::gen::arbitrary<uint64_t>(),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, 3), [](size_t n) {
        return rc::gen::container<std::vector<size_t>>(n, rc::gen::arbitrary<size_t>());
      }));
}

RC_GTEST_PROP(PlanShrinkTreeTest, EveryShrinkIsValidSmallerAndTestsTheSameThing, ()) {
  const Plan plan = *gen_plan_with_bugs();
  auto shrinks = plan_shrinks(plan);
  int count = 0;
  while (auto next = shrinks.next()) {
    check_shrink(*next, plan);
    ++count;
  }
  RC_CLASSIFY(count == 0, "no shrinks");
}

// Goal: the tree is finite and bottoms out at the smallest plan that still
// tests the same thing: a walk that accepts every candidate ends there.
RC_GTEST_PROP(PlanShrinkTreeTest, AcceptingEveryShrinkEndsAtTheSmallestPlan, ()) {
  const Plan plan = *gen_plan_with_bugs();
  int tried = 0;
  Plan small = shrink_walk(shrinkable_plan(plan), [](const Plan&) { return true; }, kShrinkStepsMax, &tried);
  RC_ASSERT(tried < kShrinkStepsMax);
  RC_ASSERT(small.faults.empty());
  RC_ASSERT(small.cluster.nodes == plan.cluster.rf);
  RC_ASSERT(small.cluster.vnodes == 1);
  RC_ASSERT(small.workload.keys == 1);
  RC_ASSERT(small.workload.clients == 1);
  RC_ASSERT(small.workload.rate == double(kRateMin));
  RC_ASSERT(small.workload.duration_ms == kDurationMsMin);
  RC_ASSERT(what_is_tested(small) == what_is_tested(plan));
  RC_ASSERT(!plan_shrinks(small).next());
}

// Goal: the whole tree of a small plan with a fault is finite, not only the
// greedy path: the plans reachable from it are finitely many, and every edge
// makes the plan strictly smaller (so no path can cycle). Counting paths
// instead would be exponential in the number of shrinkable fields.
TEST(PlanShrinkTreeTest, WholeTreeOfASmallPlanIsFinite) {
  Plan p;
  p.cluster = {4, 3, 2};
  p.workload.keys = 2;
  p.workload.clients = 2;
  p.workload.rate = 11;
  p.workload.duration_ms = 1100;
  p.faults = {FaultEvent{3, 503, "kill", {"n4", "n1"}, "{}"}};
  ASSERT_TRUE(validate_plan(p));
  std::set<std::string> seen = {plan_to_json(p)};
  std::deque<Plan> queue = {p};
  int64_t edges = 0;
  while (!queue.empty() && static_cast<int64_t>(seen.size()) < kTreeNodesMax) {
    Plan from = std::move(queue.front());
    queue.pop_front();
    auto shrinks = plan_shrinks(from);
    while (auto next = shrinks.next()) {
      ++edges;
      ASSERT_TRUE(strictly_smaller(*next, from)) << plan_to_json(*next);
      if (seen.insert(plan_to_json(*next)).second) queue.push_back(*next);
    }
  }
  std::printf("%zu distinct plans, %lld edges\n", seen.size(), static_cast<long long>(edges));
  EXPECT_TRUE(queue.empty());
  EXPECT_LT(static_cast<int64_t>(seen.size()), kTreeNodesMax);
}

Plan with_faults(std::vector<FaultEvent> faults) {
  Plan p;
  p.cluster = {5, 3, 8};
  p.workload.duration_ms = 4000;
  p.faults = std::move(faults);
  EXPECT_TRUE(validate_plan(p));
  return p;
}

// The first immediate shrink for which pick(plan) holds.
template <typename Pick>
std::optional<Plan> first_shrink(const Plan& p, Pick pick) {
  auto shrinks = plan_shrinks(p);
  while (auto next = shrinks.next()) {
    if (pick(*next)) return *next;
  }
  return std::nullopt;
}

// Goal: a shorter workload clips its faults into it: a fault that starts
// after the end goes, one that runs past it ends at it.
TEST(PlanShrinkTreeTest, ShorterWorkloadClipsFaults) {
  Plan p = with_faults({FaultEvent{500, 2000, "kill", {"n2"}, "{}"}, FaultEvent{3000, 800, "pause", {"n1"}, "{}"}});
  auto shorter = first_shrink(p, [](const Plan& q) { return q.workload.duration_ms == 2500; });
  ASSERT_TRUE(shorter);
  ASSERT_EQ(shorter->faults.size(), 1u) << plan_to_json(*shorter);
  EXPECT_EQ(shorter->faults[0].start_ms, 500);
  EXPECT_EQ(shorter->faults[0].duration_ms, 2000);
}

// Goal: fewer nodes keep rf and drop targets above the new count, and drop
// faults whose remaining targets no longer fit their kind.
TEST(PlanShrinkTreeTest, FewerNodesKeepTargetsValid) {
  Plan p = with_faults({FaultEvent{0, 1000, "kill", {"n5", "n1"}, "{}"},
                        FaultEvent{0, 1000, "partition", {"n4"}, R"({"partition":"one"})"},
                        FaultEvent{0, 1000, "delay", {"n5"}, R"({"latency_ms":10,"jitter_ms":0})"},
                        FaultEvent{0, 1000, "partition", {"n1", "n2"}, R"({"partition":"halves"})"}});
  auto three = first_shrink(p, [](const Plan& q) { return q.cluster.nodes == 3; });
  ASSERT_TRUE(three);
  EXPECT_EQ(three->cluster.rf, 3);
  ASSERT_EQ(three->faults.size(), 2u) << plan_to_json(*three);
  EXPECT_EQ(three->faults[0].targets, std::vector<std::string>{"n1"});
  EXPECT_EQ(three->faults[1].kind, "partition");
  EXPECT_FALSE(first_shrink(p, [](const Plan& q) { return q.cluster.nodes < 3; }));
}

// Goal: a disk fault shrinks as the other node faults do (fewer targets,
// shorter, earlier), and a walk that keeps only plans with a disk fault ends
// at one target, as short as shrinking goes, from the start; every step is valid
// and strictly smaller. Seeds with a disk fault are drawn by plan_from_seed.
TEST(PlanShrinkTreeTest, DiskFaultsShrinkToOneTargetForTheShortestTime) {
  const Plan p = with_faults({FaultEvent{700, 2500, "disk", {"n2", "n4"}, "{}"}});
  auto has_disk = [](const Plan& q) {
    return std::any_of(q.faults.begin(), q.faults.end(), [](const FaultEvent& f) { return f.kind == "disk"; });
  };
  int tried = 0;
  Plan small = shrink_walk(shrinkable_plan(p), has_disk, kShrinkStepsMax, &tried);
  ASSERT_EQ(small.faults.size(), 1u) << plan_to_json(small);
  EXPECT_EQ(small.faults[0].targets.size(), 1u);
  // Shortening the workload may clip it below kFaultDurationMsMin.
  EXPECT_LE(small.faults[0].duration_ms, kFaultDurationMsMin);
  EXPECT_EQ(small.faults[0].start_ms, 0);
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Plan drawn;
    ASSERT_TRUE(plan_from_seed(seed, PlanPins{}, &drawn));
    if (!has_disk(drawn)) continue;
    auto shrinks = plan_shrinks(drawn);
    while (auto next = shrinks.next()) {
      ASSERT_TRUE(validate_plan(*next)) << "seed " << seed << ": " << plan_to_json(*next);
      ASSERT_TRUE(strictly_smaller(*next, drawn)) << "seed " << seed << ": " << plan_to_json(*next);
    }
  }
}

}  // namespace
}  // namespace faultline
