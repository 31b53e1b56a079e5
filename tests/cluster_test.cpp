// Goal: the Cluster class starts real faultline-node processes that form one
// ring (a write through n1 is read back through n2 and n3 at QUORUM with the
// same version), and stop() leaves none of them running.
#include "harness/cluster.h"

#include <gtest/gtest.h>

#include "core/resp.h"
#include "harness/child_registry.h"
#include "harness/resp_client.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;

constexpr int64_t kRequestTimeoutMs = 5000;

RespValue call(const NodeProcess& n, const std::vector<std::string>& args) {
  RespClient client(n.client_port);
  RespValue reply;
  Status s = client.call(args, kRequestTimeoutMs, &reply);
  EXPECT_TRUE(s) << n.name << ": " << s.to_string();
  return reply;
}

TEST(ClusterTest, WriteThroughOneNodeIsReadThroughTheOthersAndStopLeavesNoProcess) {
  ScratchDir dir;
  ClusterOptions options;
  options.node_bin = testing::node_bin();
  options.dir = dir.path();
  options.plan.cluster.nodes = 3;
  options.plan.cluster.rf = 3;
  Cluster cluster(options);
  ASSERT_TRUE(cluster.start()) << "see " << dir.path() << "/nodes/*/node.log";
  std::vector<pid_t> pids;
  for (const auto& n : cluster.nodes()) {
    ASSERT_GT(n.pid, 0);
    EXPECT_FALSE(testing::process_gone(n.pid)) << n.name;
    pids.push_back(n.pid);
  }

  RespValue set = call(cluster.node(1), {"FL.SET", "a", "v1", "QUORUM"});
  ASSERT_EQ(set.type, RespValue::Type::kArray) << resp_encode(set);
  ASSERT_EQ(set.elements.size(), 2u);
  for (NodeId reader : {2u, 3u}) {
    RespValue get = call(cluster.node(reader), {"FL.GET", "a", "QUORUM"});
    ASSERT_EQ(get.type, RespValue::Type::kArray) << resp_encode(get);
    ASSERT_EQ(get.elements.size(), 3u);
    EXPECT_EQ(get.elements[0], RespValue::bulk("v1")) << "read through n" << reader;
    EXPECT_EQ(get.elements[1], set) << "version read through n" << reader << " differs from the one written";
    EXPECT_EQ(get.elements[2], RespValue::integer_value(0));
  }

  EXPECT_TRUE(cluster.stop());
  EXPECT_FALSE(cluster.running());
  for (pid_t pid : pids) EXPECT_TRUE(testing::process_gone(pid)) << "pid " << pid << " survived stop()";
}

TEST(ClusterTest, MissingNodeBinaryIsReportedNotThrown) {
  ScratchDir dir;
  ClusterOptions options;
  options.node_bin = dir.path() + "/no-such-node";
  options.dir = dir.path();
  Cluster cluster(options);
  Status s = cluster.start();
  EXPECT_EQ(s.code(), Status::Code::kNotFound) << s.to_string();
  EXPECT_NE(s.message().find("no-such-node"), std::string::npos) << s.message();
}

TEST(ClusterTest, NodeThatExitsAtOnceNamesItsLog) {
  ScratchDir dir;
  ClusterOptions options;
  options.node_bin = "/bin/false";
  options.dir = dir.path();
  options.plan.cluster.nodes = 1;
  options.plan.cluster.rf = 1;
  Cluster cluster(options);
  Status s = cluster.start();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("n1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("node.log"), std::string::npos) << s.message();
  EXPECT_FALSE(cluster.running());
}

}  // namespace
}  // namespace faultline
