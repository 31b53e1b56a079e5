// The fixed, versioned lists of runs `faultline ci` makes.
// Each entry names a configuration of the audit matrix (harness/audit_matrix.h
// audit_rows) and a seed; the seed drives the workload's choices, the row
// fixes cluster, modes, workload shape and fault schedule. Changing an entry
// changes what CI gates on: bump kCiSuitesVersion, so junit.xml and the logs
// say which list a result came from.
//
//   smoke  20 runs, about 90 s on 2 cores (must stay under 5 minutes): the
//          guaranteeing configurations under partition, kill, pause and
//          wipe, plus one run of each row that allows an anomaly (reported,
//          never failing). The sloppy
//          row is the one without hints: sloppy-hints-quorum trips a
//          hint-replay mismatch between node and checker in about one run
//          in six (docs/audit.md "Findings"), which belongs in the audit and
//          the full suite, not in a flaky merge gate.
//   full   every configuration, three seeds each
//   tiny   hidden: one short run, for tests/ci_test.cpp
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace faultline {

inline constexpr int kCiSuitesVersion = 1;

struct CiEntry {
  std::string_view config;  // an audit row name
  uint64_t seed;
  int64_t duration_ms;      // 0: the row's own workload duration
};

inline constexpr CiEntry kCiSmoke[] = {
    // Guaranteeing configurations: every property must hold.
    {"blocking-quorum-ae", 1, 0},
    {"blocking-quorum-ae", 2, 0},
    {"blocking-quorum-ae", 3, 0},
    {"blocking-quorum-ae", 4, 0},
    {"blocking-digest-quorum-ae", 1, 0},
    {"blocking-digest-quorum-ae", 2, 0},
    {"hints-off-quorum-ae", 1, 0},
    {"hints-off-quorum-ae", 2, 0},
    {"rr-none-quorum-ae", 1, 0},
    {"rr-none-quorum-ae", 2, 0},
    {"read-one-write-all", 1, 0},
    {"read-one-write-all", 2, 0},
    {"wipe-ae-on", 1, 0},
    {"wipe-ae-on", 2, 0},
    // Configurations that allow anomalies: reported, never failing.
    {"rr-async-one", 1, 0},
    {"rr-none-one", 1, 0},
    {"sloppy-no-hints-quorum", 1, 0},
    {"clock-skew-one", 1, 0},
    {"wipe-ae-off", 1, 0},
    {"wipe-write-one", 1, 0},
};

inline constexpr CiEntry kCiTiny[] = {
    {"blocking-quorum-ae", 1, 3000},
};

// The full suite is every audit row with these seeds (built in cli/ci.cpp, so a
// new row joins it without editing this list twice).
inline constexpr uint64_t kCiFullSeeds[] = {1, 2, 3};

}  // namespace faultline
