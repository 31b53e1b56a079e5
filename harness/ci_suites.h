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
//   smoke  38 swarm seeds chosen by scripts/smoke_select.py from a survey
//          of seeds 1..200 in the simulator (`survey 1-200`, then `select
//          --runs 44 --bug-runs 5 --property-runs 10`): every seed valid on
//          the clean node; greedily, per second of workload, each seeded bug
//          of core/bugs.h caught by 5 chosen seeds (where the survey offers
//          that many), each property guaranteed in 10, and every fault kind
//          and composition, key distribution, recent reads on and off,
//          value class, routing, read repair, quorum, hinted handoff,
//          anti-entropy and gc_grace class in 2. The node mutants of
//          tests/mutants/ played no part (they measure the suite). About 2.5
//          minutes on 2 cores. Version 4: the same 38 seeds, whose plans now
//          also draw the disk fault where its own stream gives one (14 of
//          them); not reselected. Version 5: the same 38 seeds; seed 82's
//          plan also draws all-replicas-down (generators/plan_gen.h); not
//          reselected either (docs/ci.md).
//   full   the smoke seeds, the other seeds of 1..40 (kCiFullSwarmSeeds), and
//          every audit row once.
//   tiny   hidden: one short run, for tests/ci_test.cpp
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace faultline {

inline constexpr int kCiSuitesVersion = 5;

// The config of a swarm-drawn entry.
inline constexpr std::string_view kCiSwarm = "swarm";

struct CiEntry {
  std::string_view config;  // kCiSwarm or an audit row name
  uint64_t seed;
  int64_t duration_ms;      // audit rows only; 0: the row's own workload duration
};

inline constexpr CiEntry kCiSmoke[] = {
    {kCiSwarm, 4, 0}, {kCiSwarm, 15, 0}, {kCiSwarm, 19, 0}, {kCiSwarm, 20, 0}, {kCiSwarm, 25, 0},
    {kCiSwarm, 29, 0}, {kCiSwarm, 30, 0}, {kCiSwarm, 31, 0}, {kCiSwarm, 35, 0}, {kCiSwarm, 38, 0},
    {kCiSwarm, 40, 0}, {kCiSwarm, 42, 0}, {kCiSwarm, 45, 0}, {kCiSwarm, 48, 0}, {kCiSwarm, 53, 0},
    {kCiSwarm, 57, 0}, {kCiSwarm, 59, 0}, {kCiSwarm, 67, 0}, {kCiSwarm, 76, 0}, {kCiSwarm, 79, 0},
    {kCiSwarm, 82, 0}, {kCiSwarm, 90, 0}, {kCiSwarm, 91, 0}, {kCiSwarm, 95, 0}, {kCiSwarm, 97, 0},
    {kCiSwarm, 105, 0}, {kCiSwarm, 113, 0}, {kCiSwarm, 136, 0}, {kCiSwarm, 140, 0}, {kCiSwarm, 148, 0},
    {kCiSwarm, 155, 0}, {kCiSwarm, 161, 0}, {kCiSwarm, 163, 0}, {kCiSwarm, 167, 0}, {kCiSwarm, 172, 0},
    {kCiSwarm, 174, 0}, {kCiSwarm, 191, 0}, {kCiSwarm, 198, 0},
};

inline constexpr CiEntry kCiTiny[] = {
    {"blocking-quorum-ae", 1, 3000},
};

// The full suite: the smoke entries, these swarm seeds, and every audit row
// with kCiFullAuditSeed (built in cli/ci.cpp, so a new row joins it without
// editing this list twice).
inline constexpr uint64_t kCiFullSwarmSeeds[] = {1,  2,  3,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 16, 17,
                                                 18, 21, 22, 23, 24, 26, 27, 28, 32, 33, 34, 36, 37, 39};
inline constexpr uint64_t kCiFullAuditSeed = 1;

}  // namespace faultline
