// Replays the golden run directories in tests/histories/ (see its README.md)
// and compares each verdict with the directory's expected.json.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "checker/check_evidence.h"
#include "checker/checker_test_util.h"
#include "checker/final_state.h"
#include "core/history.h"

namespace faultline::testing {
namespace {

namespace fs = std::filesystem;

fs::path histories_dir() { return fs::path(FAULTLINE_SOURCE_DIR) / "tests" / "histories"; }

std::vector<fs::path> golden_run_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(histories_dir())) {
    if (fs::exists(e.path() / "expected.json")) dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// Goal: every golden run directory gets exactly its recorded verdict, exit
// code, per-property results and (for unknown) error; and the same verdict,
// byte for byte, when a 1-byte memory budget makes every table spill.
TEST(GoldenHistories, VerdictsMatchExpected) {
  std::vector<fs::path> dirs = golden_run_dirs();
  ASSERT_GE(dirs.size(), 3u) << "golden histories missing under " << histories_dir();
  for (const fs::path& dir : dirs) {
    SCOPED_TRACE(dir.filename().string());
    auto expected = nlohmann::json::parse(std::ifstream(dir / "expected.json"));
    Verdict v = check_run_dir(dir.string(), {});
    EXPECT_EQ(to_string(v.value), expected["verdict"].get<std::string>()) << v.error;
    EXPECT_EQ(verdict_exit_code(v), expected["exit_code"].get<int>());
    if (expected.contains("results")) {
      for (const auto& [id, result] : expected["results"].items()) {
        EXPECT_EQ(to_string(property(v, id).outcome), result.get<std::string>()) << id;
      }
    }
    CheckOptions tiny;
    tiny.memory_budget_bytes = 1;
    EXPECT_EQ(verdict_to_json(check_run_dir(dir.string(), tiny)), verdict_to_json(v));
    if (expected.contains("error_ends_with")) {
      std::string suffix = expected["error_ends_with"].get<std::string>();
      ASSERT_GE(v.error.size(), suffix.size()) << v.error;
      EXPECT_EQ(v.error.substr(v.error.size() - suffix.size()), suffix);
    }
  }
}

// The history of `dir` in memory; false when the file path would stop before
// the checker sees every op (an unreadable line, a truncated tail, a header of
// another seed), which the in-memory path has no counterpart for.
bool read_ops(const fs::path& dir, const Plan& plan, std::vector<HistoryOp>* ops) {
  std::unique_ptr<HistoryReader> reader;
  if (!HistoryReader::open((dir / "history.jsonl").string(), &reader) || reader->header().seed != plan.seed) return false;
  HistoryOp op;
  HistoryReader::Result r;
  while ((r = reader->next(&op)) == HistoryReader::Result::kOp) ops->push_back(op);
  return r == HistoryReader::Result::kEnd && !reader->truncated_tail();
}

// Goal: the in-memory path (check_evidence) gives every golden run directory
// whose history reads to its end the file path's verdict, byte for byte.
TEST(GoldenHistories, InMemoryPathMatchesFilePath) {
  int compared = 0;
  for (const fs::path& dir : golden_run_dirs()) {
    SCOPED_TRACE(dir.filename().string());
    Plan plan;
    std::vector<HistoryOp> ops;
    if (!read_plan_file((dir / "plan.json").string(), &plan) || !read_ops(dir, plan, &ops)) continue;
    FinalState final_state;
    Status final_status = FinalState::load(dir.string(), plan, &final_state);
    Evidence e{&plan, &ops, final_status ? &final_state : nullptr, final_status.message(), dir.string()};
    EXPECT_EQ(verdict_to_json(check_evidence(e, {})), verdict_to_json(check_run_dir(dir.string(), {})));
    ++compared;
  }
  EXPECT_GE(compared, 10);
}

// Goal: every golden run directory's whole verdict (witnesses, notes,
// errors) stays byte for byte the one recorded in
// checker/testdata/corpus_verdicts.txt before the checker's speed work
// (issue 19), by the file path and, for those it reads, the in-memory path.
TEST(GoldenHistories, VerdictsKeepTheirBytes) {
  VerdictSnapshot snapshot(fs::path(FAULTLINE_SOURCE_DIR) / "checker/testdata/corpus_verdicts.txt");
  for (const fs::path& dir : golden_run_dirs()) {
    std::string json = verdict_to_json(check_run_dir(dir.string(), {}));
    // Errors name files under the checkout, wherever it is.
    for (size_t at; (at = json.find(dir.string())) != std::string::npos;) json.replace(at, dir.string().size(), "<dir>");
    snapshot.check(dir.filename().string(), json);
  }
}

}  // namespace
}  // namespace faultline::testing
