// Goal: a plan's per-leg link latency and probe round-trip through
// plan.json, bad input is refused naming the field, the lookup prefers a
// direction's override, the message-leg table classifies every message
// type, and a plan without these fields keeps its text byte for byte.
#include "core/link_latency.h"

#include <gtest/gtest.h>

#include "core/codec.h"
#include "core/plan.h"

namespace faultline {
namespace {

constexpr const char* kLatency =
    R"({"write":{"dist":"exponential","mean_ms":5},"ack":{"dist":"constant","ms":2},)"
    R"("response":{"dist":"lognormal","mu":1.0,"sigma":0.5},)"
    R"("overrides":[{"from":"n1","to":"n2","write":{"dist":"exponential","mean_ms":40}}]})";

std::string error_of(const std::string& text) {
  LinkLatency l;
  const Status s = link_latency_from_json(text, "latency", 3, &l);
  return s ? "accepted" : s.message();
}

TEST(LinkLatency, ParsesLegsAndOverridesAndFindsTheRightDistribution) {
  LinkLatency l;
  ASSERT_TRUE(link_latency_from_json(kLatency, "latency", 3, &l));
  EXPECT_EQ(l.find(1, 2, MessageLeg::kWrite)->to_string(), "exp:40");
  EXPECT_EQ(l.find(2, 1, MessageLeg::kWrite)->to_string(), "exp:5");
  EXPECT_EQ(l.find(1, 2, MessageLeg::kAck)->to_string(), "const:2");
  EXPECT_EQ(l.find(3, 1, MessageLeg::kResponse)->to_string(), "lognormal:1,0.5");
  EXPECT_EQ(l.find(3, 1, MessageLeg::kRead), nullptr);
  EXPECT_EQ(l.find(3, 1, MessageLeg::kOther), nullptr);
  LinkLatency again;
  ASSERT_TRUE(link_latency_from_json(link_latency_to_json(l), "latency", 3, &again));
  EXPECT_EQ(link_latency_to_json(again), link_latency_to_json(l));
}

TEST(LinkLatency, BadInputNamesTheField) {
  EXPECT_EQ(error_of(R"({"write":{"dist":"exponential"}})"), "latency.write.mean_ms: missing");
  EXPECT_EQ(error_of(R"({"write":{"dist":"exponential","mean_ms":-1}})"),
            "latency.write.mean_ms: must be a number >= 0");
  EXPECT_EQ(error_of(R"({"read":{"dist":"pareto","alpha":1}})"),
            "latency.read.dist: must be constant, exponential or lognormal, got 'pareto'");
  EXPECT_EQ(error_of(R"({"ack":{"dist":"constant","ms":1,"extra":2}})"), "latency.ack.extra: unknown field");
  EXPECT_EQ(error_of(R"({"writes":{"dist":"constant","ms":1}})"), "latency.writes: unknown field");
  EXPECT_EQ(error_of(R"({"write":5})"), "latency.write: must be an object");
  EXPECT_EQ(error_of(R"({"overrides":[{"from":"n1","to":"n9","ack":{"dist":"constant","ms":1}}]})"),
            "latency.overrides[0].to: no node 'n9' in the cluster");
  EXPECT_EQ(error_of(R"({"overrides":[{"from":"n1","to":"n2"}]})"),
            "latency.overrides[0]: sets no leg (write, ack, read, response, other)");
  EXPECT_EQ(error_of(R"({"overrides":[{"to":"n2","ack":{"dist":"constant","ms":1}}]})"),
            "latency.overrides[0].from: missing");
}

TEST(LinkLatency, EveryMessageTypeHasItsLeg) {
  EXPECT_EQ(message_leg(Body{WriteRequest{}}), MessageLeg::kWrite);
  EXPECT_EQ(message_leg(Body{WriteReply{}}), MessageLeg::kAck);
  EXPECT_EQ(message_leg(Body{ReadRequest{}}), MessageLeg::kRead);
  EXPECT_EQ(message_leg(Body{ReadReply{}}), MessageLeg::kResponse);
  for (const Body& other : {Body{Ping{}}, Body{Pong{}}, Body{MerkleTreeRequest{}}, Body{MerkleTreeReply{}},
                            Body{MerkleSync{}}, Body{MerkleSyncReply{}}}) {
    EXPECT_EQ(message_leg(other), MessageLeg::kOther) << message_type_name(other);
  }
}

TEST(LinkLatency, PlanFieldsRoundTripAndAreOptional) {
  const Plan plain;
  const std::string plain_text = plan_to_json(plain);
  EXPECT_EQ(plain_text.find("latency"), std::string::npos) << "a plan without latency has no such field";
  EXPECT_EQ(plain_text.find("probe"), std::string::npos);

  Plan p;
  p.cluster.nodes = 3;
  ASSERT_TRUE(link_latency_from_json(kLatency, "latency", 3, &p.latency));
  p.probe.t_ms = {0, 5, 20};
  p.probe.rounds = 30;
  p.probe.writes_per_key = 2;
  p.probe.write_quorum_only = true;
  const std::string text = plan_to_json(p);
  Plan back;
  ASSERT_TRUE(plan_from_json(text, &back)) << text;
  EXPECT_EQ(plan_to_json(back), text);
  EXPECT_EQ(back.probe.t_ms, p.probe.t_ms);
  EXPECT_TRUE(back.probe.write_quorum_only);

  // Bounded by the cluster: an override naming a node the plan lacks.
  back.cluster.nodes = 1;
  back.cluster.rf = 1;
  EXPECT_EQ(validate_plan(back).message(), "latency.overrides[0].to: no node n2 in the cluster");
  Plan bad_probe = p;
  bad_probe.probe.rounds = 0;
  EXPECT_EQ(validate_plan(bad_probe).message(), "probe.rounds: must be in 1..10000000");
  std::string typo = text;
  typo.replace(typo.find("\"gap_ms\""), 8, "\"gap\"");
  EXPECT_EQ(plan_from_json(typo, &back).message(), "probe.gap: unknown field");

  // reads_per_key: absent at 1 (older plans keep their text), kept otherwise.
  EXPECT_EQ(text.find("reads_per_key"), std::string::npos);
  Plan several = p;
  several.probe.reads_per_key = 3;
  const std::string several_text = plan_to_json(several);
  ASSERT_TRUE(plan_from_json(several_text, &back)) << several_text;
  EXPECT_EQ(back.probe.reads_per_key, 3);
  several.probe.reads_per_key = 0;
  EXPECT_EQ(validate_plan(several).message(), "probe.reads_per_key: must be in 1..64");
}

}  // namespace
}  // namespace faultline
