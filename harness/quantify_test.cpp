// Goal: `faultline audit --quantify` (harness/quantify.h) measures each
// configuration in the simulator beside the model and writes quantify.md,
// quantify.json and quantify.html: without repair the rows stay near the
// model (overlapping quorums at 1), anti-entropy spreads a version cut to W
// where the closed form says it never goes, and rows under the fault mix
// report latency and availability per fault window. Sub-matrices with few
// reads, to stay fast.
#include "harness/quantify.h"

#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/test_util.h"

namespace faultline {
namespace {

QuantifyOptions small(const test::TempDir& dir, const std::string& only) {
  QuantifyOptions o;
  o.out_dir = dir.file("q");
  o.reads_per_t = 200;
  o.model_trials = 20000;
  o.only = only;
  return o;
}

TEST(Quantify, WithoutRepairEveryConfigurationStaysNearTheModelAndIsWritten) {
  test::TempDir dir;
  const QuantifyOptions o = small(dir, "exp:10");
  std::vector<QuantifyRow> rows;
  ASSERT_TRUE(run_quantify(o, &rows));
  ASSERT_EQ(rows.size(), 7u);  // four t rows, three k rows
  for (const QuantifyRow& r : rows) {
    ASSERT_EQ(r.measured.size(), r.model.size()) << r.name;
    if (r.r == 2 && r.w == 2) {
      for (double m : r.measured) EXPECT_EQ(m, 1.0) << r.name;
      EXPECT_EQ(r.gap_max, 0.0) << r.name;
    }
    // 200 reads: a binomial standard error of at most 3.5 points.
    EXPECT_LT(r.gap_max, 0.15) << r.name;
    EXPECT_GT(r.ops.read.count, 0) << r.name;
    EXPECT_GT(r.ops.write.p50_ms, 0) << r.name;
    EXPECT_EQ(r.ops.availability(), 1.0) << r.name;
  }
  std::string md, json, html;
  ASSERT_TRUE(read_file(o.out_dir + "/quantify.md", &md));
  ASSERT_TRUE(read_file(o.out_dir + "/quantify.json", &json));
  ASSERT_TRUE(read_file(o.out_dir + "/quantify.html", &html));
  EXPECT_NE(md.find("| R1W1-t-exp:10 | exp:10 | none | t=0: "), std::string::npos) << md;
  EXPECT_EQ(nlohmann::json::parse(json).at("rows").size(), 7u);
  // One t plot and one k plot per row, each an inline SVG.
  size_t svgs = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++svgs;
  EXPECT_EQ(svgs, 14u);
  EXPECT_NE(html.find("id=\"R1W1-k-exp:10\""), std::string::npos);
}

// The fixed seed makes the verdict the same on every run; the gaps asserted
// are several binomial standard errors (at most 3.5 points at 200 reads).
TEST(Quantify, RepairSpreadsWhatTheClosedFormSaysStaysAtW) {
  test::TempDir dir;
  std::vector<QuantifyRow> rows;
  ASSERT_TRUE(run_quantify(small(dir, "W1-k-"), &rows));
  std::map<std::string, const QuantifyRow*> by_name;
  for (const QuantifyRow& r : rows) by_name[r.name] = &r;
  for (const char* name : {"R1W1-k-none", "R1W1-k-ae=50ms", "R2W1-k-none", "R2W1-k-rr=async"}) {
    ASSERT_TRUE(by_name.count(name)) << name;
  }
  // Without repair a version cut to W stays there: every t near the
  // closed form (1/3 for R = W = 1).
  for (double m : by_name["R1W1-k-none"]->measured) EXPECT_NEAR(m, 1.0 / 3, 0.12);
  // Read repair (an earlier read of the key repaired what it contacted):
  // at t = 40 ms far above the closed form; anti-entropy every 50 ms less so.
  EXPECT_GT(by_name["R2W1-k-rr=async"]->measured.back(), by_name["R2W1-k-none"]->measured.back() + 0.15);
  EXPECT_GT(by_name["R1W1-k-ae=50ms"]->measured.back(), by_name["R1W1-k-none"]->measured.back() + 0.05);
}

TEST(Quantify, UnderTheFaultMixAvailabilityIsReportedPerFaultWindow) {
  test::TempDir dir;
  std::vector<QuantifyRow> rows;
  ASSERT_TRUE(run_quantify(small(dir, "R2W1-t-none@faults"), &rows));
  ASSERT_EQ(rows.size(), 1u);
  const QuantifyRow& r = rows[0];
  EXPECT_TRUE(r.under_faults);
  ASSERT_EQ(r.ops.windows.size(), 4u);  // quiet, partition, kill, pause
  EXPECT_EQ(r.ops.windows[0].label, "quiet");
  EXPECT_NE(r.ops.windows[2].label.find("kill"), std::string::npos) << r.ops.windows[2].label;
  for (const FaultWindow& w : r.ops.windows) EXPECT_GT(w.counts.total(), 0) << w.label;
  EXPECT_LT(r.ops.availability(), 1.0);
  std::string md;
  ASSERT_TRUE(read_file(dir.file("q") + "/quantify.md", &md));
  EXPECT_NE(md.find("## Under the fault mix"), std::string::npos);
  EXPECT_NE(md.find("quiet: "), std::string::npos) << md;
}

}  // namespace
}  // namespace faultline
