// Exploring in the simulator (`faultline explore`): plans drawn from
// consecutive seeds by the swarm generators (the plan `faultline sim --seed
// N` and `run --seed N` draw, plus any --bug), simulated and checked
// (sim/sim_check.h) on `jobs` threads until one violates a guaranteed
// property or the budget is spent; then the failing plan is shrunk in the
// simulator (harness/shrink.h with the simulator as its runner) and, with
// `confirm`, the smallest plan is replayed on real processes.
//
// Seeds: the index-th plan explored has seed seed_base + index; with
// `--shard K/N` (harness/shard.h) only the indices i with i % N == K - 1
// run, so N shards together run the seeds one unsharded explore would (a
// failing seed is the same seed on every machine). `base_plan` set (`sim
// --search`): every index runs that plan with only its seed replaced (the
// workload's draws, the jitter; the same modes, faults and workload spec).
//
// Determinism: indices are started in order; once a failure is found no higher index starts, and the lower ones
// in flight are finished before deciding, so the reported seed is the
// lowest failing one among those run, whatever the number of jobs. The
// simulator is deterministic, so the failing seed's replay and the shrunk
// plan fail every time.
//
// An assertion in the node's code aborts the process (core/assert.h), the
// explorer with it: <out>/explore.log names every seed as it starts and
// ends, so the seeds started and not ended are the suspects.
//
// Thread-safety: one call at a time; it runs its own worker threads.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.h"
#include "core/status.h"
#include "harness/replay.h"
#include "harness/shard.h"
#include "harness/shrink.h"

namespace faultline {

inline constexpr int64_t kExploreBudgetMsDefault = 60 * 1000;
inline constexpr int64_t kExploreShrinkBudgetMsDefault = 30 * 1000;
inline constexpr int64_t kExploreConfirmBudgetMsDefault = 10 * 60 * 1000;
inline constexpr int kExploreJobsMax = 256;
inline constexpr int kExploreConfirmMax = 1000;

struct ExploreOptions {
  uint64_t seed_base = 1;
  int jobs = 0;  // 0: every core
  int64_t budget_ms = kExploreBudgetMsDefault;  // no seed starts after it
  uint64_t seeds_max = 0;  // indices 0..seeds_max-1 (before sharding); 0: until the budget
  std::optional<Shard> shard;  // run only this shard's indices
  std::optional<Plan> base_plan;  // set: vary only this plan's seed (sim --search)
  // Set: a run fails when it reproduces this (replay.h reproduces()); else
  // when any guaranteed property is violated.
  std::optional<VerdictSummary> target;
  int64_t shrink_budget_ms = kExploreShrinkBudgetMsDefault;  // 0: no shrinking
  std::vector<std::string> bugs;  // seeded bugs (core/bugs.h) added to every plan
  std::string out_dir = "runs/explore";
  int confirm = 0;  // real-process replays of the shrunk plan
  int64_t confirm_budget_ms = kExploreConfirmBudgetMsDefault;
  std::string node_bin;  // for confirm; empty: next to this executable
  std::string self;      // how to invoke faultline, for the replay commands
  int progress_fd = -1;  // as RunOptions::progress_fd
};

// The seed of the index-th plan explored: seed_base + index. (Sharding
// picks indices; the seed of an index never depends on the shard.)
uint64_t explore_seed(const ExploreOptions& options, uint64_t index);
// The plan explored at a seed: base_plan with that seed, or what `faultline
// sim --seed N --bug B` draws. Invalid when the bugs are unknown.
Status explore_plan(const ExploreOptions& options, uint64_t seed, Plan* plan);
// The command that replays seed `seed` in the simulator (`self sim --seed N
// --bug B`), or "" for a base_plan (its kept plan.json replays it).
std::string explore_replay(const ExploreOptions& options, uint64_t seed);

struct ExploreResult {
  int64_t runs = 0;        // plans simulated and checked to the end
  int64_t unknown = 0;     // ... whose verdict was unknown
  int64_t operations = 0;  // client operations over those runs
  int64_t virtual_ms = 0;  // virtual time over those runs
  double elapsed_s = 0;    // the search alone, without shrink and confirm
  bool found = false;
  uint64_t seed = 0;       // the lowest failing seed
  VerdictSummary verdict;  // its verdict
  std::string run_dir;     // its run directory, replayed and kept
  bool shrunk = false;     // shrinking ran and kept a smaller plan
  ShrinkResult shrink;
  std::string smallest_plan_file;  // the shrunk plan, or the failing seed's plan
  int confirm_runs = 0, confirm_failed = 0;
};

// Invalid for bad options; io when a run directory cannot be written.
// With a shard, also writes <out_dir>/shard.json (below).
Status explore(const ExploreOptions& options, std::ostream& out, ExploreResult* result);

// A sharded explore's shard.json (harness/shard_manifest.h): command
// "explore", params seed_base, seeds and bugs (what every shard must share),
// and one item: shard K of N is item K-1 of N, so `faultline merge` sees
// each shard once. Its record:
//   {"runs": 51, "elapsed_s": 12.5, "found": true, "seed": 48,
//    "verdict": "invalid (violated: no-stale-reads)",
//    "replay": "faultline sim --seed 48 --bug X"}
// A shard that found nothing ran exactly its first `runs` indices (they are
// taken in order and all finish); one that found a seed may have run some
// above it.
struct ExploreShardRecord {
  int64_t runs = 0;
  double elapsed_s = 0;
  bool found = false;
  uint64_t seed = 0;
  std::string verdict;
  std::string replay;
};
std::string explore_shard_record_json(const ExploreShardRecord& r);
// `source` names the record in errors.
Status explore_shard_record_from_json(std::string_view text, const std::string& source, ExploreShardRecord* out);

}  // namespace faultline
