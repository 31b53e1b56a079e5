// Goal: `faultline audit --quantify` (harness/quantify.h) runs every
// configuration of its matrix in the simulator and writes quantify.md and
// quantify.json; overlapping quorums measure and model 1 at every t, and
// the other rows stay near the model even at few reads.
#include "harness/quantify.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/test_util.h"

namespace faultline {
namespace {

TEST(Quantify, EveryConfigurationMeasuredBesideTheModelAndWritten) {
  test::TempDir dir;
  QuantifyOptions o;
  o.out_dir = dir.file("q");
  o.reads_per_t = 200;
  o.model_trials = 20000;
  std::vector<QuantifyRow> rows;
  ASSERT_TRUE(run_quantify(o, &rows));
  ASSERT_EQ(rows.size(), 11u);
  for (const QuantifyRow& r : rows) {
    ASSERT_EQ(r.measured.size(), r.model.size()) << r.name;
    if (r.r == 2 && r.w == 2) {
      for (double m : r.measured) EXPECT_EQ(m, 1.0) << r.name;
      EXPECT_EQ(r.gap_max, 0.0) << r.name;
    }
    // 200 reads: a binomial standard error of at most 3.5 points.
    EXPECT_LT(r.gap_max, 0.15) << r.name;
  }
  std::string md, json;
  ASSERT_TRUE(read_file(o.out_dir + "/quantify.md", &md));
  ASSERT_TRUE(read_file(o.out_dir + "/quantify.json", &json));
  EXPECT_NE(md.find("| R1W1-t-exp:10 | exp:10 | t=0: "), std::string::npos) << md;
  EXPECT_EQ(nlohmann::json::parse(json).at("rows").size(), 11u);
}

}  // namespace
}  // namespace faultline
