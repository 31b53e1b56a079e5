// The table `faultline bugzoo` writes (docs/bugzoo.md and <out>/bugzoo.md),
// shared by `faultline bugzoo` and by `faultline merge` of bugzoo shards, so
// both write the same bytes from the same rows; and a row as the record of a
// bug in a bugzoo shard's shard.json (harness/shard_manifest.h). Reader next
// to writer.
//
// A row is one bug: its scenario (as text), what real processes found, what
// the simulator found, and the clean-node check on the bug's scenario and
// seeds. The table's "(clean node)" row sums the rows' clean-node checks; its
// false alarms are listed by seed, then in row order (the order the
// unsharded check runs them: round-robin over the bugs, seed by seed), so a
// merge of shards lists them as one unsharded run would.
//
// A bugzoo shard's shard.json: command "bugzoo", params (every shard of one
// fan-out shares them) seed_base, bugs (the unsharded list, comma-separated),
// per_bug_budget_ms, sim_budget_ms, shrink_budget_ms, real, sim; facts
// wall_s, clean_s, machine; one item per bug, its record:
//   {"bug": "digest-ignores-version", "expected_property": "no-stale-reads",
//    "mirrors": "...", "scenario_args": "--read-cl QUORUM ...",
//    "real": {"caught": true, "property": "...", "runs": 3, "unknown": 0,
//             "harness_errors": 0, "detect_s": 21.5, "replay": "...",
//             "shrunk": "...", "shrunk_plan_file": "..."},
//    "sim": {"ran": true, "caught": true, "property": "...", "seeds": 4,
//            "detect_s": 1.5, "replay": "...", "error": ""},
//    "clean": {"runs": 3, "unknown": 0, "harness_errors": 0,
//              "false_alarms": [{"seed": 2, "property": "...", "replay": "...",
//                                "run_dir": "..."}]}}
// Paths (shrunk_plan_file, run_dir) are written relative to the shard's
// output directory when inside it and read back joined to the directory
// the shard is merged from (as harness/cell_run_io.h).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/bugs.h"
#include "core/status.h"
#include "harness/shard_manifest.h"

namespace faultline {

struct BugzooCounts {
  int runs = 0;
  int unknown = 0;         // runs that ended without a verdict or with unknown
  int harness_errors = 0;  // runs that could not be made (exit 254/255)
};

// One bug explored in the simulator.
struct BugzooSim {
  bool ran = false;
  bool caught = false;
  std::string property;
  int64_t seeds = 0;    // caught: seeds up to the failing one (what one job needs); else runs made
  double detect_s = 0;  // wall time of the search
  std::string replay;   // `faultline sim --seed N --bug NAME`
  std::string error;    // the explorer could not run
};

// A guaranteed property violated on the clean node: a harness or node bug.
struct BugzooFalseAlarm {
  uint64_t seed = 0;
  std::string property;
  std::string replay;
  std::string run_dir;
};

struct BugzooRow {
  Bug bug = Bug::kCount;
  std::string expected_property;  // the guaranteed property the scenario expects to catch it
  std::string mirrors;            // the public report the bug re-creates
  std::string scenario_args;      // the scenario's options over the drawn plan
  // Real processes.
  BugzooCounts counts;
  bool caught = false;
  std::string property;  // the guaranteed property that caught it
  double detect_s = 0;   // from the bug's first run to the end of the catching run
  std::string replay;    // the command that replays the catching run
  std::string shrunk;    // sizes before and after shrinking, or why there are none
  std::string shrunk_plan_file;  // the smallest failing plan, when shrinking found one
  BugzooSim sim;
  // The clean node (no --bug) on this bug's scenario and seeds.
  BugzooCounts clean;
  std::vector<BugzooFalseAlarm> false_alarms;
};

struct BugzooTable {
  std::string command_line;  // as typed, for the header
  std::string when;          // "2026-12-08 01:00 UTC"
  std::string machine;       // "Intel(R) ..., 2 CPUs"
  std::string self;          // how to invoke faultline, for the shrunk plans' replays
  bool real = true;          // real-process columns
  bool sim = false;          // simulator columns
  uint64_t seed_base = 0;
  int64_t per_bug_budget_ms = 0;
  int64_t sim_budget_ms = 0;
  int64_t shrink_budget_ms = 0;
  double total_s = 0;
  double clean_s = 0;  // the clean-node check's wall time
  std::vector<BugzooRow> rows;  // in the bug list's order
};

// "12.3".
std::string format_s(double s);
// "Intel(R) Xeon(R) Processor @ 2.50GHz, 2 CPUs", from /proc/cpuinfo.
std::string machine_description();

// The Markdown table (no hand-written section).
void write_bugzoo_table(std::ostream& md, const BugzooTable& t);

// Keeps each shrunk plan beside table_path (unless empty), writes the table
// followed by table_path's hand-written section to <out_dir>/bugzoo.md and
// table_path, prints the summary to `out` (false alarms and errors to
// `err`). Returns 0 when every bug was caught by every way it was looked
// for and the clean node raised no false alarm, 1 otherwise, 255 when a
// file cannot be written.
int finish_bugzoo(BugzooTable* t, const std::string& out_dir, const std::string& table_path, std::ostream& out,
                  std::ostream& err);

// The row as the record of a shard item; paths relative to base_dir.
std::string bugzoo_row_to_json(const BugzooRow& row, const std::string& base_dir);
// `source` names the record in errors.
Status bugzoo_row_from_json(std::string_view text, const std::string& source, const std::string& base_dir,
                            BugzooRow* out);

// A shard's manifest: t's header fields as params and facts, its rows as
// items (indices[j] is rows[j]'s index in the list `bugs`).
ShardManifest bugzoo_manifest(const BugzooTable& t, const std::vector<std::string>& bugs, const Shard& shard,
                              const std::vector<size_t>& indices, const std::string& out_dir);
// The merged manifest of bugzoo shards (and the shards, for their facts)
// -> the table the unsharded command would write, but for command_line,
// when and self (the caller's). wall_s and clean_s are the slowest shard's
// (the shards ran side by side); machine lists the shards' distinct ones.
// sources[i] is shards[i]'s directory, for errors.
Status bugzoo_table_from_shards(const std::vector<ShardManifest>& shards, const std::vector<std::string>& sources,
                                const ShardManifest& merged, BugzooTable* out);

}  // namespace faultline
