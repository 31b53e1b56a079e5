// Exit codes of every faultline command (DESIGN.md, as Jepsen's): 0 valid,
// 1 invalid, 2 unknown (checker/checker.h verdict_exit_code), then these.
// A signal ends a command with 128 + the signal (harness/child_registry.h).
#pragma once

namespace faultline {

inline constexpr int kExitBadArguments = 254;
inline constexpr int kExitHarnessError = 255;

}  // namespace faultline
