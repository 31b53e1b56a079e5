// Goal: simulate_and_check gives the verdict `faultline sim` gives for the
// same plan (the checker over the run directory), leaves nothing behind
// unless asked to keep the run directory, and gives the same verdicts when
// plans run on several threads at once.
#include "sim/sim_check.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "checker/staleness.h"
#include "core/file_io.h"
#include "core/test_util.h"
#include "generators/plan_gen.h"

namespace faultline {
namespace {
using test::TempDir;
using test::test_seed;

Plan short_plan(uint64_t seed) {
  Plan plan;
  EXPECT_TRUE(plan_from_seed(seed, PlanPins{}, &plan));
  plan.workload.duration_ms = std::min<int64_t>(plan.workload.duration_ms, 4000);
  plan.faults.clear();
  return plan;
}

TEST(SimCheck, KeptRunDirectoryHoldsTheSameVerdictTheCheckerGivesIt) {
  const Plan plan = short_plan(test_seed());
  TempDir dir;
  SimCheckOptions options;
  options.keep_dir = dir.file("run");
  options.trace = true;
  SimCheckResult result;
  ASSERT_TRUE(simulate_and_check(plan, options, &result));
  EXPECT_GT(result.summary.operations, 0);
  std::string written;
  ASSERT_TRUE(read_file(dir.file("run/verdict.json"), &written));
  EXPECT_EQ(written, verdict_to_json(result.verdict));
  EXPECT_EQ(verdict_to_json(check_run_dir(dir.file("run"), CheckOptions{})), verdict_to_json(result.verdict));
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/trace.txt")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/plan.json")));
  StalenessSummary staleness;
  EXPECT_TRUE(read_staleness_file(dir.file("run"), &staleness)) << "a kept run holds staleness.json";
}

TEST(SimCheck, LeavesNothingOnDiskUnlessKept) {
  TempDir tmp;
  const char* old = ::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", tmp.path().c_str(), 1);
  SimCheckResult result;
  const Status s = simulate_and_check(short_plan(test_seed()), SimCheckOptions{}, &result);
  if (old) ::setenv("TMPDIR", saved.c_str(), 1);
  else ::unsetenv("TMPDIR");
  ASSERT_TRUE(s) << s.message();
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
  EXPECT_GT(result.verdict.operations, 0);
}

TEST(SimCheck, PlansOnSeveralThreadsGiveTheVerdictsTheyGiveAlone) {
  const uint64_t base = test_seed();
  constexpr int kPlans = 4;
  std::vector<std::string> alone(kPlans), together(kPlans);
  for (int i = 0; i < kPlans; ++i) {
    SimCheckResult r;
    ASSERT_TRUE(simulate_and_check(short_plan(base + i), SimCheckOptions{}, &r));
    alone[i] = verdict_to_json(r.verdict);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < kPlans; ++i) {
    threads.emplace_back([&, i] {
      SimCheckResult r;
      if (simulate_and_check(short_plan(base + i), SimCheckOptions{}, &r)) together[i] = verdict_to_json(r.verdict);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kPlans; ++i) EXPECT_EQ(alone[i], together[i]) << "plan of seed " << base + i;
}

// Every occurrence of `from` in s replaced by `to`.
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// Goal: the in-memory path (history, dumps and events handed to the checker
// without files) gives the verdict the checker gives the written run
// directory, byte for byte once the run directory's paths are taken out of
// the witnesses ("<dir>/history.jsonl:N" is "history:N" in memory), on plans
// with their drawn faults, clean and with a seeded bug.
TEST(SimCheck, InMemoryVerdictIsTheRunDirectorysVerdict) {
  const uint64_t base = test_seed();
  for (int i = 0; i < 6; ++i) {
    Plan plan;
    ASSERT_TRUE(plan_from_seed(base + i, PlanPins{}, &plan));
    plan.workload.duration_ms = std::min<int64_t>(plan.workload.duration_ms, 6000);
    if (i % 2 == 1) plan.bugs = {i % 4 == 1 ? "merkle-leaf-off-by-one" : "sloppy-fallback-counts-primary"};
    TempDir dir;
    SimCheckOptions kept;
    kept.keep_dir = dir.file("run");
    SimCheckResult on_disk, in_memory;
    ASSERT_TRUE(simulate_and_check(plan, kept, &on_disk));
    ASSERT_TRUE(simulate_and_check(plan, SimCheckOptions{}, &in_memory));
    EXPECT_EQ(in_memory.summary.operations, on_disk.summary.operations);
    std::string disk_json = verdict_to_json(on_disk.verdict);
    disk_json = replaced(disk_json, kept.keep_dir + "/history.jsonl", "history");
    disk_json = replaced(disk_json, kept.keep_dir + "/", "");
    EXPECT_EQ(verdict_to_json(in_memory.verdict), disk_json)
        << "plan of seed " << base + i << "; replay: FAULTLINE_TEST_SEED=" << base
        << " build/bin/sim_test --gtest_filter=SimCheck.InMemory*";
  }
}

}  // namespace
}  // namespace faultline
