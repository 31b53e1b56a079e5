// Tests of the checker's external memory (checker/spill.h) and of checking
// run directories within a tiny memory budget.
#include "checker/spill.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "checker/checker_test_util.h"
#include "core/test_util.h"

namespace faultline::testing {
namespace {

namespace fs = std::filesystem;

struct Rec {
  uint64_t key;
  int64_t seq;
};
struct RecLess {
  bool operator()(const Rec& a, const Rec& b) const { return a.key != b.key ? a.key < b.key : a.seq < b.seq; }
};

// Goal: the sorter's output equals std::sort's, also when it needs several
// merge passes (more than kMergeFanInMax runs), and its run files are
// removed once drained.
TEST(ExternalSorter, SortsAcrossManyRunsAndCleansUp) {
  std::mt19937_64 rng(test::test_seed());
  test::TempDir parent;
  auto dir = std::make_shared<SpillDir>(parent.path());
  auto owned = std::make_unique<ExternalSorter<Rec, RecLess>>(dir, 1, "t");  // kChunkRecordsMin records per run
  auto& sorter = *owned;
  std::vector<Rec> expected;
  for (int64_t i = 0; i < 5000; ++i) {
    Rec r{rng() % 300, i};  // many equal keys: seq breaks ties
    sorter.add(r);
    expected.push_back(r);
  }
  EXPECT_GT(sorter.runs(), kMergeFanInMax * kMergeFanInMax);
  std::sort(expected.begin(), expected.end(), RecLess{});
  std::vector<Rec> got;
  sorter.drain([&](const Rec& r) { got.push_back(r); });
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].key, expected[i].key) << i;
    ASSERT_EQ(got[i].seq, expected[i].seq) << i;
  }
  int64_t left = std::distance(fs::recursive_directory_iterator(parent.path()), fs::recursive_directory_iterator());
  EXPECT_EQ(left, 1) << "only the (empty) spill directory remains until its owner lets go";
  owned.reset();
  dir.reset();
  EXPECT_TRUE(fs::is_empty(parent.path()));
}

// Goal: a value log returns what was appended, from memory or from its file.
TEST(ValueLog, ReturnsSpilledAndBufferedValues) {
  test::TempDir parent;
  auto dir = std::make_shared<SpillDir>(parent.path());
  ValueLog log(dir, 10, "v");
  std::vector<std::pair<ValueLog::Ref, std::string>> refs;
  for (int i = 0; i < 50; ++i) {
    std::string v = "value-" + std::to_string(i);
    refs.emplace_back(log.append(v), v);
    if (i % 7 == 0) {  // reading back between appends
      const auto& [ref, value] = refs[static_cast<size_t>(i / 2)];
      EXPECT_EQ(log.get(ref), value);
    }
  }
  for (const auto& [ref, v] : refs) EXPECT_EQ(log.get(ref), v);
  EXPECT_GT(dir->files_created(), 0);
}

// A long history with a value written twice near its end.
std::vector<HistoryOp> long_history_with_duplicate(int64_t writes) {
  HistoryBuilder h;
  for (int64_t i = 0; i < writes; ++i) h.acked_write(1 + i % 4, "k" + std::to_string(i % 7), "v" + std::to_string(i), V(i + 1));
  h.write(9, "k0", "v17");
  return h.ops();
}

// Goal: a value written twice is malformed, and the error names the file and
// the line of the second write, whether the uniqueness check spilled or not.
TEST(CheckRunDir, DuplicateValueNamesLineWithAndWithoutSpilling) {
  fs::path dir = temp_run_dir();
  write_run_dir(dir, strong_plan(), long_history_with_duplicate(2000), {dump("n1", {})});
  test::TempDir parent;
  CheckOptions in_memory;
  in_memory.spill_parent = parent.path();
  CheckOptions tiny = in_memory;
  tiny.memory_budget_bytes = 1024;
  Verdict a = check_run_dir(dir.string(), in_memory);
  Verdict b = check_run_dir(dir.string(), tiny);
  EXPECT_EQ(a.value, VerdictValue::kUnknown);
  // Line 1 is the header; the second write of v17 is op 4000, on line 4002.
  std::string suffix = "history.jsonl:4002: value 'v17' written at index 4000 was already written at index 34 "
                       "(written values are unique)";
  ASSERT_GE(a.error.size(), suffix.size()) << a.error;
  EXPECT_EQ(a.error.substr(a.error.size() - suffix.size()), suffix);
  EXPECT_EQ(verdict_to_json(a), verdict_to_json(b));
  EXPECT_EQ(a.spill_files, 0);
  EXPECT_GT(b.spill_files, 0);
  EXPECT_TRUE(fs::is_empty(parent.path()));
}

// Goal: when spill files cannot be created the verdict is unknown and the
// error names the place; a check that fits its budget never touches it.
TEST(CheckRunDir, UnwritableSpillDirectoryGivesUnknown) {
  fs::path dir = temp_run_dir();
  HistoryBuilder h;
  for (int64_t i = 0; i < 100; ++i) h.acked_write(1, "k", "v" + std::to_string(i), V(i + 1));
  h.quiesced();
  const Record last = rec("k", "v99", V(100));
  write_run_dir(dir, strong_plan(), h.ops(), {dump("n1", {last}), dump("n2", {last}), dump("n3", {last})});
  test::TempDir parent;
  std::string file = parent.path() + "/not-a-directory";
  std::ofstream(file) << "x";
  CheckOptions opts;
  opts.properties = {"valid-values", "no-lost-writes"};  // the others need node events
  opts.spill_parent = file;
  Verdict fits = check_run_dir(dir.string(), opts);
  EXPECT_EQ(fits.value, VerdictValue::kValid) << verdict_to_json(fits);
  opts.memory_budget_bytes = 1;
  Verdict v = check_run_dir(dir.string(), opts);
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_NE(v.error.find("cannot create spill directory " + file + "/faultline-check-"), std::string::npos) << v.error;
}

}  // namespace
}  // namespace faultline::testing
