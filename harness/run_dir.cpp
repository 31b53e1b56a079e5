#include "harness/run_dir.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace faultline {

namespace fs = std::filesystem;

std::string utc_time(const char* format) {
  time_t now = ::time(nullptr);
  tm utc{};
  ::gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &utc);
  return buf;
}

std::string utc_stamp() { return utc_time("%Y%m%dT%H%M%SZ"); }

// Atomically (symlink to a temporary name, then rename over), so a reader
// never finds it missing. Relative, so the runs folder can be moved or
// copied whole.
Status point_latest(const fs::path& out, const std::string& name) {
  std::error_code ec;
  fs::path tmp = out / (".latest." + std::to_string(::getpid()));
  fs::remove(tmp, ec);
  fs::create_directory_symlink(name, tmp, ec);
  if (!ec) fs::rename(tmp, out / "latest", ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::io("cannot update " + (out / "latest").string() + ": " + ec.message());
  }
  return Status::ok();
}

Status RunDir::create(const std::string& out_dir, uint64_t seed, RunDir* out) {
  std::error_code ec;
  fs::path base(out_dir);
  fs::create_directories(base, ec);
  if (ec) return Status::io("cannot create " + out_dir + ": " + ec.message());
  const std::string stem = utc_stamp() + "-seed" + std::to_string(seed);
  for (int attempt = 1; attempt <= kNameAttemptsMax; ++attempt) {
    std::string name = attempt == 1 ? stem : stem + "-" + std::to_string(attempt);
    fs::path dir = base / name;
    // create_directory is false when it already exists: another run took it.
    if (!fs::create_directory(dir, ec)) {
      if (ec) return Status::io("cannot create " + dir.string() + ": " + ec.message());
      continue;
    }
    fs::create_directory(dir / "final", ec);
    if (ec) return Status::io("cannot create " + (dir / "final").string() + ": " + ec.message());
    out->path_ = dir.string();
    return point_latest(base, name);
  }
  return Status::io("no free run directory name for " + stem + " in " + out_dir);
}

}  // namespace faultline
