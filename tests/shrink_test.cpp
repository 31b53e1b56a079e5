// Goal: `faultline shrink` on a failing run returns a strictly smaller plan
// whose run still fails the same property, writes shrunk-plan.json and
// prints the sizes and the replay command. The failure must not depend on
// how the real processes interleave, or the test would flake on a loaded
// machine: the seeded bug merkle-leaf-off-by-one misplaces about half of all
// records in their Merkle leaves, so every run that writes a few keys
// violates merkle-convergence (roots disagree with the checker's
// recomputation), and so does every smaller candidate that still writes.
// Whether shrink keeps an interleaving-dependent anomaly is measured by
// `faultline bugzoo` (docs/bugzoo.md), not asserted here.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/plan.h"
#include "generators/plan_gen.h"
#include "harness/replay.h"
#include "harness/shrink.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using testing::run_shell;
using testing::ScratchDir;

const std::string kAnomalyRun =
    " run --seed 1 --nodes 3 --rf 3 --read-cl QUORUM --write-cl ONE --clients 4 --rate 200 --duration 3"
    " --keys 20 --faults partition --fault-interval 1 --anti-entropy on --anti-entropy-interval-ms 500"
    " --bug merkle-leaf-off-by-one";
constexpr const char* kProperty = "merkle-convergence";

std::string line_with(const std::string& output, const std::string& prefix) {
  const size_t at = output.find(prefix);
  if (at == std::string::npos) return "";
  return output.substr(at + prefix.size(), output.find('\n', at) - at - prefix.size());
}

TEST(ShrinkTest, AFailingRunShrinksToASmallerPlanThatStillFails) {
  ScratchDir out;
  std::string output;
  const std::string run = testing::faultline_bin() + kAnomalyRun + " --out " + out.path();
  std::printf("original: %s\n", run.c_str());
  int rc = run_shell(run, &output);
  ASSERT_TRUE(rc == 0 || rc == 1) << output;
  const std::string run_dir = fs::canonical(out.path() + "/latest").string();
  VerdictSummary original;
  ASSERT_TRUE(read_verdict_summary(run_dir, &original));
  ASSERT_TRUE(original.violated.count(kProperty)) << "the starting run does not fail: " << output;

  const std::string shrink = testing::faultline_bin() + " shrink " + run_dir +
                             " --property " + kProperty + " --budget 25s --tries 2 --out " + out.path() + "/shrink";
  std::printf("shrink: %s\n", shrink.c_str());
  rc = run_shell(shrink, &output);
  std::printf("%s", output.c_str());
  ASSERT_EQ(rc, 0) << output;

  Plan before, after;
  ASSERT_TRUE(read_plan_file(run_dir + "/plan.json", &before));
  ASSERT_TRUE(read_plan_file(out.path() + "/shrink/shrunk-plan.json", &after));
  const PlanSize b = plan_size(before), a = plan_size(after);
  EXPECT_TRUE(a.faults < b.faults || a.fault_ms < b.fault_ms || a.duration_ms < b.duration_ms || a.keys < b.keys ||
              a.nodes < b.nodes || after.workload.clients < before.workload.clients ||
              after.workload.rate < before.workload.rate)
      << plan_to_json(after);
  EXPECT_TRUE(a.faults <= b.faults && a.fault_ms <= b.fault_ms && a.duration_ms <= b.duration_ms && a.keys <= b.keys)
      << plan_to_json(after);
  // Shrinking never changes modes, consistency levels or bugs.
  EXPECT_EQ(after.modes.anti_entropy, true);
  EXPECT_EQ(after.workload.write_cl, ConsistencyLevel::kOne);
  EXPECT_EQ(after.bugs, before.bugs);

  const std::string smallest_run = line_with(output, "smallest failing run: ");
  VerdictSummary shrunk;
  ASSERT_TRUE(read_verdict_summary(smallest_run, &shrunk)) << output;
  EXPECT_TRUE(shrunk.violated.count(kProperty)) << describe(shrunk);
  Plan smallest_run_plan;
  ASSERT_TRUE(read_plan_file(smallest_run + "/plan.json", &smallest_run_plan));
  EXPECT_EQ(plan_to_json(smallest_run_plan), plan_to_json(after));
  // Only the smallest failing run is kept, and latest names it.
  EXPECT_EQ(fs::canonical(out.path() + "/shrink/runs/latest"), fs::canonical(smallest_run));
  EXPECT_EQ(std::distance(fs::directory_iterator(out.path() + "/shrink/runs"), fs::directory_iterator()), 2)
      << "the smallest run and latest";
  EXPECT_NE(output.find("before: faults"), std::string::npos) << output;
  EXPECT_NE(output.find("run --plan " + out.path() + "/shrink/shrunk-plan.json"), std::string::npos) << output;
}

// Goal: bad arguments exit 254 naming the option or file, and run nothing.
TEST(ShrinkTest, BadArgumentsExit254) {
  ScratchDir out;
  std::string output;
  const std::string shrink = testing::faultline_bin() + " shrink " + out.path();
  EXPECT_EQ(run_shell(shrink, &output), 254) << output;
  EXPECT_NE(output.find("verdict.json"), std::string::npos) << output;
  std::ofstream(out.path() + "/verdict.json") << R"({"verdict":"valid","error":null,"operations":0,"properties":[]})";
  EXPECT_EQ(run_shell(shrink, &output), 254) << output;
  EXPECT_NE(output.find("nothing to preserve"), std::string::npos) << output;
  EXPECT_EQ(run_shell(shrink + " --property monotone-reads", &output), 254) << output;
  EXPECT_NE(output.find("--property: unknown property 'monotone-reads'"), std::string::npos) << output;
  EXPECT_EQ(run_shell(shrink + " --property monotonic-reads", &output), 254) << output;
  EXPECT_NE(output.find("plan.json"), std::string::npos) << output;
  EXPECT_EQ(run_shell(shrink + " --budget 5x", &output), 254) << output;
  EXPECT_NE(output.find("--budget: '5x'"), std::string::npos) << output;
  EXPECT_EQ(run_shell(shrink + " --tries 0 --property monotonic-reads", &output), 254) << output;
  EXPECT_NE(output.find("--tries"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out.path() + "/shrink"));
}

// Budget parsing is tested with the other shared options (harness/options_test.cpp).

}  // namespace
}  // namespace faultline
