// `faultline audit`: which guarantees each repair-mode configuration really
// gives. Runs every row of the matrix (harness/audit_matrix.h) under several
// seeds in the cell pool (harness/cell_pool.h), within --budget, and
// aggregates the verdicts into cells (harness/audit_report.h), written to
// --out as audit.md, audit.json, audit.html and junit.xml. With --shard K/N
// it runs only its share of the (row, seed) cells (harness/shard.h), writes
// those files for them and <out>/shard.json, which `faultline merge`
// combines into the files the whole audit would have written.
// Exit: 0 no guaranteed property violated, 1 one was, 255 harness error
// (a run that left no verdict), 254 bad arguments.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "harness/audit_report.h"
#include "harness/cell_run_io.h"
#include "harness/cli/subcommand.h"
#include "harness/quantify.h"
#include "harness/options.h"
#include "harness/run_dir.h"
#include "harness/shard.h"

namespace faultline {
namespace {

constexpr int kSeedsMax = 1000;
constexpr double kDurationSMax = 3600;

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

// <out>/shard.json: this shard's records for `faultline merge`.
Status write_manifest(const AuditOptions& o, const Shard& shard, size_t total, const std::vector<CellRun>& records,
                      double wall_s) {
  ShardManifest m;
  m.command = "audit";
  m.params = audit_shard_params(o);
  m.facts = {{"wall_s", std::to_string(wall_s)}, {"jobs", std::to_string(o.jobs)}};
  m.shard = shard;
  m.items_total = total;
  m.items = cell_run_items(shard_indices(shard, total), records, o.out_dir, cell_name);
  return write_shard_manifest(o.out_dir, m);
}

int audit_command(const AuditOptions& given, std::ostream& out, std::ostream& err) {
  AuditOptions o = given;
  if (o.seeds < 1 || o.seeds > kSeedsMax) {
    err << "faultline audit: --seeds: must be in 1.." << kSeedsMax << "\n";
    return kExitBadArguments;
  }
  AuditResult result;
  if (Status s = audit_rows_named(o.rows, &result.rows); !s) {
    err << "faultline audit: --rows: " << s.message() << "\n";
    return kExitBadArguments;
  }
  if (o.out_dir.empty()) o.out_dir = "runs/audit-" + utc_stamp();
  std::vector<CellSpec> all;
  if (Status s = make_cells(o, result.rows, &all); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitBadArguments;
  }
  if (o.list) return print_cell_list(all, o.shard, out);
  const std::vector<CellSpec> cells = o.shard ? shard_select(*o.shard, all) : all;
  CellRunnerOptions runner;
  if (Status s = make_cell_runner(o.node_bin, o.jobs, o.budget_ms, &out, &runner); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  o.jobs = runner.jobs;
  out << "faultline audit: " << result.rows.size() << " configurations x " << o.seeds << " seeds"
      << (o.shard ? ", shard " + to_string(*o.shard) + ": " + std::to_string(cells.size()) + " of " +
                        std::to_string(all.size()) + " runs"
                  : "")
      << ", " << o.jobs << " jobs, budget " << o.budget_ms / 1000 << " s, into " << o.out_dir << std::endl;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<CellRun> runs;
  int not_started = 0;  // runs_in_cell_order finds them
  if (Status s = run_cells(cells, runner, &runs, &not_started); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  result.wall_s = seconds_since(t0);
  const std::vector<CellRun> records = runs_in_cell_order(cells, runs, "not started within the budget");
  audit_tally(records, &result);
  const std::string self = o.self.empty() ? runner.self_exe : o.self;
  const int code = finish_audit(result, o, self, out, err);
  if (!o.shard) return code;
  if (Status s = write_manifest(o, *o.shard, all.size(), records, result.wall_s); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "shard " << to_string(*o.shard) << ": " << o.out_dir << "/shard.json; combine the shards with `faultline merge DIR... --out DIR`\n";
  return code;
}

// --quantify: staleness, latency and availability measured in the
// simulator next to the model (harness/quantify.h); no real runs, no child
// processes.
int quantify_command(QuantifyOptions q, std::ostream& out, std::ostream& err) {
  if (q.reads_per_t < 100 || q.reads_per_t > 1000000) {
    err << "faultline audit: --reads: must be in 100..1000000\n";
    return kExitBadArguments;
  }
  if (q.out_dir.empty()) q.out_dir = "runs/quantify-" + utc_stamp();
  out << "faultline audit --quantify: simulator probe runs, " << q.reads_per_t << " reads per point, into "
      << q.out_dir << std::endl;
  std::vector<QuantifyRow> rows;
  if (Status s = run_quantify(q, &rows); !s) {
    err << "faultline audit: " << s.message() << "\n";
    return kExitHarnessError;
  }
  if (rows.empty()) {
    err << "faultline audit: --only " << q.only << ": no configuration matches\n";
    return kExitBadArguments;
  }
  out << quantify_markdown(q, rows) << "\n"
      << q.out_dir << "/quantify.md, " << q.out_dir << "/quantify.json, " << q.out_dir << "/quantify.html\n";
  return 0;
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
  add_shard_option(app, &o->shard);
  app->add_flag("--list", o->list, "print the runs (index, configuration, seed; with --shard only that shard's) and run nothing");
  auto quantify = std::make_shared<bool>(false);
  auto reads = std::make_shared<int64_t>(1000);
  auto only = std::make_shared<std::string>();
  app->add_flag("--quantify", *quantify,
                "instead of the matrix: staleness measured in the simulator next to the WARS model "
                "with repair modes, latency and availability, under faults too (docs/audit.md); writes "
                "quantify.md, quantify.json and quantify.html to --out");
  app->add_option("--reads", *reads, "with --quantify: reads per point (default 1000)");
  // Hidden: the configurations whose name contains this, for tests.
  app->add_option("--only", *only, "with --quantify: only these configurations")->group("");
  return [o, quantify, reads, only](const Invocation& inv) {
    if (*quantify) {
      QuantifyOptions q;
      q.out_dir = o->out_dir;
      q.reads_per_t = *reads;
      q.only = *only;
      return quantify_command(q, std::cout, std::cerr);
    }
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
