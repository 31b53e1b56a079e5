// Goal: the explorer finds nothing on the clean node, catches a seeded bug
// at the lowest failing seed whatever the number of jobs, shrinks it in the
// simulator, and the shrunk plan fails again with byte-identical files.
#include "harness/explore.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/file_io.h"
#include "core/test_util.h"
#include "sim/sim_check.h"

namespace faultline {
namespace {
using test::TempDir;

ExploreOptions options_in(const TempDir& dir, const std::string& name) {
  ExploreOptions o;
  o.out_dir = dir.file(name);
  o.budget_ms = 60000;
  o.jobs = 2;
  o.shrink_budget_ms = 0;
  o.self = "build/bin/faultline";
  return o;
}

TEST(Explore, CleanNodeViolatesNothingOnAFewSeeds) {
  const uint64_t base = test::test_seed();
  TempDir dir;
  ExploreOptions o = options_in(dir, "clean");
  o.seed_base = base;
  o.seeds_max = 3;
  std::ostringstream out;
  ExploreResult r;
  ASSERT_TRUE(explore(o, out, &r)) << out.str();
  EXPECT_EQ(r.runs, 3) << out.str();
  EXPECT_FALSE(r.found) << "replay: build/bin/faultline explore --seed-base " << base << " --seeds 3\n" << out.str();
}

// Simulates the plan file into `dir`, returning its history and verdict.
std::string simulate_files(const std::string& plan_file, const std::string& dir) {
  Plan plan;
  EXPECT_TRUE(read_plan_file(plan_file, &plan));
  SimCheckOptions so;
  so.keep_dir = dir;
  SimCheckResult result;
  EXPECT_TRUE(simulate_and_check(plan, so, &result));
  std::string history, verdict;
  EXPECT_TRUE(read_file(dir + "/history.jsonl", &history));
  EXPECT_TRUE(read_file(dir + "/verdict.json", &verdict));
  return history + verdict;
}

TEST(Explore, SeededBugIsCaughtAtTheLowestSeedShrunkAndReplaysByteForByte) {
  TempDir dir;
  ExploreOptions o = options_in(dir, "bug");
  o.bugs = {"sloppy-fallback-counts-primary"};
  o.seeds_max = 20;
  o.shrink_budget_ms = 3000;
  std::ostringstream out;
  ExploreResult r;
  ASSERT_TRUE(explore(o, out, &r)) << out.str();
  ASSERT_TRUE(r.found) << out.str();
  EXPECT_FALSE(r.verdict.violated_guaranteed.empty());

  // One job reports the same seed: the lowest failing one.
  ExploreOptions one = options_in(dir, "one-job");
  one.bugs = o.bugs;
  one.seeds_max = 20;
  one.jobs = 1;
  std::ostringstream out1;
  ExploreResult r1;
  ASSERT_TRUE(explore(one, out1, &r1));
  EXPECT_EQ(r1.seed, r.seed);
  EXPECT_EQ(r1.runs, static_cast<int64_t>(r.seed - o.seed_base + 1));

  ASSERT_TRUE(r.shrink.reproduced) << out.str();
  const std::string a = simulate_files(r.smallest_plan_file, dir.file("replay-a"));
  const std::string b = simulate_files(r.smallest_plan_file, dir.file("replay-b"));
  EXPECT_EQ(a, b);
  VerdictSummary v;
  ASSERT_TRUE(read_verdict_summary(dir.file("replay-a"), &v));
  EXPECT_TRUE(reproduces(r.verdict, v)) << describe(v);
}

}  // namespace
}  // namespace faultline
