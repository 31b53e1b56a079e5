// Goal: the explorer finds nothing on the clean node, catches a seeded bug
// at the lowest failing seed whatever the number of jobs, shrinks it in the
// simulator, and the shrunk plan fails again with byte-identical files.
#include "harness/explore.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>

#include "core/file_io.h"
#include "core/test_util.h"
#include "harness/shard_manifest.h"
#include "sim/sim_check.h"

namespace faultline {
namespace {
using test::TempDir;

ExploreOptions options_in(const TempDir& dir, const std::string& name) {
  ExploreOptions o;
  o.out_dir = dir.file(name);
  o.budget_ms = 10 * 60 * 1000;  // a safety net: every test caps its seeds, so load never decides
  o.jobs = 2;
  o.shrink_budget_ms = 0;
  o.self = "build/bin/faultline";
  return o;
}

// Options for hunting the seeded bug the simulator catches fastest (seed 2
// of the swarm, in well under a second).
ExploreOptions bug_options(const TempDir& dir, const std::string& name) {
  ExploreOptions o = options_in(dir, name);
  o.bugs = {"sloppy-fallback-counts-primary"};
  o.seeds_max = 20;
  return o;
}

// Seeds 1..10 and not a random base: a few swarm plans (values of
// megabytes) take a minute in the simulator, and this test must stay short.
TEST(Explore, CleanNodeViolatesNothingOnAFewSeeds) {
  TempDir dir;
  ExploreOptions o = options_in(dir, "clean");
  o.seeds_max = 10;
  std::ostringstream out;
  ExploreResult r;
  ASSERT_TRUE(explore(o, out, &r)) << out.str();
  EXPECT_EQ(r.runs, 10) << out.str();
  EXPECT_FALSE(r.found) << "replay: build/bin/faultline explore --seeds 10\n" << out.str();
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
  ExploreOptions o = bug_options(dir, "bug");
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

// Goal: N shards together run the seeds one unsharded explore runs, each
// shard its indices i % N == K - 1, so the lowest failing seed over the
// shards is the unsharded one.
TEST(Explore, ShardsPartitionTheSeedsAndFindTheSameLowestFailingSeed) {
  TempDir dir;
  const ExploreOptions whole = bug_options(dir, "whole");
  std::ostringstream out;
  ExploreResult r;
  ASSERT_TRUE(explore(whole, out, &r)) << out.str();
  ASSERT_TRUE(r.found) << out.str();
  uint64_t lowest = UINT64_MAX;
  for (int k = 1; k <= 2; ++k) {
    ExploreOptions part = whole;
    part.out_dir = dir.file("shard" + std::to_string(k));
    part.shard = Shard{k, 2};
    ExploreResult rk;
    ASSERT_TRUE(explore(part, out, &rk)) << out.str();
    if (rk.found) {
      EXPECT_EQ(static_cast<int>((rk.seed - whole.seed_base) % 2), k - 1) << "shard " << k << " ran another's seed";
      lowest = std::min(lowest, rk.seed);
    }
    // Its shard.json: item K-1 of N, the record read back as written.
    ShardManifest m;
    ASSERT_TRUE(read_shard_manifest(part.out_dir, &m));
    EXPECT_EQ(m.command, "explore");
    ASSERT_EQ(m.items.size(), 1u);
    EXPECT_EQ(m.items[0].index, static_cast<size_t>(k - 1));
    ExploreShardRecord record;
    ASSERT_TRUE(explore_shard_record_from_json(m.items[0].record, "record", &record));
    EXPECT_EQ(record.runs, rk.runs);
    EXPECT_EQ(record.found, rk.found);
    EXPECT_EQ(record.replay, rk.found ? explore_replay(part, rk.seed) : "");
  }
  EXPECT_EQ(lowest, r.seed) << out.str();

  // Shard 2 of 3 over seeds 0..6 runs indices 1 and 4 only.
  ExploreOptions clean = options_in(dir, "clean");
  clean.seeds_max = 7;
  clean.shard = Shard{2, 3};
  ExploreResult rc;
  ASSERT_TRUE(explore(clean, out, &rc)) << out.str();
  EXPECT_EQ(rc.runs, 2);
}

// Goal: with a base plan (`sim --search`), only the seed varies and a run
// counts as failing when it violates the target property; the first seed
// tried is the plan's own, so a plan that fails in the simulator is found
// at once, and another seed of the same plan that fails is found too.
TEST(Explore, SearchVariesOnlyTheSeedOfAPlanAndFindsTheTargetViolation) {
  TempDir dir;
  const ExploreOptions draw = bug_options(dir, "draw");
  std::ostringstream out;
  ExploreResult r;
  ASSERT_TRUE(explore(draw, out, &r)) << out.str();
  ASSERT_TRUE(r.found) << out.str();

  ExploreOptions search = options_in(dir, "search");
  search.base_plan.emplace();
  ASSERT_TRUE(explore_plan(draw, r.seed, &*search.base_plan));
  search.target = VerdictSummary{"invalid", r.verdict.violated_guaranteed, r.verdict.violated_guaranteed};
  search.seed_base = r.seed + 1;
  search.seeds_max = 20;
  ExploreResult found;
  ASSERT_TRUE(explore(search, out, &found)) << out.str();
  ASSERT_TRUE(found.found) << "no other seed of plan " << r.seed << " fails: " << out.str();
  Plan again;
  ASSERT_TRUE(read_plan_file(found.run_dir + "/plan.json", &again));
  EXPECT_EQ(again.seed, found.seed);
  again.seed = search.base_plan->seed;
  EXPECT_EQ(plan_to_json(again), plan_to_json(*search.base_plan));
  EXPECT_TRUE(reproduces(*search.target, found.verdict)) << describe(found.verdict);
  EXPECT_EQ(explore_replay(search, found.seed), "");
}

}  // namespace
}  // namespace faultline
