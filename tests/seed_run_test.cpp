// Goal: `faultline run --seed N <pins>` writes exactly the plan that
// plan_from_seed(N, pins) draws in another process (byte for byte), and
// prints the --seed command that replays it. The seed is the first one
// whose drawn plan has no faults, so the run stays short and healthy.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "generators/plan_gen.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;

// Bound on the seeds looked at for a plan without faults.
constexpr uint64_t kSeedsToSearchMax = 1000;

TEST(SeedRunTest, RunWritesTheDrawnPlanByteForByteAndPrintsItsSeedReplay) {
  PlanPins pins;
  pins.nodes = 3;
  pins.duration_ms = 1000;
  Plan plan;
  uint64_t seed = 1;
  for (; seed <= kSeedsToSearchMax; ++seed) {
    ASSERT_TRUE(plan_from_seed(seed, pins, &plan));
    if (plan.faults.empty()) break;
  }
  ASSERT_LE(seed, kSeedsToSearchMax) << "no seed draws a plan without faults";
  const std::string args = "--seed " + std::to_string(seed) + " --nodes 3 --duration 1";
  std::printf("seed %llu; replay: faultline run %s\n", static_cast<unsigned long long>(seed), args.c_str());

  testing::ScratchDir out;
  std::string output;
  testing::run_shell(testing::faultline_bin() + " run " + args + " --out " + out.path(), &output);
  const std::string run_dir = fs::canonical(out.path() + "/latest").string();
  EXPECT_EQ(testing::read_file(run_dir + "/plan.json"), plan_to_json(plan)) << output;
  EXPECT_NE(output.find("or: " + testing::faultline_bin() + " run " + args), std::string::npos) << output;
}

}  // namespace
}  // namespace faultline
