// junit.xml: verdicts in the JUnit XML form CI systems read (GitHub Actions
// report actions such as mikepenz/action-junit-report and dorny/test-reporter,
// GitLab's `artifacts:reports:junit`). One <testcase> per property: classname
// is the configuration's name, name is the property id.
//
//   guaranteed and violated  -> <failure message="first witness summary">,
//                               text: the first witnesses and the replay command
//   not guaranteed, violated -> passes, <system-out> says the anomaly was
//                               observed (count) and that the modes allow it
//   result unknown           -> <error message="why">
//   property not checked     -> <skipped message="...">
//   held                     -> passes
//
// Pure string building except write_junit_file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "checker/checker.h"
#include "core/plan.h"
#include "core/status.h"

namespace faultline {

struct JunitCase {
  enum class Kind { kPassed, kFailure, kError, kSkipped };
  std::string classname;  // the configuration
  std::string name;       // the property id
  Kind kind = Kind::kPassed;
  std::string message;     // failure/error/skipped message attribute
  std::string text;        // failure/error body
  std::string system_out;  // per-case output (the allowed anomaly note)
  double time_s = 0;
};

struct JunitSuite {
  std::string name;
  double time_s = 0;
  std::vector<JunitCase> cases;
};

// Escapes &, <, >, " and ' (harness/html.h's html_escape) and replaces
// characters XML 1.0 forbids (control
// characters other than tab, newline and carriage return) with '?', so any
// witness text makes a well-formed document.
std::string xml_escape(std::string_view text);

// The failure text of a violated property: its first witnesses (explanation
// and operations) and the replay command.
std::string witness_text(const PropertyResult& p, const std::string& replay);

// One case for one property of one run or configuration. `observed_runs` is
// how many runs showed an allowed anomaly (1 for a single run); `replay` is
// the command that replays the run the witnesses came from.
JunitCase junit_case_for_property(const PropertyResult& p, const std::string& classname, const std::string& replay,
                                  int observed_runs = 1);

// One case per property of a verdict. A verdict that is unknown with an error
// and no properties still yields one <error> case ("verdict"), so a broken run
// never reads as green.
std::vector<JunitCase> junit_cases_for_verdict(const Verdict& v, const std::string& classname,
                                               const std::string& replay);

// The whole document: <testsuites> with counts, one <testsuite> per suite.
std::string junit_xml(const std::vector<JunitSuite>& suites);
Status write_junit_file(const std::string& path, const std::vector<JunitSuite>& suites);

// A configuration's short name from its modes and consistency levels, e.g.
// "rr-blocking digest-off hh-on strict ae-on r-QUORUM w-QUORUM": the classname
// of a single run's cases.
std::string modes_config_name(const Plan& plan);

// <run_dir>/junit.xml for one run (what `faultline run` writes).
Status write_run_junit(const std::string& run_dir, const Plan& plan, const Verdict& v, const std::string& replay);

}  // namespace faultline
