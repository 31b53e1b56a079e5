// `faultline ci [--suite smoke|full] [--budget T] [--jobs J] [--out DIR]`:
// the merge gate. Runs the suite's fixed (configuration, seed) pairs
// (harness/ci_suites.h: swarm-drawn plans, and audit rows in the full suite) as child `faultline run` processes in the cell pool
// (harness/cell_pool.h), prints one line per run and the replay command of
// every failure, and writes <out>/junit.xml with one <testsuite> per run.
//
// Exit: 0 when no run violated a guaranteed property; 1 when one did;
// 255 harness error (a run left no verdict, its verdict was unknown, or a
// run did not start within --budget); 254 bad arguments. Allowed anomalies
// are reported, never failures.
#include <algorithm>
#include <iostream>
#include <memory>
#include <vector>

#include "core/assert.h"
#include "generators/plan_gen.h"
#include "harness/audit_matrix.h"
#include "harness/cell_pool.h"
#include "harness/ci_suites.h"
#include "harness/cli/subcommand.h"
#include "harness/junit.h"
#include "harness/options.h"
#include "harness/run_dir.h"

namespace faultline {
namespace {

struct CiOptions {
  std::string suite = "smoke";
  int64_t budget_ms = 15 * 60 * 1000;
  int jobs = 0;          // 0: the number of cores
  std::string out_dir;   // empty: runs/ci-<suite>-<UTC time>
  std::string node_bin;
  std::string self;      // how the user invoked faultline, for replay commands
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

std::string run_name(const CellSpec& c) { return c.row + " seed " + std::to_string(c.seed); }

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

// What the runs came to, and one junit <testsuite> per run.
struct Outcome {
  std::vector<JunitSuite> suites;
  int violated = 0, errors = 0, anomalies = 0;
};

void judge_run(const CellRun& run, const std::string& self, std::ostream& out, Outcome* o) {
  const std::string replay = replay_command(self, run.run_dir.empty() ? "<none>" : run.run_dir);
  JunitSuite suite{run.row + " seed " + std::to_string(run.seed), run.wall_s, {}};
  if (!run.has_verdict) {
    ++o->errors;
    Verdict none;
    none.error = run.error;
    suite.cases = junit_cases_for_verdict(none, run.row, replay);
    out << "HARNESS ERROR: " << suite.name << ": " << run.error << "\n";
  } else {
    suite.cases = junit_cases_for_verdict(run.verdict, run.row, replay);
    if (run.verdict.value == VerdictValue::kInvalid) {
      ++o->violated;
      out << "FAILED: " << suite.name << ": a guaranteed property was violated; replay: " << replay << "\n";
    } else if (run.verdict.value == VerdictValue::kUnknown) {
      ++o->errors;
      out << "UNKNOWN: " << suite.name << ": the checker could not decide (" << run.verdict.error
          << "); replay: " << replay << "\n";
    }
    for (const auto& p : run.verdict.properties) {
      o->anomalies += !p.guaranteed && p.outcome == PropertyOutcome::kViolated ? 1 : 0;
    }
  }
  o->suites.push_back(std::move(suite));
}

// Runs the budget left out are errors too: a gate that silently ran less
// than its list would pass on nothing.
void judge_not_started(const std::vector<CellSpec>& cells, const std::vector<CellRun>& runs, int64_t budget_ms,
                       std::ostream& out, Outcome* o) {
  for (const CellSpec& c : cells) {
    bool ran = std::any_of(runs.begin(), runs.end(), [&](const CellRun& r) { return r.row == c.row && r.seed == c.seed; });
    if (ran) continue;
    ++o->errors;
    JunitCase jc;
    jc.classname = c.row;
    jc.name = "run";
    jc.kind = JunitCase::Kind::kError;
    jc.message = "not started: --budget " + std::to_string(budget_ms / 1000) + " s ran out";
    o->suites.push_back(JunitSuite{run_name(c), 0, {jc}});
    out << "NOT RUN: " << run_name(c) << ": the budget ran out\n";
  }
}

int ci_command(const CiOptions& given, std::ostream& out, std::ostream& err) {
  CiOptions o = given;
  std::vector<CiEntry> entries;
  if (!suite_entries(o.suite, &entries)) {
    err << "faultline ci: --suite: expected smoke or full, got '" << o.suite << "'\n";
    return kExitBadArguments;
  }
  CellRunnerOptions runner;
  if (Status s = make_cell_runner(o.node_bin, o.jobs, o.budget_ms, &out, &runner); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return s.code() == Status::Code::kInvalid ? kExitBadArguments : kExitHarnessError;
  }
  if (o.out_dir.empty()) o.out_dir = "runs/ci-" + o.suite + "-" + utc_stamp();
  const std::string self = o.self.empty() ? runner.self_exe : o.self;
  const std::vector<CellSpec> cells = suite_cells(entries, o.out_dir);
  out << "faultline ci: suite " << o.suite << " (version " << kCiSuitesVersion << "), " << cells.size() << " runs, "
      << runner.jobs << " jobs, budget " << o.budget_ms / 1000 << " s, into " << o.out_dir << std::endl;
  std::vector<CellRun> runs;
  int not_started = 0;  // judge_not_started finds them
  if (Status s = run_cells(cells, runner, &runs, &not_started); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }
  Outcome outcome;
  for (const CellRun& run : runs) judge_run(run, self, out, &outcome);
  judge_not_started(cells, runs, o.budget_ms, out, &outcome);
  const std::string junit_path = o.out_dir + "/junit.xml";
  if (Status s = write_junit_file(junit_path, outcome.suites); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline ci: " << runs.size() << " of " << cells.size() << " runs, " << outcome.violated
      << " with a guaranteed property violated, " << outcome.errors << " harness error(s), " << outcome.anomalies
      << " allowed anomal" << (outcome.anomalies == 1 ? "y" : "ies") << " (reported, not failures); junit: "
      << junit_path << "\n";
  if (outcome.violated > 0) return 1;
  return outcome.errors > 0 ? kExitHarnessError : 0;
}

SubcommandRun setup(CLI::App* app) {
  auto o = std::make_shared<CiOptions>();
  app->add_option("--suite", o->suite, "smoke (about 2 minutes on 2 cores) or full (default smoke)");
  app->add_option("--budget", o->budget_ms, "wall-clock budget: 90s, 10m, 1h or seconds (default 15m)")
      ->transform(budget_ms());
  app->add_option("--jobs", o->jobs, "runs at once (default: the number of cores)");
  app->add_option("--out", o->out_dir, "output directory (default runs/ci-<suite>-<UTC time>)");
  app->add_option("--node-bin", o->node_bin, "faultline-node binary (default: next to faultline)");
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
