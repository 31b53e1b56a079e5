#include "core/file_io.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace faultline {

namespace fs = std::filesystem;

Status read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::io("cannot read " + path);
  *out = std::move(text).str();
  return Status::ok();
}

Status write_file_atomic(const std::string& path, std::string_view text, bool create_parent) {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  const fs::path target(path);
  if (create_parent && target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Status::io("cannot create " + target.parent_path().string() + ": " + ec.message());
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!out) return Status::io("cannot create " + tmp);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      return Status::io("cannot write " + tmp);
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return Status::io("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
  return Status::ok();
}

}  // namespace faultline
