#include "faults/clock_skew.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "core/file_io.h"

namespace faultline {

Status check_faketime_available() {
  if (::access(kFaketimeLibPath, R_OK) != 0) {
    return Status::not_found(std::string("clock faults need libfaketime: ") + kFaketimeLibPath +
                             " is missing (apt-get install libfaketime)");
  }
  return Status::ok();
}

std::vector<std::pair<std::string, std::string>> faketime_env(const std::string& control_path) {
  return {{"LD_PRELOAD", kFaketimeLibPath},
          {"FAKETIME_TIMESTAMP_FILE", control_path},
          {"FAKETIME_NO_CACHE", "1"},
          {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}};
}

std::string faketime_offset_text(int64_t offset_ms) {
  const int64_t magnitude = std::llabs(offset_ms);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%c%lld.%03lld", offset_ms < 0 ? '-' : '+', static_cast<long long>(magnitude / 1000),
                static_cast<long long>(magnitude % 1000));
  return buf;
}

// Atomically: libfaketime may read the file at any clock call.
Status write_clock_offset(const std::string& control_path, int64_t offset_ms) {
  return write_file_atomic(control_path, faketime_offset_text(offset_ms) + "\n");
}

}  // namespace faultline
