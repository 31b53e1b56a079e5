// Goal: the schedule is a pure function of the seed, fits every requested
// kind into the workload without overlap, heals before the workload ends,
// and every event it builds decodes; bad kinds and params name what is wrong.
#include "faults/schedule.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace faultline {
namespace {

ScheduleOptions all_kinds(int64_t duration_ms) {
  ScheduleOptions o;
  o.kinds.assign(std::begin(kFaultKinds), std::end(kFaultKinds));
  o.duration_ms = duration_ms;
  o.nodes = 5;
  return o;
}

TEST(Schedule, EveryKindOnceWithoutOverlapAndHealedBeforeTheEnd) {
  const uint64_t seed = test::test_seed();
  Rng rng(seed);
  auto events = build_schedule(all_kinds(20000), &rng);
  ASSERT_EQ(events.size(), std::size(kFaultKinds));
  std::set<std::string> kinds;
  int64_t last_end_ms = 0;
  for (const auto& e : events) {
    kinds.insert(e.kind);
    EXPECT_GT(e.start_ms, last_end_ms);
    last_end_ms = e.start_ms + e.duration_ms;
    EXPECT_LE(last_end_ms, 20000);
    FaultSpec spec;
    Status s = decode_fault(e, 5, &spec);
    EXPECT_TRUE(s) << e.kind << " " << e.params_json << ": " << s.message();
  }
  EXPECT_EQ(kinds.size(), std::size(kFaultKinds));
}

TEST(Schedule, SameSeedSameSchedule) {
  const uint64_t seed = test::test_seed();
  Rng a(seed), b(seed);
  ScheduleOptions o = all_kinds(60000);
  o.interval_ms = 2000;
  auto first = build_schedule(o, &a);
  EXPECT_EQ(first, build_schedule(o, &b));
  EXPECT_EQ(first.size(), 15u);  // starts at 2, 6, ..., 58 s
}

TEST(Schedule, ParsesKindListsAndNamesUnknownKinds) {
  std::vector<std::string> kinds;
  ASSERT_TRUE(parse_fault_kinds("kill,partition,kill", &kinds));
  EXPECT_EQ(kinds, (std::vector<std::string>{"kill", "partition"}));
  Status s = parse_fault_kinds("kill,explode", &kinds);
  EXPECT_NE(s.message().find("unknown fault 'explode'"), std::string::npos) << s.message();
  EXPECT_FALSE(parse_fault_kinds("", &kinds));
}

TEST(Schedule, DecodeChecksParams) {
  FaultEvent e;
  e.kind = "delay";
  e.params_json = R"({"latency_ms":-1})";
  FaultSpec spec;
  Status s = decode_fault(e, 5, &spec);
  EXPECT_NE(s.message().find("delay: params.latency_ms"), std::string::npos) << s.message();
  e.params_json = R"({"latency":5})";
  EXPECT_NE(decode_fault(e, 5, &spec).message().find("unknown field 'latency'"), std::string::npos);
  e = FaultEvent{0, 1000, "kill", {}, "{}"};
  EXPECT_FALSE(decode_fault(e, 5, &spec));
  e = FaultEvent{0, 1000, "partition", {"n2"}, R"({"partition":"one"})"};
  ASSERT_TRUE(decode_fault(e, 5, &spec));
  EXPECT_EQ(spec.grudge.at("n2").size(), 4u);
  e = FaultEvent{0, 1000, "clock", {"n1"}, R"({"offset_ms":-1500})"};
  ASSERT_TRUE(decode_fault(e, 5, &spec));
  EXPECT_EQ(spec.offset_ms, -1500);
}

}  // namespace
}  // namespace faultline
