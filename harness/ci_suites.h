// The fixed, versioned lists of runs `faultline ci` makes.
// An entry names either kCiSwarm and a seed, meaning the plan
// `faultline run --seed N` draws (generators/plan_gen.h: the swarm of fault
// compositions, workload shapes, value sizes, routings and modes), or a
// configuration of the audit matrix (harness/audit_matrix.h audit_rows) and a
// seed for the workload's choices. Changing an entry, or the generators in a
// way that changes what a seed draws, changes what CI gates on: bump
// kCiSuitesVersion, so junit.xml and the logs say which list a result came
// from. docs/ci.md shows what each suite exercises and how it was chosen.
//
//   smoke  44 swarm seeds picked greedily from seeds 1..400 for breadth:
//          every guaranteed property guaranteed in several runs (at least 8),
//          every fault composition and kind, every routing, key
//          distribution, value-size class, read repair and quorum mode,
//          short and long gc_grace; short workloads first. Each seed was
//          valid in the simulator and, repeatedly, on real processes. About
//          2 minutes on 2 cores.
//   full   the smoke seeds, the other seeds of 1..40 (kCiFullSwarmSeeds), and
//          every audit row once.
//   tiny   hidden: one short run, for tests/ci_test.cpp
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace faultline {

inline constexpr int kCiSuitesVersion = 2;

// The config of a swarm-drawn entry.
inline constexpr std::string_view kCiSwarm = "swarm";

struct CiEntry {
  std::string_view config;  // kCiSwarm or an audit row name
  uint64_t seed;
  int64_t duration_ms;      // audit rows only; 0: the row's own workload duration
};

inline constexpr CiEntry kCiSmoke[] = {
    {kCiSwarm, 24, 0}, {kCiSwarm, 25, 0}, {kCiSwarm, 31, 0}, {kCiSwarm, 38, 0}, {kCiSwarm, 59, 0},
    {kCiSwarm, 67, 0}, {kCiSwarm, 74, 0}, {kCiSwarm, 79, 0}, {kCiSwarm, 97, 0}, {kCiSwarm, 98, 0},
    {kCiSwarm, 104, 0}, {kCiSwarm, 105, 0}, {kCiSwarm, 111, 0}, {kCiSwarm, 163, 0}, {kCiSwarm, 175, 0},
    {kCiSwarm, 178, 0}, {kCiSwarm, 195, 0}, {kCiSwarm, 198, 0}, {kCiSwarm, 209, 0}, {kCiSwarm, 211, 0},
    {kCiSwarm, 236, 0}, {kCiSwarm, 241, 0}, {kCiSwarm, 248, 0}, {kCiSwarm, 256, 0}, {kCiSwarm, 271, 0},
    {kCiSwarm, 278, 0}, {kCiSwarm, 279, 0}, {kCiSwarm, 292, 0}, {kCiSwarm, 295, 0}, {kCiSwarm, 301, 0},
    {kCiSwarm, 308, 0}, {kCiSwarm, 316, 0}, {kCiSwarm, 325, 0}, {kCiSwarm, 340, 0}, {kCiSwarm, 356, 0},
    {kCiSwarm, 358, 0}, {kCiSwarm, 360, 0}, {kCiSwarm, 375, 0}, {kCiSwarm, 378, 0}, {kCiSwarm, 380, 0},
    {kCiSwarm, 390, 0}, {kCiSwarm, 391, 0}, {kCiSwarm, 395, 0}, {kCiSwarm, 399, 0},
};

inline constexpr CiEntry kCiTiny[] = {
    {"blocking-quorum-ae", 1, 3000},
};

// The full suite: the smoke entries, these swarm seeds, and every audit row
// with kCiFullAuditSeed (built in cli/ci.cpp, so a new row joins it without
// editing this list twice).
inline constexpr uint64_t kCiFullSwarmSeeds[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                                 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 26,
                                                 27, 28, 29, 30, 32, 33, 34, 35, 36, 37, 39, 40};
inline constexpr uint64_t kCiFullAuditSeed = 1;

}  // namespace faultline
