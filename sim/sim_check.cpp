#include "sim/sim_check.h"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

#include "checker/staleness.h"

namespace faultline {

namespace {

// A directory under $TMPDIR removed when this ends, or the kept one.
class ScratchDir {
 public:
  static Status make(const std::string& keep, ScratchDir* out) {
    if (!keep.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(keep, ec);
      if (ec) return Status::io("cannot create " + keep + ": " + ec.message());
      out->path_ = keep;
      return Status::ok();
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "faultline-sim-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return Status::io("cannot create a directory like " + tmpl);
    out->path_ = tmpl;
    out->remove_ = true;
    return Status::ok();
  }
  ScratchDir() = default;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (!remove_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool remove_ = false;
};

}  // namespace

Status simulate_and_check(const Plan& plan, const SimCheckOptions& options, SimCheckResult* out) {
  ScratchDir dir;
  if (Status s = ScratchDir::make(options.keep_dir, &dir); !s) return s;
  if (Status s = write_plan_file(dir.path() + "/plan.json", plan); !s) return s;
  const bool trace = options.trace && !options.keep_dir.empty();
  if (Status s = simulate_plan(plan, dir.path(), trace, &out->summary); !s) return s;
  out->verdict = check_run_dir(dir.path(), options.check);
  if (options.keep_dir.empty()) return Status::ok();
  if (Status s = write_verdict(dir.path(), out->verdict); !s) return s;
  return write_staleness_file(dir.path());
}

}  // namespace faultline
