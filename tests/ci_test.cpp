// Goal: `faultline ci` and `faultline audit` on real clusters: the tiny CI
// suite passes with exit 0 and a junit.xml naming every property of its
// configuration; a one-row audit writes its four files with a cell per
// property; Ctrl-C to an audit leaves neither child runs nor nodes behind.
// Each cluster runs a few seconds (suite tiny, audit --duration 3).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "checker/expectations.h"
#include "core/clock.h"
#include "harness/audit_report.h"
#include "harness/ci_suites.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;

constexpr int64_t kChildSeenTimeoutMs = 30000;
constexpr int64_t kGoneTimeoutMs = 10000;

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A real XML parser's opinion (python3 is in the setup's packages).
void expect_well_formed_xml(const std::string& path) {
  std::string output;
  int rc = testing::run_shell("python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " + path,
                              &output);
  EXPECT_EQ(rc, 0) << path << ": " << output;
}

TEST(Ci, TinySuitePassesAndWritesJunit) {
  ScratchDir dir;
  std::string output;
  const std::string cmd = testing::faultline_bin() + " ci --suite tiny --jobs 1 --out " + dir.path();
  int rc = testing::run_shell(cmd, &output);
  ASSERT_EQ(rc, 0) << cmd << "\n" << output;
  EXPECT_NE(output.find("suite tiny (version " + std::to_string(kCiSuitesVersion) + "), 1 runs"), std::string::npos)
      << output;
  EXPECT_NE(output.find("faultline ci: 1 of 1 runs, 0 with a guaranteed property violated, 0 harness error(s)"),
            std::string::npos)
      << output;
  const std::string junit_path = dir.path() + "/junit.xml";
  std::string junit = testing::read_file(junit_path);
  expect_well_formed_xml(junit_path);
  const size_t properties = all_property_ids().size();
  EXPECT_NE(junit.find("<testsuite name=\"blocking-quorum-ae seed 1\" tests=\"" + std::to_string(properties) +
                       "\" failures=\"0\" errors=\"0\""),
            std::string::npos)
      << junit;
  for (std::string_view id : all_property_ids()) {
    EXPECT_EQ(count(junit, "classname=\"blocking-quorum-ae\" name=\"" + std::string(id) + "\""), 1u) << id;
  }
  // The run itself left its own junit.xml beside verdict.json.
  std::string run_junit = testing::read_file(dir.path() + "/runs/blocking-quorum-ae/seed1/latest/junit.xml");
  EXPECT_EQ(count(run_junit, "<testcase "), properties) << run_junit;
}

TEST(Ci, UnknownSuiteAndBadBudgetAreBadArguments) {
  std::string output;
  EXPECT_EQ(testing::run_shell(testing::faultline_bin() + " ci --suite nightly", &output), 254);
  EXPECT_NE(output.find("--suite: expected smoke or full, got 'nightly'"), std::string::npos) << output;
  EXPECT_EQ(testing::run_shell(testing::faultline_bin() + " ci --budget 5x", &output), 254);
  EXPECT_NE(output.find("--budget"), std::string::npos) << output;
  EXPECT_EQ(testing::run_shell(testing::faultline_bin() + " audit --rows no-such-row", &output), 254);
  EXPECT_NE(output.find("--rows: no configuration named 'no-such-row'"), std::string::npos) << output;
}

TEST(Audit, OneRowWritesEveryFileWithACellPerProperty) {
  ScratchDir dir;
  std::string output;
  const std::string cmd = testing::faultline_bin() +
                          " audit --rows rr-none-one --seeds 1 --duration 3 --jobs 1 --budget 90s --out " + dir.path();
  int rc = testing::run_shell(cmd, &output);
  ASSERT_EQ(rc, 0) << cmd << "\n" << output;
  std::string md = testing::read_file(dir.path() + "/audit.md");
  EXPECT_NE(md.find("| rr-none-one |"), std::string::npos) << md;
  EXPECT_NE(md.find("## What each mode promises"), std::string::npos);
  AuditJson j;
  ASSERT_TRUE(test::succeeds(read_audit_json(dir.path() + "/audit.json", &j)));
  EXPECT_EQ(j.version, 1);
  EXPECT_EQ(j.runs, 1);
  EXPECT_EQ(j.exit_code, 0);
  ASSERT_EQ(j.rows.size(), 1u);
  ASSERT_EQ(j.rows[0].cells.size(), all_property_ids().size());
  for (const AuditJsonCell& cell : j.rows[0].cells) {
    // Reads at ONE never guarantee monotonic reads; whatever the run saw,
    // the cell says allowed (observed or not), never held.
    if (cell.property == "monotonic-reads") {
      EXPECT_FALSE(cell.guaranteed);
      EXPECT_TRUE(cell.state == "observed" || cell.state == "not observed") << cell.state;
    }
    EXPECT_NE(cell.state, "violated") << cell.property;
  }
  std::string html = testing::read_file(dir.path() + "/audit.html");
  EXPECT_NE(html.find("<table>"), std::string::npos);
  expect_well_formed_xml(dir.path() + "/junit.xml");
  EXPECT_EQ(count(testing::read_file(dir.path() + "/junit.xml"), "<testcase classname=\"rr-none-one\""),
            all_property_ids().size());
}

TEST(Audit, CtrlCEndsChildRunsAndTheirNodes) {
  ScratchDir dir;
  const std::string log = dir.path() + "/audit.log";
  const std::string out = dir.path() + "/audit";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::string bin = testing::faultline_bin();
    ::execl(bin.c_str(), bin.c_str(), "audit", "--rows", "blocking-quorum-ae", "--seeds", "1", "--duration", "20",
            "--jobs", "1", "--out", out.c_str(), nullptr);
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  Deadline deadline = Deadline::after_ms(kChildSeenTimeoutMs);
  std::vector<pid_t> nodes;
  while ((nodes = testing::processes_matching({"faultline-node", out})).size() < 3) {
    if (deadline.expired()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      FAIL() << "no cluster came up; see " << log << "\n" << testing::read_file(log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The audit's own child run; a run forking to spawn a node shows the same
  // command line until the exec, so only the audit's direct children count.
  std::vector<pid_t> runs;
  for (pid_t p : testing::processes_matching({"faultline", "run", "--plan", out})) {
    if (testing::parent_of(p) == pid) runs.push_back(p);
  }
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << testing::read_file(log);
  EXPECT_TRUE(testing::wait_gone(runs[0], kGoneTimeoutMs)) << "child run " << runs[0] << " survived";
  for (pid_t p : nodes) EXPECT_TRUE(testing::wait_gone(p, kGoneTimeoutMs)) << "node pid " << p << " survived";
}

}  // namespace
}  // namespace faultline
