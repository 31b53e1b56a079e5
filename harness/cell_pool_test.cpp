// Goal: a run the pool cannot start is that run's harness error, and the
// pool goes on with the others instead of ending the whole suite (a ci run
// once stopped after 11 of 38 runs with exit 255 and no summary).
#include "harness/cell_pool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace faultline {
namespace {

TEST(CellPool, ARunThatCannotStartIsItsOwnErrorAndTheOthersGoOn) {
  const std::filesystem::path tmp = std::filesystem::path(::testing::TempDir()) / "cell_pool_test";
  std::filesystem::remove_all(tmp);
  std::filesystem::create_directories(tmp);
  const std::string file = (tmp / "a-file").string();
  std::ofstream(file) << "not a directory\n";
  std::vector<CellSpec> cells;
  for (uint64_t seed : {1, 2, 3}) cells.push_back(CellSpec{"row", seed, Plan{}, file + "/seed" + std::to_string(seed)});
  CellRunnerOptions o;
  o.self_exe = "/bin/false";  // never reached: no directory can be made
  o.jobs = 2;
  o.budget_ms = 3600 * 1000;
  std::vector<CellRun> runs;
  int not_started = -1;
  ASSERT_TRUE(run_cells(cells, o, &runs, &not_started).is_ok());
  EXPECT_EQ(not_started, 0);
  ASSERT_EQ(runs.size(), 3u);
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].seed, i + 1);
    EXPECT_FALSE(runs[i].has_verdict);
    EXPECT_NE(runs[i].error.find("could not start: cannot create"), std::string::npos) << runs[i].error;
  }
}

}  // namespace
}  // namespace faultline
