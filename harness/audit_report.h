// The audit's results: per (row, property) cells aggregated from the runs'
// verdicts, and the files `faultline audit` writes from them into --out:
// audit.md, audit.json, audit.html and junit.xml (one test case per
// property per row). audit.json has its typed reader here too.
//
// A cell is one of
//   held          guaranteed, and no run violated it
//   VIOLATED      guaranteed, and a run violated it: a bug
//   observed      not guaranteed, and a run violated it: an allowed anomaly
//   not observed  not guaranteed, and no run violated it: the row's faults
//                 were too weak to show it (a finding)
//   unknown       no run decided it
// Whether a property is guaranteed comes from the checker (each verdict's
// "expected", i.e. checker/expectations.h), never recomputed here.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/checker.h"
#include "checker/expectations.h"
#include "core/status.h"
#include "harness/audit_matrix.h"
#include "harness/cell_pool.h"
#include "harness/junit.h"
#include "harness/shard_manifest.h"

namespace faultline {

enum class CellState { kHeld, kViolated, kObserved, kNotObserved, kUnknown };
std::string_view to_string(CellState s);

struct AuditCell {
  std::string row;
  std::string property;
  CellState state = CellState::kUnknown;
  bool guaranteed = false;
  std::string reason;       // the checker's expectation reason
  int runs = 0;             // runs that decided the property (held or violated)
  int violated_runs = 0;    // of those, runs that violated it
  int64_t violations = 0;   // summed over runs
  std::string example_run_dir;  // the first violating run
  PropertyResult example;       // its result (witnesses)
};

// Aggregates the runs of one row for one property. `fallback` is the
// checker's expectation for the row's plan, used only when no run has a
// verdict to read it from.
AuditCell aggregate_cell(const std::string& row, const std::string& property, const std::vector<CellRun>& runs,
                         const Expectation& fallback);

// What the audit was asked to do (the report headers say it).
struct AuditOptions {
  int64_t budget_ms = 10 * 60 * 1000;
  int seeds = 6;                 // per row
  int jobs = 0;                  // 0: the number of cores
  std::string out_dir;           // empty: runs/audit-<UTC time>
  std::string node_bin;
  std::vector<std::string> rows; // empty: every row (hidden option, for tests)
  int64_t duration_ms = 0;       // > 0: every row's workload this long (hidden option, for tests)
  std::string self;              // how the user invoked faultline, for replay commands
  std::optional<Shard> shard;    // run only this shard of the cells
  bool list = false;             // print the cells, run nothing
};

struct AuditResult {
  std::vector<const AuditRow*> rows;
  std::vector<CellRun> runs;
  std::vector<AuditCell> cells;  // row-major, properties in all_property_ids order
  int not_started = 0;
  double wall_s = 0;
  int harness_errors = 0;
  int unknown_runs = 0;
  int exit_code = 0;
};

// --rows names -> rows (every row when none); invalid naming an unknown one.
Status audit_rows_named(const std::vector<std::string>& names, std::vector<const AuditRow*>* rows);

// From one record per cell (harness/cell_pool.h runs_in_cell_order, so the
// result does not depend on the order the runs finished): r->runs (the
// started ones), r->not_started, every (row, property) cell of r->rows,
// the counts and the exit code (0; 1 a guaranteed property violated; 255
// a run left no verdict). `audit` and `merge` both make their result so.
void audit_tally(const std::vector<CellRun>& records, AuditResult* r);

// Writes the four files, prints the table and a replay line per violated
// cell to `out` (errors to `err`); returns r.exit_code, or 255 when a file
// cannot be written.
int finish_audit(const AuditResult& r, const AuditOptions& o, const std::string& self, std::ostream& out,
                 std::ostream& err);

// shard.json params of a sharded audit: what every shard must share
// (seeds, budget, rows, duration), and back.
ShardManifest::Fields audit_shard_params(const AuditOptions& o);
Status audit_options_from_params(const ShardManifest::Fields& params, AuditOptions* o);

std::string audit_md(const AuditResult& r, const AuditOptions& o);
std::string audit_html(const AuditResult& r, const AuditOptions& o);
std::string audit_json(const AuditResult& r, const AuditOptions& o);
std::vector<JunitSuite> audit_junit(const AuditResult& r, const std::string& self);
// The four files into o.out_dir, each written atomically.
Status write_audit_reports(const AuditResult& r, const AuditOptions& o, const std::string& self);

// audit.json, read back: every field the writer writes, nothing else.
inline constexpr int kAuditJsonVersion = 1;

struct AuditJsonCell {
  std::string property;
  std::string state;  // to_string(CellState)
  bool guaranteed = false;
  std::string reason;
  int64_t runs = 0;
  int64_t violated_runs = 0;
  int64_t violations = 0;
  std::string example_run_dir;  // empty: null
  std::string example_summary;  // empty: null
};

struct AuditJsonRun {
  uint64_t seed = 0;
  std::string run_dir;
  int64_t exit_code = 0;
  std::string verdict;  // valid | invalid | unknown | none
  std::string error;    // empty: null
  double wall_s = 0;
};

struct AuditJsonRow {
  std::string name, exercises, modes, faults;
  std::vector<AuditJsonCell> cells;
  std::vector<AuditJsonRun> runs;
};

struct AuditJson {
  int64_t version = 0;
  double budget_s = 0;
  int64_t seeds = 0, jobs = 0;
  double wall_s = 0;
  int64_t runs = 0, harness_errors = 0, unknown_runs = 0, not_started = 0, exit_code = 0;
  std::vector<AuditJsonRow> rows;
  std::vector<std::string> predictions;
};

// Invalid, naming the source and the field path, when a field is missing,
// unknown, of the wrong type or an unknown cell state.
Status audit_json_from_text(std::string_view text, const std::string& source, AuditJson* out);
Status read_audit_json(const std::string& path, AuditJson* out);

}  // namespace faultline
