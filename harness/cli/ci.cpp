// `faultline ci [--suite smoke|full] [--budget T] [--jobs J] [--out DIR]
// [--shard K/N] [--list]`: the merge gate. Runs the suite's fixed
// (configuration, seed) pairs (harness/ci_suites.h: swarm-drawn plans, and
// audit rows in the full suite) as child `faultline run` processes in the
// cell pool (harness/cell_pool.h), prints one line per run and the replay
// command of every failure, and writes <out>/junit.xml with one <testsuite>
// per run and <out>/ci.md (harness/ci_report.h). With --shard K/N it runs
// only its share of the suite (harness/shard.h) and also writes
// <out>/shard.json, which `faultline merge` combines with the other shards'.
//
// Exit: 0 when no run violated a guaranteed property; 1 when one did;
// 255 harness error (a run left no verdict, its verdict was unknown, or a
// run did not start within --budget); 254 bad arguments. Allowed anomalies
// are reported, never failures.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "core/assert.h"
#include "generators/plan_gen.h"
#include "harness/audit_matrix.h"
#include "harness/cell_pool.h"
#include "harness/ci_suites.h"
#include "harness/cli/subcommand.h"
#include "harness/cell_run_io.h"
#include "harness/ci_report.h"
#include "harness/options.h"
#include "harness/run_dir.h"
#include "harness/shard.h"
#include "harness/shard_manifest.h"

namespace faultline {
namespace {

struct CiOptions {
  std::string suite = "smoke";
  int64_t budget_ms = 15 * 60 * 1000;
  int jobs = 0;          // 0: the number of cores
  std::string out_dir;   // empty: runs/ci-<suite>-<UTC time>
  std::string node_bin;
  std::string self;      // how the user invoked faultline, for replay commands
  std::optional<Shard> shard;
  bool list = false;     // print the runs, run nothing
};

// The suite's entries; false when there is no suite of that name.
bool suite_entries(const std::string& name, std::vector<CiEntry>* out) {
  if (name == "smoke") {
    out->assign(std::begin(kCiSmoke), std::end(kCiSmoke));
  } else if (name == "tiny") {
    out->assign(std::begin(kCiTiny), std::end(kCiTiny));
  } else if (name == "full") {
    out->assign(std::begin(kCiSmoke), std::end(kCiSmoke));
    for (uint64_t seed : kCiFullSwarmSeeds) out->push_back(CiEntry{kCiSwarm, seed, 0});
    for (const AuditRow& row : audit_rows()) out->push_back(CiEntry{row.name, kCiFullAuditSeed, 0});
  } else {
    return false;
  }
  return true;
}

// The suite's cells, each in <out>/runs/<row>/seed<N>.
std::vector<CellSpec> suite_cells(const std::vector<CiEntry>& entries, const std::string& out_dir) {
  std::vector<CellSpec> cells;
  for (const CiEntry& e : entries) {
    CellSpec c;
    c.seed = e.seed;
    if (e.config == kCiSwarm) {
      // The plan `faultline run --seed N` draws, byte for byte.
      c.row = std::string(kCiSwarm);
      Status s = plan_from_seed(e.seed, PlanPins{}, &c.plan);
      FL_ASSERT_MSG(s.is_ok(), s.message().c_str());  // no pins: nothing can be out of range
    } else {
      const AuditRow* row = find_audit_row(e.config);
      // The suites are source code: a name that is not a row is our bug.
      FL_ASSERT_MSG(row != nullptr, std::string(e.config).c_str());
      c.row = row->name;
      c.plan = cell_plan(*row, e.seed, e.duration_ms);
    }
    c.dir = out_dir + "/runs/" + c.row + "/seed" + std::to_string(e.seed);
    cells.push_back(std::move(c));
  }
  return cells;
}

// <out>/shard.json: this shard's records for `faultline merge`.
Status write_manifest(const CiOptions& o, const std::vector<size_t>& indices, size_t total,
                      const std::vector<CellRun>& records) {
  ShardManifest m;
  m.command = "ci";
  m.params = {{"suite", o.suite}, {"suite_version", std::to_string(kCiSuitesVersion)}};
  m.shard = *o.shard;
  m.items_total = total;
  m.items = cell_run_items(indices, records, o.out_dir, cell_name);
  return write_shard_manifest(o.out_dir, m);
}

std::string default_out_dir(const CiOptions& o) {
  std::string dir = "runs/ci-" + o.suite + "-";
  if (o.shard) dir += "shard" + std::to_string(o.shard->index) + "of" + std::to_string(o.shard->count) + "-";
  return dir + utc_stamp();
}

int ci_command(const CiOptions& given, std::ostream& out, std::ostream& err) {
  CiOptions o = given;
  std::vector<CiEntry> entries;
  if (!suite_entries(o.suite, &entries)) {
    err << "faultline ci: --suite: expected smoke or full, got '" << o.suite << "'\n";
    return kExitBadArguments;
  }
  if (o.out_dir.empty()) o.out_dir = default_out_dir(o);
  const std::vector<CellSpec> all = suite_cells(entries, o.out_dir);
  if (o.list) return print_cell_list(all, o.shard, out);
  const std::vector<size_t> indices = o.shard ? shard_indices(*o.shard, all.size()) : shard_indices(Shard{}, all.size());
  const std::vector<CellSpec> cells = o.shard ? shard_select(*o.shard, all) : all;
  CellRunnerOptions runner;
  if (Status s = make_cell_runner(o.node_bin, o.jobs, o.budget_ms, &out, &runner); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  const std::string self = o.self.empty() ? runner.self_exe : o.self;
  out << "faultline ci: suite " << o.suite << " (version " << kCiSuitesVersion << "), " << cells.size() << " runs"
      << (o.shard ? " (shard " + to_string(*o.shard) + " of " + std::to_string(all.size()) + ")" : "") << ", "
      << runner.jobs << " jobs, budget " << o.budget_ms / 1000 << " s, into " << o.out_dir << std::endl;
  std::vector<CellRun> runs;
  int not_started = 0;  // runs_in_cell_order finds them
  if (Status s = run_cells(cells, runner, &runs, &not_started); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }
  CiReport report{o.suite, kCiSuitesVersion,
                  runs_in_cell_order(cells, runs, "not started: --budget " + std::to_string(o.budget_ms / 1000) +
                                                      " s ran out")};
  const int code = finish_ci(report, self, o.out_dir, out, err);
  if (!o.shard) return code;
  if (Status s = write_manifest(o, indices, all.size(), report.records); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline ci: shard " << to_string(*o.shard) << " written to " << o.out_dir
      << "/shard.json; combine the shards with `faultline merge DIR... --out DIR`\n";
  return code;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<CiOptions>();
  app->add_option("--suite", o->suite, "smoke (about 2 minutes on 2 cores) or full (default smoke)");
  app->add_option("--budget", o->budget_ms, "wall-clock budget: 90s, 10m, 1h or seconds (default 15m)")
      ->transform(budget_ms());
  app->add_option("--jobs", o->jobs, "runs at once (default: the number of cores)");
  app->add_option("--out", o->out_dir, "output directory (default runs/ci-<suite>-<UTC time>)");
  app->add_option("--node-bin", o->node_bin, "faultline-node binary (default: next to faultline)");
  add_shard_option(app, &o->shard);
  app->add_flag("--list", o->list, "print the suite's runs (index, name; with --shard only that shard's) and run nothing");
  return [o](const Invocation& inv) {
    CiOptions options = *o;
    options.self = inv.self;
    return ci_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"ci", "the merge gate: a fixed list of seeds and configurations; junit.xml", 70, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
