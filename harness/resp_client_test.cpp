// Goal: RespClient tells "never delivered" (kUnavailable) apart from "sent,
// outcome unknown" (kTimeout, kIo), and reconnects after a failure.
#include "harness/resp_client.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "harness/fake_resp_server.h"

namespace faultline {
namespace {

constexpr int64_t kShortTimeoutMs = 200;

int free_unused_port() {
  // A port the fake server held and released: nothing listens there now.
  int port;
  {
    FakeRespServer gone({});
    port = gone.port();
  }
  return port;
}

TEST(RespClientTest, RefusedConnectIsUnavailable) {
  RespClient client(free_unused_port());
  RespValue reply;
  Status s = client.call({"PING"}, kShortTimeoutMs, &reply);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.to_string();
}

TEST(RespClientTest, ReplyIsParsed) {
  FakeRespServer server({FakeRespServer::reply("+PONG\r\n"), FakeRespServer::reply("*2\r\n:5\r\n:1\r\n")});
  RespClient client(server.port());
  RespValue reply;
  ASSERT_TRUE(client.call({"PING"}, kShortTimeoutMs, &reply));
  EXPECT_EQ(reply, RespValue::simple("PONG"));
  ASSERT_TRUE(client.call({"FL.SET", "k", "v", "QUORUM"}, kShortTimeoutMs, &reply));
  EXPECT_EQ(reply, RespValue::array({RespValue::integer_value(5), RespValue::integer_value(1)}));
  auto commands = server.commands();
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[1], (std::vector<std::string>{"FL.SET", "k", "v", "QUORUM"}));
}

TEST(RespClientTest, EveryReplyTypeIsParsedAndErrorRepliesAreNotTransportFailures) {
  const std::vector<std::pair<std::string, RespValue>> cases = {
      {"$5\r\nhello\r\n", RespValue::bulk("hello")},
      {"$-1\r\n", RespValue::null()},
      {"*-1\r\n", RespValue{RespValue::Type::kNullArray, {}, 0, {}}},
      {"-UNAVAILABLE not enough replicas\r\n", RespValue::error("UNAVAILABLE not enough replicas")},
  };
  for (const auto& [bytes, expected] : cases) {
    FakeRespServer server({FakeRespServer::reply(bytes)});
    RespClient client(server.port());
    RespValue reply;
    ASSERT_TRUE(client.call({"FL.GET", "k"}, kShortTimeoutMs, &reply)) << bytes;
    EXPECT_EQ(reply, expected) << bytes;
  }
}

// Goal: a reply's bulk string is bounded by the client's reply_bytes_max:
// beyond it an io error naming the limit, within it the value (FL.DUMP's
// client allows more than RESP's default).
TEST(RespClientTest, ReplyBulkIsBoundedByTheClientsLimit) {
  const std::string value(1000, 'x');
  const std::string bytes = "$1000\r\n" + value + "\r\n";
  FakeRespServer small({FakeRespServer::reply(bytes)});
  RespClient bounded(small.port(), 999);
  RespValue reply;
  Status s = bounded.call({"FL.DUMP"}, 5000, &reply);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("exceeds the limit of 999"), std::string::npos) << s.message();
  FakeRespServer large({FakeRespServer::reply(bytes)});
  RespClient enough(large.port(), 1000);
  ASSERT_TRUE(enough.call({"FL.DUMP"}, 5000, &reply));
  EXPECT_EQ(reply.str, value);
}

TEST(RespClientTest, SilenceIsTimeoutWithinTheDeadline) {
  FakeRespServer server({FakeRespServer::silence()});
  RespClient client(server.port());
  RespValue reply;
  int64_t start_ns = monotonic_now_ns();
  Status s = client.call({"FL.SET", "k", "v"}, kShortTimeoutMs, &reply);
  int64_t took_ms = (monotonic_now_ns() - start_ns) / 1000000;
  EXPECT_EQ(s.code(), Status::Code::kTimeout) << s.to_string();
  EXPECT_GE(took_ms, kShortTimeoutMs - 1);
  // Not a speed claim: the call must end (a missing deadline would hang it);
  // the slack is wide because a loaded machine may be slow to wake it.
  EXPECT_LT(took_ms, kShortTimeoutMs + 10000);
}

TEST(RespClientTest, HangUpAfterTheRequestIsIo) {
  FakeRespServer server({FakeRespServer::hang_up()});
  RespClient client(server.port());
  RespValue reply;
  Status s = client.call({"FL.SET", "k", "v"}, kShortTimeoutMs, &reply);
  EXPECT_EQ(s.code(), Status::Code::kIo) << s.to_string();
}

TEST(RespClientTest, GarbageReplyIsIo) {
  FakeRespServer server({FakeRespServer::reply("?what\r\n")});
  RespClient client(server.port());
  RespValue reply;
  Status s = client.call({"PING"}, kShortTimeoutMs, &reply);
  EXPECT_EQ(s.code(), Status::Code::kIo) << s.to_string();
}

TEST(RespClientTest, ReconnectsAfterAFailure) {
  FakeRespServer server({FakeRespServer::hang_up(), FakeRespServer::reply("+PONG\r\n")});
  RespClient client(server.port());
  RespValue reply;
  EXPECT_FALSE(client.call({"PING"}, kShortTimeoutMs, &reply));
  ASSERT_TRUE(client.call({"PING"}, kShortTimeoutMs, &reply));
  EXPECT_EQ(reply, RespValue::simple("PONG"));
}

}  // namespace
}  // namespace faultline
