// Goal: the explorer from the command line, without clusters. `faultline
// explore --bug B` exits 1 and prints replay commands that fail every time
// (the seed's and the shrunk plan's); its shards, merged, name the same
// seed; `faultline sim --search` on the failing run directory finds a seed
// that fails the same way. A few seconds of simulation in all.
#include <gtest/gtest.h>

#include <string>

#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;

constexpr const char* kBug = "sloppy-fallback-counts-primary";  // caught at seed 2 of the swarm

// The text after `label` up to the end of its line, "" when absent.
std::string line_after(const std::string& output, const std::string& label, size_t from = 0) {
  const size_t at = output.find(label, from);
  if (at == std::string::npos) return "";
  const size_t start = at + label.size();
  return output.substr(start, output.find('\n', start) - start);
}

TEST(ExploreCli, ReplayCommandsFailEveryTimeAndShardsMergeToTheSameSeed) {
  ScratchDir dir;
  const std::string bin = testing::faultline_bin();
  std::string out;
  const std::string explore = bin + " explore --bug " + std::string(kBug) + " --seeds 20 --budget 10m --shrink-budget 2s";
  ASSERT_EQ(testing::run_shell(explore + " --out " + dir.path() + "/whole", &out), 1) << out;
  const std::string found = line_after(out, "\nfailing seed: ");
  const std::string seed = found.substr(0, found.find(' '));
  ASSERT_FALSE(seed.empty()) << out;
  const std::string seed_replay = line_after(out, "replay: ");
  const std::string plan_replay = line_after(out, "replay: ", out.find("smallest failing plan"));
  EXPECT_EQ(seed_replay, bin + " sim --seed " + seed + " --bug " + kBug) << out;
  ASSERT_NE(plan_replay.find(" sim --plan "), std::string::npos) << out;
  for (const std::string& replay : {seed_replay, plan_replay}) {
    for (int i = 0; i < 2; ++i) {
      std::string replay_out;
      EXPECT_EQ(testing::run_shell(replay + " --out " + dir.path() + "/replays", &replay_out), 1)
          << replay << "\n" << replay_out;
    }
  }

  for (const char* k : {"1", "2"}) {
    std::string shard_out;
    const std::string cmd = explore + " --shard " + k + "/2 --out " + dir.path() + "/shard" + k;
    const int rc = testing::run_shell(cmd, &shard_out);
    EXPECT_TRUE(rc == 0 || rc == 1) << cmd << "\n" << shard_out;
  }
  std::string merged;
  ASSERT_EQ(testing::run_shell(bin + " merge " + dir.path() + "/shard1 " + dir.path() + "/shard2 --out " +
                                   dir.path() + "/merged",
                               &merged),
            1)
      << merged;
  EXPECT_EQ(line_after(merged, "replay: "), seed_replay) << merged;

  std::string search;
  ASSERT_EQ(testing::run_shell(bin + " sim --search " + dir.path() + "/whole/seed-" + seed + " --search-out " +
                                   dir.path() + "/search",
                               &search),
            1)
      << search;
  EXPECT_NE(line_after(search, "seed " + seed + " fails the same way"), "") << search;
}

}  // namespace
}  // namespace faultline
