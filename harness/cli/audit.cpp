// `faultline audit`: which guarantees each repair-mode configuration really
// gives. Runs every row of the matrix (harness/audit_matrix.h) under several
// seeds in the cell pool (harness/cell_pool.h), within --budget, and
// aggregates the verdicts into cells (harness/audit_report.h), written to
// --out as audit.md, audit.json, audit.html and junit.xml.
// Exit: 0 no guaranteed property violated, 1 one was, 255 harness error
// (a run that left no verdict), 254 bad arguments.
#include <chrono>
#include <iostream>
#include <memory>

#include "harness/audit_report.h"
#include "harness/cli/subcommand.h"
#include "harness/options.h"
#include "harness/run_dir.h"

namespace faultline {
namespace {

constexpr int kSeedsMax = 1000;
constexpr double kDurationSMax = 3600;

// --rows names (all rows when none) -> rows; false after saying which name is unknown.
bool choose_rows(const AuditOptions& o, std::vector<const AuditRow*>* rows, std::ostream& err) {
  for (const auto& name : o.rows) {
    const AuditRow* row = find_audit_row(name);
    if (!row) {
      err << "faultline audit: --rows: no configuration named '" << name << "'\n";
      return false;
    }
    rows->push_back(row);
  }
  if (o.rows.empty()) {
    for (const auto& row : audit_rows()) rows->push_back(&row);
  }
  return true;
}

// Seed-major order: every row gets its first seed before any its second,
// so a short budget still covers the whole matrix.
Status make_cells(const AuditOptions& o, const std::vector<const AuditRow*>& rows, std::vector<CellSpec>* cells) {
  for (int k = 1; k <= o.seeds; ++k) {
    for (const AuditRow* row : rows) {
      Plan plan = cell_plan(*row, static_cast<uint64_t>(k), o.duration_ms);
      if (Status s = validate_plan(plan); !s) return Status::invalid("row " + row->name + ": " + s.message());
      cells->push_back(CellSpec{row->name, static_cast<uint64_t>(k), plan,
                                o.out_dir + "/runs/" + row->name + "/seed" + std::to_string(k)});
    }
  }
  return Status::ok();
}

// Counts the runs and aggregates every (row, property) cell; sets the exit code.
void tally(AuditResult* result) {
  for (const auto& run : result->runs) {
    if (!run.has_verdict) ++result->harness_errors;
    else if (run.verdict.value == VerdictValue::kUnknown) ++result->unknown_runs;
  }
  bool violated = false;
  for (const AuditRow* row : result->rows) {
    for (auto id : all_property_ids()) {
      AuditCell c = aggregate_cell(row->name, std::string(id), result->runs, expectation_for(id, cell_plan(*row, 1)));
      violated = violated || c.state == CellState::kViolated;
      result->cells.push_back(std::move(c));
    }
  }
  result->exit_code = violated ? 1 : result->harness_errors > 0 ? kExitHarnessError : 0;
}

void print_results(const AuditResult& result, const AuditOptions& o, const std::string& self, std::ostream& out) {
  out << "\n" << audit_md(result, o) << "\n";
  for (const auto& c : result.cells) {
    if (c.state == CellState::kViolated) {
      out << "VIOLATED: " << c.row << " " << c.property << ": replay: " << replay_command(self, c.example_run_dir) << "\n";
    }
  }
  out << "wrote " << o.out_dir << "/audit.md, audit.json, audit.html, junit.xml\n";
}

int audit_command(const AuditOptions& given, std::ostream& out, std::ostream& err) {
  AuditOptions o = given;
  if (o.seeds < 1 || o.seeds > kSeedsMax) {
    err << "faultline audit: --seeds: must be in 1.." << kSeedsMax << "\n";
    return kExitBadArguments;
  }
  AuditResult result;
  if (!choose_rows(o, &result.rows, err)) return kExitBadArguments;
  CellRunnerOptions runner;
  if (Status s = make_cell_runner(o.node_bin, o.jobs, o.budget_ms, &out, &runner); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  o.jobs = runner.jobs;
  if (o.out_dir.empty()) o.out_dir = "runs/audit-" + utc_stamp();
  std::vector<CellSpec> cells;
  if (Status s = make_cells(o, result.rows, &cells); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitBadArguments;
  }
  out << "faultline audit: " << result.rows.size() << " configurations x " << o.seeds << " seeds, " << o.jobs
      << " jobs, budget " << o.budget_ms / 1000 << " s, into " << o.out_dir << std::endl;
  const auto t0 = std::chrono::steady_clock::now();
  if (Status s = run_cells(cells, runner, &result.runs, &result.not_started); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  result.wall_s = seconds_since(t0);
  tally(&result);
  const std::string self = o.self.empty() ? runner.self_exe : o.self;
  if (Status s = write_audit_reports(result, o, self); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  print_results(result, o, self, out);
  return result.exit_code;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<AuditOptions>();
  app->add_option("--budget", o->budget_ms, "wall-clock budget: 90s, 10m, 1h or seconds (default 10m)")
      ->transform(budget_ms());
  app->add_option("--seeds", o->seeds, "seeds per configuration (default 6)");
  app->add_option("--jobs", o->jobs, "runs at once (default: the number of cores)");
  app->add_option("--out", o->out_dir, "output directory (default runs/audit-<UTC time>)");
  app->add_option("--node-bin", o->node_bin, "faultline-node binary (default: next to faultline)");
  // Hidden: a sub-matrix and short runs, for tests.
  app->add_option("--rows", o->rows, "only these configurations")->group("")->delimiter(',');
  app->add_option("--duration", o->duration_ms, "workload seconds of every configuration")
      ->group("")
      ->transform(seconds_ms(0, kDurationSMax, false));
  return [o](const Invocation& inv) {
    AuditOptions options = *o;
    options.self = inv.self;
    return audit_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"audit", "run the repair-mode matrix under faults and tabulate which guarantees hold", 60,
     Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
