// Goal: the operation statistics of a history (checker/op_stats.h): latency
// percentiles of ok reads and writes from invoke and completion times,
// availability overall and per fault window, final reads left out; and
// measure_history gives the same staleness as measure_staleness in the
// same pass.
#include "checker/op_stats.h"

#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline {
namespace {

using testing::HistoryBuilder;
using testing::V;

TEST(OpStats, NearestRankQuantiles) {
  std::vector<float> v;
  EXPECT_EQ(quantile_ms(&v, 0.5), 0);
  for (int i = 100; i >= 1; --i) v.push_back(static_cast<float>(i));
  EXPECT_EQ(quantile_ms(&v, 0.5), 50);
  EXPECT_EQ(quantile_ms(&v, 0.99), 99);
  EXPECT_EQ(quantile_ms(&v, 0.999), 100);
  EXPECT_EQ(quantile_ms(&v, 1.0), 100);
}

TEST(OpStats, LatencyAndAvailabilityPerFaultWindowFromAHistoryFile) {
  HistoryBuilder h;
  h.phase("workload-start");
  h.acked_write(1, "k", "a", V(10));  // records 1 us apart: 0.001 ms
  h.fault("kill", "start", R"("targets":["n2"])");
  h.write(1, "k", "b");
  h.wait_ms(9);
  h.ok(1, V(20));  // 9.001 ms
  h.read(2, "k");
  h.fail(2);
  h.fault("kill", "heal", R"("targets":["n2"])");
  h.read_saw(3, "k", std::string("b"), V(20));
  h.quiesced();
  h.phase("final-reads");
  h.read_saw(4, "k", std::string("b"), V(20));  // a final read: not counted
  const std::filesystem::path dir = testing::temp_run_dir();
  testing::write_run_dir(dir, testing::strong_plan(), h.ops(), {});
  StalenessSummary s, alone;
  OpStats st;
  ASSERT_TRUE(measure_history((dir / "history.jsonl").string(), {}, &s, &st));
  ASSERT_TRUE(measure_staleness((dir / "history.jsonl").string(), {}, &alone));
  EXPECT_EQ(staleness_to_json(s), staleness_to_json(alone));
  EXPECT_EQ(st.write.count, 2);
  EXPECT_NEAR(st.write.p50_ms, 0.001, 1e-4);
  EXPECT_NEAR(st.write.p99_ms, 9.001, 1e-3);
  EXPECT_EQ(st.read.count, 1);
  EXPECT_EQ(st.reads.total(), 2);
  EXPECT_EQ(st.reads.fail, 1);
  EXPECT_DOUBLE_EQ(st.availability(), 0.75);
  ASSERT_EQ(st.windows.size(), 2u);
  EXPECT_EQ(st.windows[0].label, "quiet");
  EXPECT_EQ(st.windows[0].counts.ok, 2);
  EXPECT_EQ(st.windows[1].counts.ok, 1);
  EXPECT_EQ(st.windows[1].counts.fail, 1);
  EXPECT_NE(st.windows[1].label.find("kill n2"), std::string::npos) << st.windows[1].label;
}

}  // namespace
}  // namespace faultline
