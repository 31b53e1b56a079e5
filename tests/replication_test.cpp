// Goal: on a real cluster (faultline-node processes started by the harness
// Cluster class), each replication mechanism shows in the node events when
// its switch is on and stays silent when it is off: hinted handoff, read
// repair and sloppy quorum. A node is made unresponsive with SIGSTOP on its
// PID and brought back with SIGCONT.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/resp.h"
#include "core/ring.h"
#include "harness/cluster.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;
using testing::call_node;

constexpr int64_t kEventWaitMs = 8000;  // bound on waiting for an event to appear
constexpr int64_t kDownDetectMs = 1600;  // peer_down_after_ms (1000) plus two heartbeats and slack

// Lines of n's events.jsonl naming `event`.
int count_events(const NodeProcess& n, const std::string& event) {
  const std::string text = testing::read_file(n.dir + "/events.jsonl");
  const std::string needle = "\"event\":\"" + event + "\"";
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

int count_events(const Cluster& c, const std::string& event) {
  int n = 0;
  for (const auto& node : c.nodes()) n += count_events(node, event);
  return n;
}

// Polls until some node logged `event`, at most kEventWaitMs.
bool wait_event(const Cluster& c, const std::string& event) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kEventWaitMs);
  while (count_events(c, event) == 0) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

void sleep_ms(int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

struct RunningCluster {
  RunningCluster(int nodes, ModeSpec modes) : cluster(options(nodes, modes)) {
    Status s = cluster.start();
    EXPECT_TRUE(s) << s.to_string() << "; see " << dir.path() << "/nodes/*/node.log";
  }
  ~RunningCluster() {
    for (const auto& n : cluster.nodes()) {
      if (n.pid > 0) ::kill(n.pid, SIGCONT);  // never leave a stopped node behind
    }
    cluster.stop();
  }
  ClusterOptions options(int nodes, ModeSpec modes) {
    ClusterOptions o;
    o.node_bin = testing::node_bin();
    o.dir = dir.path();
    o.plan.cluster.nodes = nodes;
    o.plan.cluster.rf = 3;
    o.plan.modes = modes;
    return o;
  }
  void pause(NodeId id) { ASSERT_EQ(::kill(cluster.node(id).pid, SIGSTOP), 0); }
  void resume(NodeId id) { ASSERT_EQ(::kill(cluster.node(id).pid, SIGCONT), 0); }

  ScratchDir dir;  // declared first: outlives the cluster
  Cluster cluster;
};

ModeSpec modes(bool hints, ReadRepair rr, QuorumMode quorum = QuorumMode::kStrict) {
  ModeSpec m;
  m.hinted_handoff = hints;
  m.read_repair = rr;
  m.quorum = quorum;
  return m;
}

TEST(ReplicationTest, HintedHandoffStoresAndReplaysHintsWhenOnAndIsSilentWhenOff) {
  for (bool on : {true, false}) {
    SCOPED_TRACE(on ? "hinted handoff on" : "hinted handoff off");
    RunningCluster rc(3, modes(on, ReadRepair::kNone));
    rc.pause(3);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(call_node(rc.cluster.node(1), {"FL.SET", "k" + std::to_string(i), "v", "QUORUM"}).type,
                RespValue::Type::kArray);
    }
    sleep_ms(1200);  // past the request timeout: unacknowledged writes become hints
    rc.resume(3);
    if (on) {
      EXPECT_TRUE(wait_event(rc.cluster, "hint_replayed"));
      EXPECT_GE(count_events(rc.cluster.node(1), "hint_stored"), 3);
    } else {
      sleep_ms(1500);
      EXPECT_EQ(count_events(rc.cluster, "hint_stored"), 0);
      EXPECT_EQ(count_events(rc.cluster, "hint_replayed"), 0);
    }
  }
}

TEST(ReplicationTest, BlockingReadRepairFixesAStaleReplicaWhenOnAndNoneWritesNothing) {
  for (ReadRepair rr : {ReadRepair::kBlocking, ReadRepair::kNone}) {
    SCOPED_TRACE(std::string("read repair ") + std::string(to_string(rr)));
    RunningCluster rc(3, modes(false, rr));
    rc.pause(3);
    sleep_ms(kDownDetectMs);  // n1 sees n3 down, so the write is not even sent to it
    EXPECT_EQ(call_node(rc.cluster.node(1), {"FL.SET", "k", "new", "QUORUM"}).type, RespValue::Type::kArray);
    rc.resume(3);
    sleep_ms(kDownDetectMs);  // n3 is seen up again by everyone
    // An ALL read through n3 contacts every replica; n3 itself is stale.
    RespValue all = call_node(rc.cluster.node(3), {"FL.GET", "k", "ALL"});
    ASSERT_EQ(all.type, RespValue::Type::kArray) << resp_encode(all);
    EXPECT_EQ(all.elements[0], RespValue::bulk("new"));
    RespValue local = call_node(rc.cluster.node(3), {"FL.GET", "k", "ONE"});
    const bool repaired = local.type == RespValue::Type::kArray && local.elements[0] == RespValue::bulk("new");
    EXPECT_EQ(repaired, rr == ReadRepair::kBlocking) << resp_encode(local);
    EXPECT_EQ(count_events(rc.cluster.node(3), "read_repair"), rr == ReadRepair::kBlocking ? 1 : 0);
  }
}

// Goal: with digest reads on, a read whose replicas disagree is detected by
// digest (digest_mismatch), resolved by full reads and repaired; with them
// off the same scenario logs no digest_mismatch but still repairs.
TEST(ReplicationTest, DigestReadsDetectAStaleReplicaWhenOnAndAreSilentWhenOff) {
  for (bool digests : {true, false}) {
    SCOPED_TRACE(digests ? "digest reads on" : "digest reads off");
    ModeSpec m = modes(false, ReadRepair::kBlocking);
    m.digest_reads = digests;
    RunningCluster rc(3, m);
    rc.pause(3);
    sleep_ms(kDownDetectMs);  // n1 sees n3 down, so the write is not even sent to it
    EXPECT_EQ(call_node(rc.cluster.node(1), {"FL.SET", "k", "new", "QUORUM"}).type, RespValue::Type::kArray);
    rc.resume(3);
    sleep_ms(kDownDetectMs);
    RespValue all = call_node(rc.cluster.node(3), {"FL.GET", "k", "ALL"});
    ASSERT_EQ(all.type, RespValue::Type::kArray) << resp_encode(all);
    EXPECT_EQ(all.elements[0], RespValue::bulk("new"));
    EXPECT_EQ(count_events(rc.cluster.node(3), "digest_mismatch"), digests ? 1 : 0);
    RespValue local = call_node(rc.cluster.node(3), {"FL.GET", "k", "ONE"});
    ASSERT_EQ(local.type, RespValue::Type::kArray) << resp_encode(local);
    EXPECT_EQ(local.elements[0], RespValue::bulk("new")) << "the stale replica was repaired";
  }
}

TEST(ReplicationTest, SloppyQuorumHandsOffToAFallbackWhenOnAndStrictRefuses) {
  for (QuorumMode q : {QuorumMode::kSloppy, QuorumMode::kStrict}) {
    SCOPED_TRACE(std::string("quorum ") + std::string(to_string(q)));
    RunningCluster rc(4, modes(false, ReadRepair::kNone, q));
    Ring ring({1, 2, 3, 4}, ClusterSpec{}.vnodes, 3);
    const std::vector<NodeId> primaries = ring.preference_list(token_of("k"));
    rc.pause(primaries[2]);
    sleep_ms(kDownDetectMs);
    RespValue w = call_node(rc.cluster.node(primaries[0]), {"FL.SET", "k", "v", "ALL"});
    if (q == QuorumMode::kSloppy) {
      EXPECT_EQ(w.type, RespValue::Type::kArray) << resp_encode(w);
      EXPECT_EQ(count_events(rc.cluster, "handoff_stored"), 1);
      rc.resume(primaries[2]);
      EXPECT_TRUE(wait_event(rc.cluster, "handoff_delivered"));
    } else {
      EXPECT_EQ(w.type, RespValue::Type::kError) << resp_encode(w);
      rc.resume(primaries[2]);
      sleep_ms(500);
      EXPECT_EQ(count_events(rc.cluster, "handoff_stored"), 0);
    }
  }
}

}  // namespace
}  // namespace faultline
