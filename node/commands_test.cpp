// Unit tests of the client command layer (through SimCluster replicas), of
// reply ordering for pipelined commands, and of RESP parsing byte by byte.
#include "node/commands.h"

#include <gtest/gtest.h>

#include "core/node_status.h"
#include "core/resp.h"
#include "node/reply_queue.h"
#include "sim/sim_cluster.h"

namespace faultline {
namespace {

RespValue cmd(std::vector<std::string> args) {
  std::vector<RespValue> e;
  for (auto& a : args) e.push_back(RespValue::bulk(std::move(a)));
  return RespValue::array(std::move(e));
}

RespValue integer(int64_t i) { return RespValue::integer_value(i); }

class CommandsTest : public ::testing::Test {
 protected:
  CommandsTest() : cluster_(3, 3) {
    cluster_.start();
    for (NodeId n = 1; n <= 3; ++n) {
      commands_.push_back(std::make_unique<Commands>(&cluster_.replica(n), &cluster_.store(n)));
    }
  }

  // Runs a command on node n and lets the cluster run until it is answered.
  RespValue run(NodeId n, std::vector<std::string> args) {
    std::optional<RespValue> reply;
    bool expects = commands_[n - 1]->execute(cmd(std::move(args)), [&](RespValue r) { reply = std::move(r); });
    EXPECT_TRUE(expects);
    cluster_.run_for(1100);
    EXPECT_TRUE(reply.has_value());
    return reply.value_or(RespValue::error("no reply"));
  }

  std::string encoded(NodeId n, std::vector<std::string> args) { return resp_encode(run(n, std::move(args))); }

  SimCluster cluster_;
  std::vector<std::unique_ptr<Commands>> commands_;
};

TEST_F(CommandsTest, PingAnswersPongOrEchoes) {
  EXPECT_EQ(encoded(1, {"PING"}), "+PONG\r\n");
  EXPECT_EQ(encoded(1, {"ping", "hello"}), "$5\r\nhello\r\n");
  EXPECT_EQ(encoded(1, {"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
}

TEST_F(CommandsTest, SetGetDelWithDefaultConsistency) {
  EXPECT_EQ(encoded(1, {"SET", "k", "v1"}), "+OK\r\n");
  EXPECT_EQ(encoded(2, {"get", "k"}), "$2\r\nv1\r\n");
  EXPECT_EQ(encoded(3, {"DEL", "k"}), ":1\r\n");
  EXPECT_EQ(encoded(1, {"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(encoded(1, {"GET", "never"}), "$-1\r\n");
}

TEST_F(CommandsTest, FlSetReturnsTheVersionAndFlGetReturnsValueVersionTombstone) {
  RespValue v = run(1, {"FL.SET", "k", "v1", "ALL"});
  ASSERT_EQ(v.type, RespValue::Type::kArray);
  ASSERT_EQ(v.elements.size(), 2u);
  EXPECT_GT(v.elements[0].integer, 0);
  EXPECT_EQ(v.elements[1], integer(1));
  EXPECT_EQ(run(2, {"fl.get", "k", "quorum"}), RespValue::array({RespValue::bulk("v1"), v, integer(0)}));

  RespValue d = run(3, {"FL.DEL", "k"});
  ASSERT_EQ(d.elements.size(), 2u);
  EXPECT_EQ(d.elements[1], integer(3));
  EXPECT_EQ(run(1, {"FL.GET", "k", "ONE"}), RespValue::array({RespValue::null(), d, integer(1)}));
  EXPECT_EQ(encoded(1, {"FL.GET", "nothing"}), "*3\r\n$-1\r\n*-1\r\n:0\r\n");
}

TEST_F(CommandsTest, ErrorsAreWordedAsRedisWordsThem) {
  EXPECT_EQ(encoded(1, {"foo", "a", "b"}), "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(encoded(1, {"foo"}), "-ERR unknown command 'foo', with args beginning with: \r\n");
  EXPECT_EQ(encoded(1, {"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(encoded(1, {"get", "a", "b"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(encoded(1, {"SET", "a"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(encoded(1, {"SET", "a", "b", "EX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(encoded(1, {"DEL", "a", "b"}), "-ERR wrong number of arguments for 'del' command\r\n");
  EXPECT_EQ(encoded(1, {"FL.GET", "k", "ONE", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(encoded(1, {"FL.GET", "k", "ONE", "PRIMARY", "x"}), "-ERR wrong number of arguments for 'fl.get' command\r\n");
  EXPECT_EQ(encoded(1, {"FL.STATUS", "x"}), "-ERR wrong number of arguments for 'fl.status' command\r\n");
  EXPECT_EQ(encoded(1, {"FL.GET", "k", "X"}), "-ERR unknown consistency level 'X' (ANY, ONE, TWO, QUORUM, ALL)\r\n");
  EXPECT_EQ(encoded(1, {"FL.SET", "k", "v", "most"}),
            "-ERR unknown consistency level 'most' (ANY, ONE, TWO, QUORUM, ALL)\r\n");
  EXPECT_EQ(encoded(1, {"FL.GET", "k", "ANY"}), "-ERR consistency level ANY is for writes only\r\n");
  // The echo of a long unknown command is capped, as redis-server caps it.
  std::string long_arg(300, 'x');
  EXPECT_LT(encoded(1, {"nope", long_arg, long_arg}).size(), 300u);
}

// Goal: FL.FAULT DISK, the harness's disk fault, works only where the
// config enabled fault hooks (here: Commands given the store's hook), and
// says how to use it when misspelt.
TEST_F(CommandsTest, FlFaultDiskNeedsFaultHooksAndTogglesTheStore) {
  EXPECT_EQ(encoded(1, {"FL.FAULT", "DISK", "ERROR"}), "-ERR fault hooks are off (config fault_hooks)\r\n");
  EXPECT_FALSE(cluster_.disk(1).failing());
  commands_[0] = std::make_unique<Commands>(&cluster_.replica(1), &cluster_.store(1), &cluster_.disk(1));
  EXPECT_EQ(encoded(1, {"fl.fault", "disk", "error"}), "+OK\r\n");
  EXPECT_TRUE(cluster_.disk(1).failing());
  EXPECT_EQ(encoded(1, {"FL.FAULT", "DISK", "FULL"}), "-ERR syntax error: FL.FAULT DISK ERROR|OK\r\n");
  EXPECT_EQ(encoded(1, {"FL.FAULT", "DISK"}), "-ERR wrong number of arguments for 'fl.fault' command\r\n");
  // n1 refuses the record; n2 and n3 still make the QUORUM.
  EXPECT_EQ(encoded(1, {"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(cluster_.disk(1).refused(), 1);
  EXPECT_EQ(encoded(1, {"FL.FAULT", "DISK", "OK"}), "+OK\r\n");
  EXPECT_FALSE(cluster_.disk(1).failing());
}

TEST_F(CommandsTest, ProtocolErrorsAndTheEmptyCommand) {
  std::optional<RespValue> reply;
  EXPECT_FALSE(commands_[0]->execute(RespValue::array({}), [&](RespValue r) { reply = r; }));
  EXPECT_FALSE(reply) << "an empty command gets no reply";
  EXPECT_TRUE(commands_[0]->execute(RespValue::bulk("PING"), [&](RespValue r) { reply = r; }));
  EXPECT_EQ(reply->type, RespValue::Type::kError);
  EXPECT_EQ(reply->str.rfind("ERR Protocol error", 0), 0u) << reply->str;
  reply.reset();
  commands_[0]->execute(RespValue::array({RespValue::bulk("GET"), RespValue::integer_value(3)}), [&](RespValue r) { reply = r; });
  EXPECT_EQ(reply->str.rfind("ERR Protocol error", 0), 0u);
}

TEST_F(CommandsTest, CoordinatorOutcomesMapToUnavailableAndTimeout) {
  // TWO against rf 1 is certainly not applied.
  SimCluster single(1, 1);
  single.start();
  Commands c(&single.replica(1), &single.store(1));
  std::optional<RespValue> reply;
  c.execute(cmd({"FL.SET", "k", "v", "TWO"}), [&](RespValue r) { reply = r; });
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->str.rfind("UNAVAILABLE ", 0), 0u) << reply->str;

  cluster_.set_drop_if([](NodeId from, NodeId, const Body& b) { return from == 1 && std::holds_alternative<WriteRequest>(b); });
  RespValue t = run(1, {"SET", "k", "v"});
  EXPECT_EQ(t.type, RespValue::Type::kError);
  EXPECT_EQ(t.str.rfind("TIMEOUT ", 0), 0u) << t.str;

  cluster_.isolate(1, true);
  cluster_.run_for(2000);
  RespValue u = run(1, {"GET", "k"});
  EXPECT_EQ(u.str.rfind("UNAVAILABLE ", 0), 0u) << u.str;
}

TEST_F(CommandsTest, StatusAndDumpAreJson) {
  run(1, {"SET", "a", "1"});
  run(1, {"DEL", "b"});
  RespValue s = run(1, {"FL.STATUS"});
  ASSERT_EQ(s.type, RespValue::Type::kBulk);
  EXPECT_EQ(s.str,
            R"({"node":"n1","id":1,"client_port":0,"peer_port":0,"peers":{"n2":"up","n3":"up"},"records":2,"rf":3,"vnodes":8,"hints_pending":0,"handoffs_pending":0,"requests_in_flight":0,"ae_enabled":false,"ae_rounds_completed":0})");
  RespValue d = run(2, {"fl.dump"});
  ASSERT_EQ(d.type, RespValue::Type::kBulk);
  EXPECT_NE(d.str.find(R"("node":"n2")"), std::string::npos) << d.str;
  EXPECT_NE(d.str.find(R"("key":"a")"), std::string::npos) << d.str;
  EXPECT_NE(d.str.find(R"("tombstone":true)"), std::string::npos) << d.str;
}

// Goal: FL.STATUS is written by core's one writer, so the harness's strict
// reader reads every field back as the node meant it.
TEST_F(CommandsTest, StatusReadsBackThroughTheStrictReader) {
  run(1, {"SET", "a", "1"});
  NodeStatus st;
  ASSERT_TRUE(node_status_from_json(run(1, {"FL.STATUS"}).str, &st).is_ok());
  EXPECT_EQ(st.node, "n1");
  EXPECT_EQ(st.records, 1);
  EXPECT_EQ(st.rf, 3);
  EXPECT_TRUE(st.all_peers_up());
  EXPECT_EQ(st.peers_up.size(), 2u);
}

TEST_F(CommandsTest, DumpOfBytesThatAreNotUtf8IsNotACrash) {
  run(1, {"SET", "k", std::string("\xff\xfe", 2)});
  RespValue d = run(1, {"FL.DUMP"});
  // Either answer is fine (core may replace the bytes with U+FFFD); the node
  // must just not die of it.
  EXPECT_TRUE(d.type == RespValue::Type::kBulk || d.str.rfind("ERR dump failed", 0) == 0) << d.str;
  EXPECT_EQ(run(1, {"PING"}), RespValue::simple("PONG"));
}

TEST(ReplyQueue, RepliesLeaveInRequestOrderWhateverOrderTheyComplete) {
  ReplyQueue q;
  auto a = q.reserve();
  auto b = q.reserve();
  auto c = q.reserve();
  std::string out;
  q.fill(c, "C");
  EXPECT_EQ(q.take_ready(&out), 0u);
  q.fill(a, "A");
  EXPECT_EQ(q.take_ready(&out), 1u);
  EXPECT_EQ(out, "A");
  q.fill(b, "");  // an ignored command: nothing on the wire, order kept
  EXPECT_EQ(q.take_ready(&out), 2u);
  EXPECT_EQ(out, "AC");
  EXPECT_EQ(q.pending(), 0u);
}

TEST_F(CommandsTest, PipelinedRepliesKeepRequestOrderAcrossSlowAndFastCommands) {
  // A QUORUM write (needs the network) followed by PINGs (immediate).
  ReplyQueue q;
  std::vector<std::vector<std::string>> batch = {{"SET", "k", "v"}, {"PING"}, {"GET", "k"}, {"PING", "x"}};
  for (auto& args : batch) {
    auto slot = q.reserve();
    commands_[0]->execute(cmd(args), [&q, slot](RespValue r) { q.fill(slot, resp_encode(r)); });
  }
  std::string out;
  q.take_ready(&out);
  EXPECT_EQ(out, "") << "PING overtook the pending SET";
  cluster_.run_for(20);
  q.take_ready(&out);
  EXPECT_EQ(out, "+OK\r\n+PONG\r\n$1\r\nv\r\n$1\r\nx\r\n");
}

TEST_F(CommandsTest, TrailingPrimaryIsAcceptedWithOrWithoutAConsistencyLevel) {
  EXPECT_EQ(run(1, {"FL.SET", "k", "v", "QUORUM", "primary"}).type, RespValue::Type::kArray);
  EXPECT_EQ(run(1, {"FL.SET", "k", "v", "PRIMARY"}).type, RespValue::Type::kArray);
  EXPECT_EQ(run(1, {"FL.DEL", "k", "PRIMARY"}).type, RespValue::Type::kArray);
  EXPECT_EQ(run(1, {"FL.GET", "k", "ALL", "PRIMARY"}).type, RespValue::Type::kArray);
  EXPECT_EQ(encoded(1, {"FL.SET", "k", "v", "PRIMARY", "ONE"}), "-ERR syntax error\r\n");
}

TEST_F(CommandsTest, FlHintsListsPendingHintsAsJson) {
  EXPECT_EQ(encoded(1, {"FL.HINTS"}), "$2\r\n[]\r\n");
  cluster_.isolate(3, true);
  cluster_.run_for(2000);
  run(1, {"FL.SET", "k", "v", "ONE"});
  RespValue h = run(1, {"FL.HINTS"});
  ASSERT_EQ(h.type, RespValue::Type::kBulk);
  EXPECT_NE(h.str.find(R"("target":"n3","key":"k","version":[)"), std::string::npos) << h.str;
  EXPECT_NE(run(1, {"FL.STATUS"}).str.find(R"("hints_pending":1)"), std::string::npos);
  EXPECT_NE(run(1, {"FL.DUMP"}).str.find(R"("hints":[{"hint_id":"n1:)"), std::string::npos);
}

TEST(RespServerParsing, CommandsFedOneByteAtATime) {
  const std::string stream = resp_encode_command({"SET", "k", "v\r\nwith crlf"}) + "PING inline\r\n" +
                             resp_encode_command({"FL.GET", "k", "ALL"});
  RespParser p(true);
  std::vector<RespValue> got;
  for (char ch : stream) {
    p.feed(&ch, 1);
    RespValue v;
    RespParser::Result r;
    while ((r = p.next(&v)) == RespParser::Result::kGood) got.push_back(v);
    ASSERT_NE(r, RespParser::Result::kBad) << p.error();
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], cmd({"SET", "k", "v\r\nwith crlf"}));
  EXPECT_EQ(got[1], cmd({"PING", "inline"}));
  EXPECT_EQ(got[2], cmd({"FL.GET", "k", "ALL"}));
}

// Goal: keys and values over the configured limits get a clean
// error naming the limit, and the largest accepted value is stored on every
// replica (it fits a peer frame).
TEST_F(CommandsTest, KeysAndValuesOverTheLimitsAreRefusedNamingTheLimit) {
  const NodeLimits& l = cluster_.config(1).limits;
  const std::string long_key(static_cast<size_t>(l.key_bytes_max) + 1, 'k');
  const std::string big_value(static_cast<size_t>(l.value_bytes_max) + 1, 'v');
  const std::string key_error = "-ERR key is " + std::to_string(long_key.size()) + " bytes, above limits.key_bytes_max (" +
                                std::to_string(l.key_bytes_max) + ")\r\n";
  const std::string value_error = "-ERR value is " + std::to_string(big_value.size()) +
                                  " bytes, above limits.value_bytes_max (" + std::to_string(l.value_bytes_max) + ")\r\n";
  EXPECT_EQ(encoded(1, {"SET", long_key, "v"}), key_error);
  EXPECT_EQ(encoded(1, {"GET", long_key}), key_error);
  EXPECT_EQ(encoded(1, {"FL.DEL", long_key}), key_error);
  EXPECT_EQ(encoded(1, {"SET", "k", big_value}), value_error);
  EXPECT_EQ(encoded(1, {"FL.SET", "k", big_value, "ONE"}), value_error);
  EXPECT_EQ(encoded(1, {"SET", "k", big_value.substr(1)}), "+OK\r\n");
  EXPECT_EQ(encoded(1, {"SET", long_key.substr(1), big_value.substr(1)}), "+OK\r\n");
  for (NodeId n = 1; n <= 3; ++n) EXPECT_EQ(cluster_.store(n).count(), 2) << node_name(n);
}

// Goal: an unknown command named "X\r\n+INJECTED\r\n:42" gets one
// error reply, with its name escaped, not three replies.
TEST_F(CommandsTest, UnknownCommandEchoCannotInjectReplies) {
  EXPECT_EQ(encoded(1, {"X\r\n+INJECTED\r\n:42", "a\nb"}),
            "-ERR unknown command 'X\\x0d\\x0a+INJECTED\\x0d\\x0a:42', with args beginning with: 'a\\x0ab' \r\n");
}

}  // namespace
}  // namespace faultline
