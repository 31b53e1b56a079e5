// RunDir: one run's directory, the contract between harness, checker and
// reports (DESIGN.md "Run directory"):
//   <out>/<UTC YYYYmmddTHHMMSSZ>-seed<N>/   with <out>/latest pointing at it.
// Only paths and creation live here; what goes into each file is the job of
// its writer (plan.h, history.h, cluster.h, the checker).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace faultline {

// The current UTC time through strftime's `format`.
std::string utc_time(const char* format);
// "20261122T054000Z": run directory names and default output directories.
std::string utc_stamp();

// Points <out_dir>/latest at <out_dir>/<name> (callers that delete runs,
// like shrink, repoint it at one they keep).
Status point_latest(const std::filesystem::path& out_dir, const std::string& name);

class RunDir {
 public:
  // Two runs of one seed in the same second get "-2", "-3", ... suffixes.
  static constexpr int kNameAttemptsMax = 100;

  // Creates the directory (and final/) and repoints <out_dir>/latest.
  static Status create(const std::string& out_dir, uint64_t seed, RunDir* out);

  const std::string& path() const { return path_; }
  std::string plan_path() const { return path_ + "/plan.json"; }
  std::string history_path() const { return path_ + "/history.jsonl"; }
  std::string final_dir() const { return path_ + "/final"; }
  std::string final_path(const std::string& node) const { return final_dir() + "/" + node + ".json"; }

 private:
  std::string path_;
};

}  // namespace faultline
