// Clock skew through libfaketime: every node of a cluster with clock faults
// runs with libfaketime preloaded and its own control file. The file holds
// the realtime offset in seconds ("+2.000", "-1.500", "+0.000"); libfaketime
// re-reads it on every call (FAKETIME_NO_CACHE=1), so a change takes effect
// at once, while the node runs. CLOCK_MONOTONIC is left real
// (FAKETIME_DONT_FAKE_MONOTONIC=1): timeouts, and the `time` of events,
// stay comparable with the harness.
//
// Writes are atomic (write a temporary file, rename), so a node never reads
// a half-written offset.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace faultline {

inline constexpr const char* kFaketimeLibPath = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

// not_found, naming the package, when libfaketime is not installed.
Status check_faketime_available();

// The environment variables a node needs (LD_PRELOAD and the FAKETIME_*).
std::vector<std::pair<std::string, std::string>> faketime_env(const std::string& control_path);

// "+2.000" for 2000 ms: the text libfaketime reads as an offset in seconds.
std::string faketime_offset_text(int64_t offset_ms);

Status write_clock_offset(const std::string& control_path, int64_t offset_ms);

}  // namespace faultline
