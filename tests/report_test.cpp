// Goal: a real run under a partition writes a report.html with every section
// and the partition shaded; `faultline report RUN_DIR` regenerates the same
// page from the run directory alone; and the page loads in headless Chromium
// (Debian's chromium package, installed by scripts/setup.sh) without script
// errors, runs its inline script, shows the staleness plots (P(consistent)
// versus t, the distribution of k) and renders to a non-trivial screenshot;
// and `faultline audit --quantify`'s quantify.html loads the same way with
// its plots of measured against modelled staleness.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/process_test_util.h"

namespace faultline {
namespace {

namespace fs = std::filesystem;
using testing::run_shell;
using testing::ScratchDir;

constexpr const char* kChromium = "/usr/bin/chromium";
// Bound on one Chromium invocation (it takes a few seconds).
constexpr int kChromiumTimeoutS = 90;
// A blank 1280x2000 page compresses to a few kB; plots and tables give far more.
constexpr uintmax_t kScreenshotBytesMin = 30000;

// The line of `output` that starts with `prefix`, without the prefix.
std::string line_after(const std::string& output, const std::string& prefix) {
  size_t at = output.find("\n" + prefix);
  if (at == std::string::npos) return "";
  at += 1 + prefix.size();
  return output.substr(at, output.find('\n', at) - at);
}

// Runs headless Chromium on `url` with `what` (--dump-dom, --screenshot=...);
// stdout goes to *out, the browser's log (console messages included) to *log.
int chromium(const ScratchDir& scratch, const std::string& what, const std::string& url, std::string* out,
             std::string* log) {
  const std::string log_path = scratch.path() + "/chromium.log";
  const std::string command = "{ timeout " + std::to_string(kChromiumTimeoutS) + " " + kChromium +
                              " --headless=new --no-sandbox --disable-gpu --user-data-dir=" + scratch.path() +
                              "/chromium-profile --enable-logging=stderr --v=0 --window-size=1280,2000 " + what +
                              " " + url + " 2>" + log_path + "; }";
  int rc = run_shell(command, out);
  *log = testing::read_file(log_path);
  return rc;
}

// Console lines Chromium logs for the page: console.* calls and uncaught errors.
bool has_console_messages(const std::string& log) {
  return log.find(":CONSOLE") != std::string::npos || log.find("Uncaught") != std::string::npos;
}

TEST(ReportTest, RunWritesAReportThatChromiumRendersWithoutScriptErrors) {
  ASSERT_TRUE(fs::exists(kChromium)) << kChromium
                                     << " is missing: install Debian's chromium package (scripts/setup.sh does)";
  ScratchDir out;
  std::string output;
  const std::string run = testing::faultline_bin() +
                          " run --nodes 3 --rf 3 --duration 3 --clients 4 --faults partition --fault-interval 1 --out " +
                          out.path();
  int rc = run_shell(run, &output);
  std::printf("%s", output.substr(0, output.find('\n') + 1).c_str());
  ASSERT_TRUE(rc >= 0 && rc <= 2) << "exit " << rc << "\n" << output;
  const std::string run_dir = line_after(output, "run directory: ");
  const std::string report = run_dir + "/report.html";
  EXPECT_EQ(line_after(output, "report: "), report) << output;
  ASSERT_TRUE(fs::is_regular_file(report)) << output;

  const std::string html = testing::read_file(report);
  for (const char* section : {"id=\"plan\"", "id=\"verdict\"", "id=\"latency\"", "id=\"throughput\"",
                              "id=\"convergence\"", "id=\"events\"", "id=\"final\"", "Time to converge after heal",
                              "<rect class=\"fault fault-partition\"", "run --plan ", "id=\"staleness\"",
                              "<div id=\"staleness-t\"><svg", "<div id=\"staleness-k\"><svg"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  EXPECT_EQ(html.find("Missing or malformed inputs"), std::string::npos) << "a finished run has every input";
  EXPECT_TRUE(fs::is_regular_file(run_dir + "/staleness.json")) << "run writes staleness.json";
  EXPECT_EQ(html.find("http"), std::string::npos) << "the page must not reference the network";

  // Regenerated from the directory alone: the same page.
  fs::remove(report);
  ASSERT_EQ(run_shell(testing::faultline_bin() + " report " + run_dir, &output), 0) << output;
  EXPECT_EQ(testing::read_file(report), html);

  ScratchDir browser;
  // The console check must be able to fail: a page with an uncaught error is caught.
  const std::string bad = browser.path() + "/bad.html";
  test::write_file(bad, "<html><body><script>no_such_function();</script></body></html>");
  std::string dom, log;
  ASSERT_EQ(chromium(browser, "--dump-dom", "file://" + bad, &dom, &log), 0) << log;
  ASSERT_TRUE(has_console_messages(log)) << "Chromium did not log the uncaught error; log:\n" << log;

  ASSERT_EQ(chromium(browser, "--dump-dom", "file://" + report, &dom, &log), 0) << log;
  EXPECT_NE(dom.find("data-report-ready=\"yes\""), std::string::npos) << "the inline script did not run";
  // The staleness plots are in the rendered DOM as SVG, with their data path.
  for (const char* plot : {"staleness-t", "staleness-k"}) {
    const size_t at = dom.find(std::string("id=\"") + plot + "\"");
    ASSERT_NE(at, std::string::npos) << plot;
    EXPECT_NE(dom.find("<path class=\"ln ", at), std::string::npos) << plot << " has no data line";
  }
  EXPECT_FALSE(has_console_messages(log)) << log;

  const std::string png = browser.path() + "/report.png";
  ASSERT_EQ(chromium(browser, "--screenshot=" + png, "file://" + report, &dom, &log), 0) << log;
  ASSERT_TRUE(fs::is_regular_file(png)) << log;
  EXPECT_GT(fs::file_size(png), kScreenshotBytesMin);
  EXPECT_FALSE(has_console_messages(log)) << log;
  std::printf("screenshot: %ju bytes; replay: %s\n", fs::file_size(png), run.c_str());
}

TEST(ReportTest, QuantifyPageRendersInChromiumWithoutConsoleMessages) {
  ASSERT_TRUE(fs::exists(kChromium)) << kChromium
                                     << " is missing: install Debian's chromium package (scripts/setup.sh does)";
  ScratchDir out;
  std::string output;
  // Two configurations at the fewest reads: a few seconds in the simulator.
  const std::string command = testing::faultline_bin() + " audit --quantify --reads 100 --only R2W1-t-rr=async --out " +
                              out.path() + "/q";
  ASSERT_EQ(run_shell(command, &output), 0) << output;
  const std::string page = out.path() + "/q/quantify.html";
  ASSERT_TRUE(fs::is_regular_file(page)) << output;
  const std::string html = testing::read_file(page);
  EXPECT_EQ(html.find("http"), std::string::npos) << "the page must not reference the network";

  ScratchDir browser;
  std::string dom, log;
  ASSERT_EQ(chromium(browser, "--dump-dom", "file://" + page, &dom, &log), 0) << log;
  EXPECT_NE(dom.find("data-quantify-ready=\"yes\""), std::string::npos) << "the inline script did not run";
  for (const char* row : {"R2W1-t-rr=async", "R2W1-t-rr=async+digest"}) {
    const size_t at = dom.find(std::string("<h2 id=\"") + row + "\"");
    ASSERT_NE(at, std::string::npos) << row;
    EXPECT_NE(dom.find("<path class=\"ln ln-model\"", at), std::string::npos) << row << " has no model line";
    EXPECT_NE(dom.find("<path class=\"ln ln-measured\"", at), std::string::npos) << row << " has no measured line";
  }
  EXPECT_FALSE(has_console_messages(log)) << log;
  std::printf("replay: %s\n", command.c_str());
}

}  // namespace
}  // namespace faultline
