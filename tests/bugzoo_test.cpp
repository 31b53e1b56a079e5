// Goal: `faultline bugzoo --bug NAME` catches a quickly caught seeded bug
// within a short budget, shrinks the catching run, runs the same seeds on
// the clean node without a false alarm, writes the table with the catching
// property, a replay command and the shrunk plan kept beside it (replacing
// the old table but keeping its hand-written section), and exits 0; bad
// arguments exit 254. The zoo's seeds start at kSeedBase and the output
// prints every run's seed and the replay command.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::run_shell;
using testing::ScratchDir;

// merkle-leaf-off-by-one misplaces about half of all records in their
// Merkle leaves, so every run that writes a few keys leaves roots that
// disagree with the checker's recomputation: merkle-convergence catches it
// in the first run, and again in every replay the shrink makes, whatever the
// interleaving of the real processes. A bug caught only by some
// interleavings (a stale read) would make this test flake on a loaded
// machine; which bugs the zoo catches, and how often, is docs/bugzoo.md's
// business, not this test's.
constexpr const char* kBug = "merkle-leaf-off-by-one";
constexpr const char* kProperty = "merkle-convergence";
constexpr const char* kSeedBase = "1";

TEST(BugzooTest, CatchesASeededBugAndFindsNoFalseAlarm) {
  ScratchDir out;
  const std::string table = out.path() + "/table.md";
  // An old table with its hand-written section, as docs/bugzoo.md has.
  const std::string hand_written = "## The bugs\n\nWritten by hand.\n";
  test::write_file(table, "# Seeded-bug zoo\n\nAn old table.\n\n" + hand_written);
  const std::string cmd = testing::faultline_bin() + " bugzoo --bug " + kBug + " --per-bug-budget 25s --shrink-budget 10s --seed-base " +
                          kSeedBase + " --out " + out.path() + "/runs --table " + table;
  std::printf("replay: %s\n", cmd.c_str());
  std::string output;
  int rc = run_shell(cmd, &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find(std::string("bugzoo: ") + kBug + ": CAUGHT by "), std::string::npos) << output;
  EXPECT_NE(output.find("1 of 1 bug(s) caught"), std::string::npos) << output;
  EXPECT_NE(output.find("0 false alarm(s)"), std::string::npos) << output;
  EXPECT_NE(output.find(std::string("bugzoo: ") + kBug + ": shrink ("), std::string::npos) << output;

  const std::string md = testing::read_file(table);
  EXPECT_NE(md.find(std::string("| ") + kBug + " | "), std::string::npos) << md;
  EXPECT_NE(md.find(std::string("| yes | ") + kProperty + " |"), std::string::npos) << md;
  EXPECT_NE(md.find(std::string("--bug ") + kBug + "`"), std::string::npos) << "replay command in the table\n" << md;
  EXPECT_NE(md.find("| (clean node) |"), std::string::npos) << md;
  EXPECT_EQ(md, testing::read_file(out.path() + "/runs/bugzoo.md"));
  EXPECT_EQ(md.find("An old table."), std::string::npos) << md;
  ASSERT_GE(md.size(), hand_written.size());
  EXPECT_EQ(md.substr(md.size() - hand_written.size()), hand_written) << "the hand-written section is kept, last\n" << md;
  EXPECT_NE(md.find("|\n\n" + hand_written), std::string::npos) << "after the scenarios table and a blank line\n" << md;

  // The shrunk plan is kept beside the table, and the table replays that copy.
  const std::string kept = out.path() + "/bugzoo-shrunk/" + kBug + ".json";
  EXPECT_NE(md.find(" run --plan " + kept + "`"), std::string::npos) << md;
  const std::string plan = testing::read_file(kept);
  EXPECT_NE(plan.find(std::string("\"") + kBug + "\""), std::string::npos) << "the kept plan keeps its bug\n" << plan;
}

TEST(BugzooTest, RejectsBadArguments) {
  std::string output;
  EXPECT_EQ(run_shell(testing::faultline_bin() + " bugzoo --bug no-such-bug", &output), 254) << output;
  EXPECT_NE(output.find("unknown seeded bug 'no-such-bug'"), std::string::npos) << output;
  EXPECT_EQ(run_shell(testing::faultline_bin() + " bugzoo --budget 10x", &output), 254) << output;
  EXPECT_NE(output.find("--budget"), std::string::npos) << output;
}

}  // namespace
}  // namespace faultline
