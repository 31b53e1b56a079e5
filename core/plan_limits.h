// The bounds validate_plan (core/plan.h) enforces on a plan's numbers; the
// command line checks its options against the same ones, and the workload
// relies on them to pace without overflow.
#pragma once

#include <cstdint>

namespace faultline {

// Each is far beyond any useful run; past it a value is a
// typo or an overflow waiting to happen (a week of workload in milliseconds
// plus a clock reading still fits in int64 nanoseconds).
inline constexpr double kWorkloadRateMin = 0.001;        // operations per second
inline constexpr double kWorkloadRateMax = 1000000;
inline constexpr int64_t kWorkloadDurationMsMax = int64_t{7} * 24 * 3600 * 1000;  // also fault start and length
inline constexpr int64_t kRequestTimeoutMsMax = 10 * 60 * 1000;
inline constexpr int64_t kAntiEntropyIntervalMsMin = 10;
inline constexpr int64_t kAntiEntropyIntervalMsMax = 3600 * 1000;
inline constexpr int64_t kModeWindowMsMax = int64_t{7} * 24 * 3600 * 1000;  // gc_grace_ms, hint_window_ms
inline constexpr int kPlanNodesMax = 64;
inline constexpr int64_t kProbeRoundsMax = 10000000;  // probe.rounds
// probe.writes_per_key: the staleness meter tracks this many versions per key.
inline constexpr int kProbeWritesPerKeyMax = 64;
inline constexpr int kProbeReadsPerKeyMax = 64;  // probe.reads_per_key

}  // namespace faultline
