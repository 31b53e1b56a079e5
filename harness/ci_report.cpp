#include "harness/ci_report.h"

#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "core/file_io.h"
#include "harness/exit_codes.h"
#include "harness/junit.h"

namespace faultline {

namespace {

// What the runs came to, and one junit <testsuite> per run.
struct Outcome {
  std::vector<JunitSuite> suites;
  int started = 0, violated = 0, errors = 0, anomalies = 0;
};

void judge_not_started(const CellRun& run, std::ostream& out, Outcome* o) {
  ++o->errors;
  JunitCase jc;
  jc.classname = run.row;
  jc.name = "run";
  jc.kind = JunitCase::Kind::kError;
  jc.message = run.error;
  o->suites.push_back(JunitSuite{cell_name(run.row, run.seed), 0, {jc}});
  out << "NOT RUN: " << cell_name(run.row, run.seed) << ": " << run.error << "\n";
}

void judge_run(const CellRun& run, const std::string& self, std::ostream& out, Outcome* o) {
  if (!run.started) return judge_not_started(run, out, o);
  ++o->started;
  const std::string replay = replay_command(self, run.run_dir.empty() ? "<none>" : run.run_dir);
  JunitSuite suite{cell_name(run.row, run.seed), run.wall_s, {}};
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

std::string ci_md(const CiReport& r, const Outcome& o) {
  std::ostringstream m;
  m << "# faultline ci: suite " << r.suite << " (version " << r.suite_version << ")\n\n";
  m << o.started << " of " << r.records.size() << " runs; " << o.violated << " with a guaranteed property violated, "
    << o.errors << " harness error(s), " << o.anomalies << " allowed anomalies.\n\n";
  m << "| run | verdict | s | run directory |\n|---|---|---|---|\n";
  for (const CellRun& run : r.records) {
    m << "| " << cell_name(run.row, run.seed) << " | " << (run.started ? describe_run(run) : "NOT RUN: " + run.error)
      << " | " << std::fixed << std::setprecision(1) << run.wall_s << " | "
      << (run.run_dir.empty() ? "-" : run.run_dir) << " |\n";
  }
  return m.str();
}

}  // namespace

int finish_ci(const CiReport& r, const std::string& self, const std::string& out_dir, std::ostream& out,
              std::ostream& err) {
  Outcome o;
  for (const CellRun& run : r.records) judge_run(run, self, out, &o);
  const std::string junit_path = out_dir + "/junit.xml";
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);  // a shard with no runs has made none
  Status s = ec ? Status::io("cannot create " + out_dir + ": " + ec.message()) : write_junit_file(junit_path, o.suites);
  if (s) s = write_file_atomic(out_dir + "/ci.md", ci_md(r, o), /*create_parent=*/true);
  if (!s) {
    err << "faultline ci: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline ci: " << o.started << " of " << r.records.size() << " runs, " << o.violated
      << " with a guaranteed property violated, " << o.errors << " harness error(s), " << o.anomalies
      << " allowed anomal" << (o.anomalies == 1 ? "y" : "ies") << " (reported, not failures); junit: " << junit_path
      << "\n";
  if (o.violated > 0) return 1;
  return o.errors > 0 ? kExitHarnessError : 0;
}

}  // namespace faultline
