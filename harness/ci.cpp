#include "harness/ci.h"

#include <algorithm>
#include <ostream>
#include <vector>

#include "core/assert.h"
#include "harness/audit.h"
#include "harness/ci_suites.h"
#include "harness/junit.h"
#include "harness/run.h"
#include "harness/run_dir.h"

namespace faultline {

namespace {

// The suite's entries; false when there is no suite of that name.
bool suite_entries(const std::string& name, std::vector<CiEntry>* out) {
  if (name == "smoke") {
    out->assign(std::begin(kCiSmoke), std::end(kCiSmoke));
  } else if (name == "tiny") {
    out->assign(std::begin(kCiTiny), std::end(kCiTiny));
  } else if (name == "full") {
    for (uint64_t seed : kCiFullSeeds) {
      for (const AuditRow& row : audit_rows()) out->push_back(CiEntry{row.name, seed, 0});
    }
  } else {
    return false;
  }
  return true;
}

std::string run_name(const CellSpec& c) { return c.row + " seed " + std::to_string(c.seed); }

}  // namespace

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

  std::vector<CellSpec> cells;
  for (const CiEntry& e : entries) {
    const AuditRow* row = find_audit_row(e.config);
    // The suites are source code: a name that is not a row is our bug.
    FL_ASSERT_MSG(row != nullptr, std::string(e.config).c_str());
    CellSpec c{row->name, e.seed, cell_plan(*row, e.seed, e.duration_ms), ""};
    c.dir = o.out_dir + "/runs/" + row->name + "/seed" + std::to_string(e.seed);
    cells.push_back(std::move(c));
  }
  out << "faultline ci: suite " << o.suite << " (version " << kCiSuitesVersion << "), " << cells.size() << " runs, "
      << runner.jobs << " jobs, budget " << o.budget_ms / 1000 << " s, into " << o.out_dir << std::endl;

  std::vector<CellRun> runs;
  int not_started = 0;  // the runs missing below
  if (Status s = run_cells(cells, runner, &runs, &not_started); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }

  std::vector<JunitSuite> suites;
  int violated = 0, errors = 0, anomalies = 0;
  for (const CellRun& run : runs) {
    const std::string replay = replay_command(self, run.run_dir.empty() ? "<none>" : run.run_dir);
    JunitSuite suite{run.row + " seed " + std::to_string(run.seed), run.wall_s, {}};
    if (!run.has_verdict) {
      ++errors;
      Verdict none;
      none.error = run.error;
      suite.cases = junit_cases_for_verdict(none, run.row, replay);
      out << "HARNESS ERROR: " << suite.name << ": " << run.error << "\n";
    } else {
      suite.cases = junit_cases_for_verdict(run.verdict, run.row, replay);
      if (run.verdict.value == VerdictValue::kInvalid) {
        ++violated;
        out << "FAILED: " << suite.name << ": a guaranteed property was violated; replay: " << replay << "\n";
      } else if (run.verdict.value == VerdictValue::kUnknown) {
        ++errors;
        out << "UNKNOWN: " << suite.name << ": the checker could not decide (" << run.verdict.error
            << "); replay: " << replay << "\n";
      }
      for (const auto& p : run.verdict.properties) {
        anomalies += !p.guaranteed && p.outcome == PropertyOutcome::kViolated ? 1 : 0;
      }
    }
    suites.push_back(std::move(suite));
  }
  // Runs the budget left out are errors too: a gate that silently ran less
  // than its list would pass on nothing.
  for (const CellSpec& c : cells) {
    bool ran = std::any_of(runs.begin(), runs.end(), [&](const CellRun& r) { return r.row == c.row && r.seed == c.seed; });
    if (ran) continue;
    ++errors;
    JunitCase jc;
    jc.classname = c.row;
    jc.name = "run";
    jc.kind = JunitCase::Kind::kError;
    jc.message = "not started: --budget " + std::to_string(o.budget_ms / 1000) + " s ran out";
    suites.push_back(JunitSuite{run_name(c), 0, {jc}});
    out << "NOT RUN: " << run_name(c) << ": the budget ran out\n";
  }
  const std::string junit_path = o.out_dir + "/junit.xml";
  if (Status s = write_junit_file(junit_path, suites); !s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline ci: " << runs.size() << " of " << cells.size() << " runs, " << violated
      << " with a guaranteed property violated, " << errors << " harness error(s), " << anomalies
      << " allowed anomal" << (anomalies == 1 ? "y" : "ies") << " (reported, not failures); junit: " << junit_path
      << "\n";
  if (violated > 0) return 1;
  return errors > 0 ? kExitHarnessError : 0;
}

}  // namespace faultline
