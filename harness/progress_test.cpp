// Goal: the progress line says elapsed / budget, units done (of a total) with
// their rate and the caller's detail; a terminal gets one line redrawn with
// '\r' and erased at stop, anything else plain "progress:" lines.
#include "harness/progress.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

namespace faultline {
namespace {

TEST(ProgressTest, FormatsElapsedBudgetRateAndDetail) {
  ProgressOptions run{.unit = "ops", .budget_ms = 20000};
  EXPECT_EQ(Progress::format(run, {2450, 0, "fault: partition halves"}, 12300, 199.2),
            "12.3s / 20.0s  ops 2450 (199/s)  fault: partition halves");
  ProgressOptions audit{.unit = "runs", .budget_ms = 600000};
  EXPECT_EQ(Progress::format(audit, {3, 12, ""}, 75000, 0.04), "1m15s / 10m00s  runs 3/12 (2.4/min)");
  EXPECT_EQ(Progress::format(ProgressOptions{.unit = "tries"}, {0, 0, ""}, 0, -1), "0.0s  tries 0");
}

// Runs a Progress over a counter for a while and returns what it printed.
std::string run_for(bool live, std::chrono::milliseconds how_long) {
  std::ostringstream out;
  std::atomic<int64_t> done{0};
  Progress p(out, live, ProgressOptions{.unit = "ops", .budget_ms = 1000, .tty_refresh_ms = 10, .plain_interval_ms = 30},
             [&] { return ProgressSample{done.fetch_add(1) + 1, 0, "fault: none"}; });
  std::this_thread::sleep_for(how_long);
  p.stop();
  p.stop();  // idempotent
  return out.str();
}

TEST(ProgressTest, PlainLinesOnAPipe) {
  std::string text = run_for(false, std::chrono::milliseconds(200));
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_EQ(text.rfind("progress: ", 0), 0u) << text;
  EXPECT_NE(text.find("fault: none\n"), std::string::npos) << text;
  EXPECT_GE(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

TEST(ProgressTest, LiveLineIsRedrawnAndErasedOnATerminal) {
  std::string text = run_for(true, std::chrono::milliseconds(200));
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_GE(std::count(text.begin(), text.end(), '\r'), 3) << text;
  // The last thing written blanks the line and returns to its start.
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.back(), '\r');
  const size_t last_text = text.find_last_not_of(" \r");
  EXPECT_LT(last_text, text.rfind('\r', text.size() - 2)) << text;
}

TEST(ProgressTest, RateIsRecentNotTheAverageSinceStart) {
  // 1000 units were already done when progress started and none since: the
  // rate is zero, where an average since start would be thousands per second.
  std::ostringstream out;
  Progress p(out, false, ProgressOptions{.unit = "ops", .plain_interval_ms = 30},
             [] { return ProgressSample{1000, 0, ""}; });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  p.stop();
  EXPECT_NE(out.str().find("ops 1000 (0.0/min)\n"), std::string::npos) << out.str();
}

TEST(ProgressTest, NothingPrintedBeforeTheFirstPeriod) {
  EXPECT_EQ(run_for(false, std::chrono::milliseconds(0)), "");
}

}  // namespace
}  // namespace faultline
