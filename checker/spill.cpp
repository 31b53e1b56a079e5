#include "checker/spill.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace faultline {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  throw std::runtime_error(what + " " + path + ": " + (err != 0 ? std::strerror(err) : "short read or write"));
}

}  // namespace

ValueHash value_hash(std::string_view value) {
  uint64_t h2 = 1469598103934665603ull;  // FNV-1a 64: independent of std::hash
  for (unsigned char ch : value) h2 = (h2 ^ ch) * 1099511628211ull;
  return ValueHash{std::hash<std::string_view>{}(value), h2};
}

SpillDir::~SpillDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // best effort: a destructor cannot report
}

std::string SpillDir::new_file(std::string_view tag) {
  if (path_.empty()) {
    std::string parent = parent_;
    if (parent.empty()) {
      std::error_code ec;
      parent = std::filesystem::temp_directory_path(ec).string();
      if (ec) throw std::runtime_error("cannot find a temporary directory ($TMPDIR): " + ec.message());
    }
    std::string templ = parent + "/faultline-check-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) fail("cannot create spill directory", templ, errno);
    path_ = templ;
  }
  return path_ + "/" + std::string(tag) + "-" + std::to_string(files_created_++);
}

SpillWriter::SpillWriter(std::string path, bool append) : path_(std::move(path)) {
  f_ = std::fopen(path_.c_str(), append ? "ab" : "wb");
  if (f_ == nullptr) fail("cannot create spill file", path_, errno);
}

SpillWriter::~SpillWriter() {
  if (f_ != nullptr) std::fclose(f_);
}

void SpillWriter::write(const void* data, size_t bytes) {
  if (bytes == 0) return;
  if (std::fwrite(data, 1, bytes, f_) != bytes) fail("cannot write spill file", path_, errno);
}

void SpillWriter::close() {
  FILE* f = f_;
  f_ = nullptr;
  if (std::fflush(f) != 0 || std::ferror(f)) {
    int err = errno;
    std::fclose(f);
    fail("cannot write spill file", path_, err);
  }
  if (std::fclose(f) != 0) fail("cannot close spill file", path_, errno);
}

SpillReader::SpillReader(std::string path) : path_(std::move(path)) {
  f_ = std::fopen(path_.c_str(), "rb");
  if (f_ == nullptr) fail("cannot open spill file", path_, errno);
}

SpillReader::~SpillReader() { std::fclose(f_); }

size_t SpillReader::read(void* data, size_t bytes) {
  size_t n = std::fread(data, 1, bytes, f_);
  if (n < bytes && std::ferror(f_)) fail("cannot read spill file", path_, errno);
  return n;
}

void SpillReader::pread(uint64_t offset, void* data, size_t bytes) {
  if (std::fseek(f_, static_cast<long>(offset), SEEK_SET) != 0) fail("cannot seek spill file", path_, errno);
  errno = 0;
  if (std::fread(data, 1, bytes, f_) != bytes) fail("cannot read spill file", path_, errno);
}

ValueLog::Ref ValueLog::append(std::string_view s) {
  if (s.size() > UINT32_MAX) throw std::runtime_error("value longer than 4 GiB");
  size_t needed = memory_.size() + s.size();
  if (needed > budget_bytes_ && !memory_.empty()) {
    spill();
    needed = s.size();
  }
  // Grow geometrically but never past the budget (or this one value).
  if (needed > memory_.capacity()) memory_.reserve(std::max(needed, std::min(2 * memory_.capacity(), budget_bytes_)));
  Ref r{spilled_bytes_ + memory_.size(), static_cast<uint32_t>(s.size())};
  memory_.append(s);
  return r;
}

void ValueLog::spill() {
  if (path_.empty()) path_ = dir_->new_file(tag_ + "-values");
  SpillWriter out(path_, /*append=*/true);
  out.write(memory_.data(), memory_.size());
  out.close();
  spilled_bytes_ += memory_.size();
  memory_.clear();
  reader_.reset();  // reopened on demand, so it sees the bytes just written
}

std::string ValueLog::get(Ref r) {
  std::string out(r.size, '\0');
  if (r.offset >= spilled_bytes_) {
    out.assign(memory_, r.offset - spilled_bytes_, r.size);
    return out;
  }
  if (!reader_) reader_ = std::make_unique<SpillReader>(path_);
  reader_->pread(r.offset, out.data(), r.size);
  return out;
}

}  // namespace faultline
