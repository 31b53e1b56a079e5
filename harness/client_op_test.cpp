// Goal: every kind of node reply and transport failure becomes the right
// history completion (ok with version / fail / info), as the checker
// depends on: fail only when the request certainly did not apply.
#include "harness/client_op.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "harness/fake_resp_server.h"
#include "harness/resp_client.h"

namespace faultline {
namespace {

constexpr int64_t kTimeoutMs = 200;

class ClientOpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-client-op-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ASSERT_TRUE(HistoryWriter::open(dir_ + "/history.jsonl", HistoryHeader{}, &history_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  HistoryOp run(FakeRespServer::Answer answer, ClientRequest req) {
    FakeRespServer server({answer});
    RespClient conn(server.port());
    return execute_client_op(req, "n2", &conn, kTimeoutMs, history_.get());
  }

  static ClientRequest read() { return ClientRequest{7, "read", "k1", std::nullopt, ConsistencyLevel::kQuorum}; }
  static ClientRequest write() { return ClientRequest{7, "write", "k1", "7-0", ConsistencyLevel::kAll}; }

  std::string dir_;
  std::unique_ptr<HistoryWriter> history_;
};

TEST_F(ClientOpTest, WriteOkCarriesTheVersionAndInvokeIsRecordedFirst) {
  HistoryOp done = run(FakeRespServer::reply("*2\r\n:1700000000000001\r\n:3\r\n"), write());
  EXPECT_EQ(done.type, OpType::kOk);
  ASSERT_TRUE(done.version);
  EXPECT_EQ(*done.version, (Version{1700000000000001, 3}));
  EXPECT_EQ(done.value, "7-0");
  EXPECT_EQ(done.index, 1);  // the invoke took index 0
  history_.reset();
  std::unique_ptr<HistoryReader> reader;
  ASSERT_TRUE(HistoryReader::open(dir_ + "/history.jsonl", &reader));
  HistoryOp invoke;
  ASSERT_EQ(reader->next(&invoke), HistoryReader::Result::kOp);
  EXPECT_EQ(invoke.type, OpType::kInvoke);
  EXPECT_EQ(invoke.node, "n2");
  EXPECT_EQ(invoke.cl, ConsistencyLevel::kAll);
  EXPECT_EQ(invoke.value, "7-0");
}

TEST_F(ClientOpTest, ReadOfAValue) {
  HistoryOp done = run(FakeRespServer::reply("*3\r\n$3\r\n4-2\r\n*2\r\n:17\r\n:1\r\n:0\r\n"), read());
  EXPECT_EQ(done.type, OpType::kOk);
  EXPECT_EQ(done.value, "4-2");
  EXPECT_EQ(done.version, (Version{17, 1}));
  EXPECT_FALSE(done.tombstone);
}

TEST_F(ClientOpTest, ReadOfNothing) {
  HistoryOp done = run(FakeRespServer::reply("*3\r\n$-1\r\n*-1\r\n:0\r\n"), read());
  EXPECT_EQ(done.type, OpType::kOk);
  EXPECT_FALSE(done.value);
  EXPECT_FALSE(done.version);
}

TEST_F(ClientOpTest, ReadOfATombstone) {
  HistoryOp done = run(FakeRespServer::reply("*3\r\n$-1\r\n*2\r\n:17\r\n:1\r\n:1\r\n"), read());
  EXPECT_EQ(done.type, OpType::kOk);
  EXPECT_FALSE(done.value);
  EXPECT_EQ(done.version, (Version{17, 1}));
  EXPECT_TRUE(done.tombstone);
}

TEST_F(ClientOpTest, UnavailableAndOtherErrorsFail) {
  HistoryOp done = run(FakeRespServer::reply("-UNAVAILABLE 1 of 2 replicas up\r\n"), write());
  EXPECT_EQ(done.type, OpType::kFail);
  EXPECT_EQ(done.error, "UNAVAILABLE 1 of 2 replicas up");
  EXPECT_FALSE(done.version);
  EXPECT_EQ(run(FakeRespServer::reply("-ERR bad consistency level\r\n"), write()).type, OpType::kFail);
}

TEST_F(ClientOpTest, NodeTimeoutIsInfo) {
  EXPECT_EQ(run(FakeRespServer::reply("-TIMEOUT 1 of 2 acks\r\n"), write()).type, OpType::kInfo);
}

TEST_F(ClientOpTest, SilenceAndHangUpAreInfo) {
  EXPECT_EQ(run(FakeRespServer::silence(), write()).type, OpType::kInfo);
  EXPECT_EQ(run(FakeRespServer::hang_up(), write()).type, OpType::kInfo);
}

TEST_F(ClientOpTest, RefusedConnectionFails) {
  int port;
  {
    FakeRespServer gone({});
    port = gone.port();
  }
  RespClient conn(port);
  HistoryOp done = execute_client_op(write(), "n2", &conn, kTimeoutMs, history_.get());
  EXPECT_EQ(done.type, OpType::kFail) << done.error;
}

TEST_F(ClientOpTest, MalformedRepliesAreInfo) {
  for (const char* bytes : {"+OK\r\n", "*2\r\n:0\r\n:1\r\n", "*1\r\n:5\r\n", "*3\r\n$1\r\nx\r\n*-1\r\n:0\r\n",
                            "*3\r\n$1\r\nx\r\n*2\r\n:5\r\n:1\r\n:1\r\n"}) {
    ClientRequest req = std::string(bytes).rfind("*3", 0) == 0 ? read() : write();
    HistoryOp done = run(FakeRespServer::reply(bytes), req);
    EXPECT_EQ(done.type, OpType::kInfo) << bytes;
    EXPECT_NE(done.error.find("malformed"), std::string::npos) << done.error;
  }
}

}  // namespace
}  // namespace faultline
