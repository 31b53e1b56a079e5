// FL.STATUS reads back what it was written from, and a missing, renamed or
// mistyped field is an error naming it. Regression: quiesce read a missing
// "hints_pending" as 0, so renaming the field would have let every run pass
// quiesce with hints still pending.
#include "core/node_status.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace faultline {
namespace {

NodeStatus sample() {
  NodeStatus s;
  s.node = "n1";
  s.id = 1;
  s.client_port = 7001;
  s.peer_port = 7002;
  s.peers_up = {{"n2", true}, {"n3", false}};
  s.records = 5;
  s.rf = 3;
  s.vnodes = 8;
  s.hints_pending = 2;
  s.ae_enabled = true;
  s.ae_rounds_completed = 4;
  return s;
}

TEST(NodeStatus, RoundTrips) {
  NodeStatus back;
  ASSERT_TRUE(test::succeeds(node_status_from_json(node_status_to_json(sample()), &back)));
  EXPECT_EQ(node_status_to_json(back), node_status_to_json(sample()));
  EXPECT_FALSE(back.all_peers_up());
}

TEST(NodeStatus, AMissingRenamedOrMistypedFieldIsAnError) {
  const std::string text = node_status_to_json(sample());
  auto edited = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    return t.replace(t.find(from), from.size(), to);
  };
  NodeStatus out;
  EXPECT_TRUE(test::fails_with(node_status_from_json(edited("\"hints_pending\"", "\"hints_waiting\""), &out),
                               "hints_pending: missing"));
  EXPECT_TRUE(test::fails_with(node_status_from_json(edited("\"hints_pending\":2", "\"hints_pending\":\"2\""), &out),
                               "hints_pending: has the wrong type"));
  EXPECT_TRUE(test::fails_with(node_status_from_json(edited("\"hints_pending\":2", "\"hints_pending\":-1"), &out),
                               "hints_pending: must be >= 0"));
  EXPECT_TRUE(test::fails_with(node_status_from_json(edited("\"rf\":3", "\"rf\":3,\"extra\":1"), &out),
                               "extra: unknown field"));
  EXPECT_TRUE(test::fails_with(node_status_from_json(edited("\"down\"", "\"sideways\""), &out),
                               "peers.n3: must be \"up\" or \"down\""));
  EXPECT_TRUE(test::fails_with(node_status_from_json("[]", &out), "not a JSON object"));
}

}  // namespace
}  // namespace faultline
