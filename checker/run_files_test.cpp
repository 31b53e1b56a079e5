// check_run_files (in memory) against check_run_dir (files) on the same run:
// the seed corpus of the check_fuzz target (fuzz/corpus/check_fuzz, each
// input split into a run directory's files by fuzz/check_input.h) and edits
// of it that stop the history early, so the fuzz target's in-memory oracle
// judges what `faultline check` would.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "checker/checker_test_util.h"
#include "checker/run_files.h"
#include "fuzz/check_input.h"

namespace faultline::testing {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_files(const fs::path& dir, const RunFiles& files) {
  for (const auto& [name, text] : files) {
    fs::create_directories((dir / name).parent_path());
    std::ofstream(dir / name, std::ios::binary) << text;
  }
}

// Both paths over `files`: the same value, and per property the same outcome
// and violation count.
VerdictValue expect_same_verdict(const RunFiles& files, const std::string& what) {
  const fs::path dir = temp_run_dir();
  write_files(dir, files);
  const Verdict on_disk = check_run_dir(dir.string(), {});
  const Verdict in_memory = check_run_files(files, {});
  EXPECT_EQ(to_string(in_memory.value), to_string(on_disk.value)) << what << ": " << in_memory.error << " | " << on_disk.error;
  EXPECT_EQ(in_memory.error.empty(), on_disk.error.empty()) << what;
  EXPECT_EQ(in_memory.operations, on_disk.operations) << what;
  EXPECT_EQ(in_memory.properties.size(), on_disk.properties.size()) << what;
  for (size_t i = 0; i < std::min(on_disk.properties.size(), in_memory.properties.size()); ++i) {
    const PropertyResult& a = in_memory.properties[i];
    const PropertyResult& b = on_disk.properties[i];
    EXPECT_EQ(a.id, b.id) << what;
    EXPECT_EQ(to_string(a.outcome), to_string(b.outcome)) << what << ": " << a.id << ": " << a.note << " | " << b.note;
    EXPECT_EQ(a.violations, b.violations) << what << ": " << a.id;
  }
  fs::remove_all(dir);
  return on_disk.value;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(fs::path(FAULTLINE_SOURCE_DIR) / "fuzz" / "corpus" / "check_fuzz")) {
    inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

// Goal: every seed input of check_fuzz gets the same verdict in memory as
// from its run directory (valid, invalid and unknown ones alike).
TEST(CheckRunFiles, SeedCorpusSameVerdictAsRunDir) {
  const std::vector<fs::path> inputs = corpus();
  ASSERT_GE(inputs.size(), 10u);
  std::set<std::string_view> values;
  for (const fs::path& p : inputs) {
    values.insert(to_string(expect_same_verdict(fuzz::split_check_input(slurp(p)), p.filename().string())));
  }
  EXPECT_EQ(values, (std::set<std::string_view>{"valid", "invalid", "unknown"}));  // the corpus has each
}

// Goal: a history cut mid-line (the harness crashed), cut after its header,
// with a line made malformed, from another seed, or missing, and a missing
// final dump or plan, are judged alike on both paths.
TEST(CheckRunFiles, DamagedRunsSameVerdictAsRunDir) {
  for (const fs::path& p : corpus()) {
    const RunFiles files = fuzz::split_check_input(slurp(p));
    if (!files.count("history.jsonl")) continue;
    const std::string& history = files.at("history.jsonl");
    const std::string name = p.filename().string();
    RunFiles cut = files;
    cut["history.jsonl"] = history.substr(0, history.size() * 2 / 3);
    expect_same_verdict(cut, name + " cut mid-line");
    RunFiles header_only = files;
    header_only["history.jsonl"] = history.substr(0, history.find('\n') + 1);
    expect_same_verdict(header_only, name + " header only");
    RunFiles malformed = files;
    const size_t third_line = history.find('\n', history.find('\n') + 1);
    if (third_line != std::string::npos) {
      malformed["history.jsonl"].insert(third_line + 1, "{not json}\n");
      expect_same_verdict(malformed, name + " malformed line");
    }
    RunFiles other_seed = files;
    const size_t seed_at = history.find("\"seed\":");
    if (seed_at != std::string::npos) {
      other_seed["history.jsonl"].insert(seed_at + 7, "9");
      expect_same_verdict(other_seed, name + " other seed");
    }
    RunFiles no_history = files, no_final = files, no_plan = files;
    no_history.erase("history.jsonl");
    no_final.erase("final/n1.json");
    no_plan.erase("plan.json");
    expect_same_verdict(no_history, name + " no history");
    expect_same_verdict(no_final, name + " no final/n1.json");
    expect_same_verdict(no_plan, name + " no plan");
  }
}

}  // namespace
}  // namespace faultline::testing
