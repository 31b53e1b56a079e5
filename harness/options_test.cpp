// The shared option values: budgets ("90s", "10m", "1h", seconds) and
// seconds within a range, both as plain parsers and as the CLI11 transforms
// the subcommands declare, which reject a bad value naming the option.
#include "harness/options.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace faultline {
namespace {

TEST(Options, BudgetsParseTheirUnitsAndStayWithinAWeek) {
  int64_t ms = 0;
  EXPECT_TRUE(test::succeeds(parse_budget_ms("90s", &ms)));
  EXPECT_EQ(ms, 90000);
  EXPECT_TRUE(test::succeeds(parse_budget_ms("10m", &ms)));
  EXPECT_EQ(ms, 600000);
  EXPECT_TRUE(test::succeeds(parse_budget_ms("2h", &ms)));
  EXPECT_EQ(ms, 7200000);
  EXPECT_TRUE(test::succeeds(parse_budget_ms("600", &ms)));
  EXPECT_EQ(ms, 600000);
  for (const char* bad : {"", "0", "-1", "1x", "s", "169h", "99999999999999999999"}) {
    EXPECT_FALSE(parse_budget_ms(bad, &ms).is_ok()) << bad;
  }
  EXPECT_TRUE(test::succeeds(parse_budget_ms("0", &ms, /*zero_allowed=*/true)));
  EXPECT_EQ(ms, 0);
}

TEST(Options, SecondsStayInTheirRange) {
  int64_t ms = 0;
  EXPECT_TRUE(test::succeeds(parse_seconds_ms("1.5", 0, 3600, false, &ms)));
  EXPECT_EQ(ms, 1500);
  for (const char* bad : {"0", "-1", "3601", "1e308", "nan", "x"}) {
    EXPECT_FALSE(parse_seconds_ms(bad, 0, 3600, false, &ms).is_ok()) << bad;
  }
}

TEST(Options, TransformsRejectABadValueNamingTheOption) {
  CLI::App app;
  int64_t budget = 0;
  app.add_option("--budget", budget)->transform(budget_ms());
  app.parse("--budget 2m", false);
  EXPECT_EQ(budget, 120000);
  try {
    app.parse("--budget 2x", false);
    ADD_FAILURE() << "--budget 2x was accepted";
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("--budget"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'2x'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace faultline
