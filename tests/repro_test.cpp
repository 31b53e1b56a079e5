// Goal: `faultline repro RUN_DIR --times K` replays the plan K times into new
// run directories, counts the tries that fail the way the original did, says
// that real processes are not deterministic, and reports the rate; bad
// arguments exit 254. The original is a short healthy run (default scenario,
// random seed printed by the run itself).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/replay.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using testing::run_shell;
using testing::ScratchDir;

const std::string kShortRun = " run --nodes 3 --rf 3 --duration 2 --clients 2 --rate 50";

// Marks `property` violated in the run's verdict.json, as if the original
// run had found it.
void claim_violation(const std::string& run_dir, const std::string& property) {
  const std::string path = run_dir + "/verdict.json";
  nlohmann::json v = nlohmann::json::parse(testing::read_file(path));
  v["verdict"] = "invalid";
  for (auto& p : v["properties"]) {
    if (p["id"] == property) p["result"] = "violated";
  }
  std::ofstream(path, std::ios::trunc) << v.dump(2) << "\n";
}

TEST(ReproTest, ReportsTheRateOfTriesThatFailTheSameWay) {
  ScratchDir out;
  std::string output;
  int rc = run_shell(testing::faultline_bin() + kShortRun + " --out " + out.path(), &output);
  std::printf("%s", output.substr(0, output.find('\n') + 1).c_str());
  ASSERT_EQ(rc, 0) << output;
  const std::string run_dir = fs::canonical(out.path() + "/latest").string();

  // A valid original: a try reproduces when it is valid too.
  rc = run_shell(testing::faultline_bin() + " repro " + run_dir + " --times 2", &output);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_NE(output.find("not deterministic"), std::string::npos) << output;
  EXPECT_NE(output.find("reproduced 2 of 2 tries (100%)"), std::string::npos) << output;
  EXPECT_EQ(std::distance(fs::directory_iterator(run_dir + "/repro"), fs::directory_iterator()), 3)
      << "two run directories and latest";

  // An original that (we claim) lost writes: healthy replays do not.
  claim_violation(run_dir, "no-lost-writes");
  rc = run_shell(testing::faultline_bin() + " repro " + run_dir + " --times 1 --out " + out.path() + "/tries",
                 &output);
  EXPECT_EQ(rc, 1) << output;
  EXPECT_NE(output.find("original verdict: invalid (violated: no-lost-writes)"), std::string::npos) << output;
  EXPECT_NE(output.find("reproduced 0 of 1 tries (0%)"), std::string::npos) << output;
}

TEST(ReproTest, BadArgumentsExit254) {
  ScratchDir out;
  std::string output;
  EXPECT_EQ(run_shell(testing::faultline_bin() + " repro " + out.path(), &output), 254) << output;
  EXPECT_NE(output.find("verdict.json"), std::string::npos) << output;
  EXPECT_EQ(run_shell(testing::faultline_bin() + " repro " + out.path() + " --times 0", &output), 254) << output;
  EXPECT_NE(output.find("--times"), std::string::npos) << output;
  EXPECT_TRUE(fs::is_empty(out.path()));
  // A verdict without its plan: named, and nothing is run.
  std::ofstream(out.path() + "/verdict.json") << R"({"verdict":"valid","error":null,"operations":0,"properties":[]})";
  EXPECT_EQ(run_shell(testing::faultline_bin() + " repro " + out.path(), &output), 254) << output;
  EXPECT_NE(output.find("plan.json"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(out.path() + "/repro"));
}

// Goal: the rule deciding "the same way", without processes.
TEST(ReproTest, ATryReproducesWhenItViolatesAnOriginalProperty) {
  VerdictSummary original{"invalid", {"monotonic-reads", "no-stale-reads"}};
  EXPECT_TRUE(reproduces(original, {"invalid", {"no-stale-reads"}}));
  EXPECT_FALSE(reproduces(original, {"invalid", {"no-lost-writes"}}));
  EXPECT_FALSE(reproduces(original, {"valid", {}}));
  EXPECT_TRUE(reproduces({"unknown", {}}, {"unknown", {}}));
  EXPECT_FALSE(reproduces({"valid", {}}, {"unknown", {}}));
}

}  // namespace
}  // namespace faultline
