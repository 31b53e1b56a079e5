// Goal: staleness is measured as PBS defines it: a read is judged against
// the newest write acknowledged before it started, counted in versions
// behind (k) and in ms after that acknowledgement (t); concurrent writes,
// deletes, final reads and reads before any write are handled as
// checker/staleness.h says.
#include "checker/staleness.h"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "checker/checker_test_util.h"

namespace faultline {
namespace {

using testing::HistoryBuilder;
using testing::V;

// The builder's ops with one op per millisecond, so t in ms is a
// difference of indices.
std::vector<HistoryOp> ms_apart(const HistoryBuilder& h) {
  std::vector<HistoryOp> ops = h.ops();
  for (HistoryOp& op : ops) op.time_ns = (op.index + 1) * 1000000;
  return ops;
}

StalenessSummary measure(const std::vector<HistoryOp>& ops) {
  StalenessMeter meter;
  std::unordered_map<int64_t, HistoryOp> pending;
  bool final_reads = false;
  for (const HistoryOp& op : ops) {
    if (op.is_nemesis()) {
      if (op.fault_json.find("final-reads") != std::string::npos) final_reads = true;
      continue;
    }
    if (op.type == OpType::kInvoke) {
      pending[op.process] = op;
      continue;
    }
    meter.on_complete(pending.at(op.process), op, final_reads);
    pending.erase(op.process);
  }
  return meter.finish();
}

TEST(Staleness, AReadIsJudgedAgainstTheNewestWriteAcknowledgedBeforeItStarted) {
  HistoryBuilder h;
  h.read_saw(1, "k", std::nullopt, std::nullopt);  // 0-1: nothing written yet: not judged
  h.acked_write(1, "k", "a", V(10));               // 2-3: acknowledged at 4 ms
  h.acked_write(1, "k", "b", V(20));               // 4-5: acknowledged at 6 ms
  h.read_saw(2, "k", std::string("b"), V(20));     // 6-7: consistent, t = 7 - 6 = 1 ms
  h.read_saw(2, "k", std::string("a"), V(10));     // 8-9: one version behind, t = 3 ms
  h.read_saw(2, "k", std::nullopt, std::nullopt);  // 10-11: nothing: both versions behind, t = 5 ms
  const StalenessSummary s = measure(ms_apart(h));
  EXPECT_EQ(s.reads_ok, 4);
  EXPECT_EQ(s.reads_judged, 3);
  EXPECT_EQ(s.consistent, 1);
  EXPECT_EQ(s.k_histogram, (std::map<int64_t, int64_t>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(s.stale_t_ms_max, 5);
  EXPECT_NEAR(s.p_consistent(), 1.0 / 3, 1e-12);
  // Buckets 0, 1, 2, 5 ms: one read each in the 1 ms and 5 ms buckets... and 3 ms falls in (2, 5].
  EXPECT_EQ(s.t_visibility[1].t_ms_min, 1);
  EXPECT_EQ(s.t_visibility[1].reads, 1);
  EXPECT_EQ(s.t_visibility[1].consistent, 1);
  EXPECT_EQ(s.t_visibility[3].t_ms_min, 3);
  EXPECT_EQ(s.t_visibility[3].t_ms_max, 5);
  EXPECT_EQ(s.t_visibility[3].reads, 2);
  EXPECT_EQ(s.t_visibility[3].consistent, 0);
}

TEST(Staleness, AWriteAcknowledgedAfterTheReadStartedBindsNothing) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(10));
  h.read(2, "k");                 // starts before b is acknowledged
  h.acked_write(1, "k", "b", V(20));
  h.ok_read(2, std::string("a"), V(10));
  const StalenessSummary s = measure(ms_apart(h));
  EXPECT_EQ(s.reads_judged, 1);
  EXPECT_EQ(s.consistent, 1);
}

TEST(Staleness, NothingReadAfterADeleteIsConsistentAndFinalReadsAreLeftOut) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(10));
  h.acked_delete(1, "k", V(20));
  h.read_saw(2, "k", std::nullopt, std::nullopt);  // purged tombstone or none: the delete's state
  h.read_saw(2, "k", std::nullopt, V(20), true);   // the tombstone itself
  h.read_saw(2, "k", std::string("a"), V(10));     // resurrected value: one behind
  h.phase("final-reads");
  h.read_saw(3, "k", std::string("a"), V(10));     // not a workload read
  const StalenessSummary s = measure(ms_apart(h));
  EXPECT_EQ(s.reads_ok, 3);
  EXPECT_EQ(s.reads_judged, 3);
  EXPECT_EQ(s.consistent, 2);
  EXPECT_EQ(s.k_histogram.at(1), 1);
}

TEST(Staleness, MeasuredFromAHistoryFileAndMalformedLinesAreNamed) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(10));
  h.acked_write(1, "k", "b", V(20));
  h.read_saw(2, "k", std::string("a"), V(10));
  const std::filesystem::path dir = testing::temp_run_dir();
  testing::write_run_dir(dir, testing::strong_plan(), ms_apart(h), {});
  StalenessSummary s;
  ASSERT_TRUE(measure_staleness((dir / "history.jsonl").string(), {}, &s));
  EXPECT_EQ(s.reads_judged, 1);
  EXPECT_EQ(s.consistent, 0);
  const nlohmann::json j = nlohmann::json::parse(staleness_to_json(s));
  EXPECT_EQ(j["k_histogram"]["1"], 1);
  EXPECT_EQ(j["t_visibility"].back()["t_ms_max"], nullptr);
  EXPECT_EQ(j["reads_judged"], 1);

  std::ofstream(dir / "history.jsonl", std::ios::app) << "{\"index\":\n";
  std::ofstream(dir / "history.jsonl", std::ios::app) << "not json\n";
  const Status bad = measure_staleness((dir / "history.jsonl").string(), {}, &s);
  EXPECT_FALSE(bad);
  EXPECT_NE(bad.message().find("history.jsonl:"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace faultline

namespace faultline {
namespace {

// Goal: staleness.json round-trips through its strict reader, and each kind
// of bad input is refused with the file and the field named.
TEST(StalenessFile, WrittenFromARunDirectoryAndReadBackStrictly) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(10));
  h.acked_write(1, "k", "b", V(20));
  h.read_saw(2, "k", std::string("a"), V(10));
  h.read_saw(2, "k", std::string("b"), V(20));
  const std::filesystem::path dir = testing::temp_run_dir();
  testing::write_run_dir(dir, testing::strong_plan(), ms_apart(h), {});
  StalenessSummary written, read;
  ASSERT_TRUE(write_staleness_file(dir.string(), &written));
  ASSERT_TRUE(read_staleness_file(dir.string(), &read));
  EXPECT_EQ(staleness_to_json(read), staleness_to_json(written));
  EXPECT_EQ(read.reads_judged, 2);
  EXPECT_EQ(read.k_histogram, (std::map<int64_t, int64_t>{{0, 1}, {1, 1}}));

  const std::string good = staleness_to_json(written);
  auto error_of = [](const std::string& text) {
    StalenessSummary s;
    const Status st = staleness_from_json(text, "x/staleness.json", &s);
    return st ? std::string("accepted") : st.message();
  };
  auto edited = [&good](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(good);
    edit(j);
    return j.dump();
  };
  EXPECT_EQ(error_of(good), "accepted");
  EXPECT_EQ(error_of("{"), "x/staleness.json: not valid JSON");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j.erase("reads_ok"); })), "x/staleness.json: reads_ok: missing");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j["extra"] = 1; })), "x/staleness.json: extra: unknown field");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j["t_visibility"][2]["reads"] = -1; })),
            "x/staleness.json: t_visibility[2].reads: must be an integer >= 0");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j["consistent"] = 2; })),
            "x/staleness.json: p_consistent: must be consistent / reads_judged");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j["k_histogram"]["x"] = 1; })),
            "x/staleness.json: k_histogram.x: the key must be a count of versions in 0..64");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j["t_visibility"].back()["t_ms_max"] = 9; })),
            "x/staleness.json: t_visibility[13].t_ms_max: must be null exactly in the last bucket");
  EXPECT_EQ(error_of(edited([](nlohmann::json& j) { j["format_version"] = 2; })),
            "x/staleness.json: format_version: unsupported version");

  std::filesystem::remove(dir / "staleness.json");
  EXPECT_EQ(read_staleness_file(dir.string(), &read).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace faultline
