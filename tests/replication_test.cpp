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

using testing::count_events;
using testing::wait_seen;
using testing::wait_until;

constexpr int64_t kEventWaitMs = 20000;  // bound on waiting for an event to appear (loaded machines are slow)
constexpr int64_t kAbsenceWaitMs = 1500;  // how long a switched-off mechanism is watched for staying silent

// Polls until some node logged `event` at least `count` times.
bool wait_event(const Cluster& c, const std::string& event, int count = 1) {
  return wait_until(kEventWaitMs, [&] { return count_events(c, event) >= count; });
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
  // Stops `id` and waits until every other node's failure detector sees it
  // down, so coordinators no longer send it anything.
  void pause(NodeId id) {
    ASSERT_TRUE(cluster.pause_node(id));
    ASSERT_TRUE(wait_seen(cluster, id, "down")) << node_name(id) << " never seen down";
  }
  // Resumes `id` and waits until it and every other node see each other up.
  void resume(NodeId id) {
    ASSERT_TRUE(cluster.resume_node(id));
    ASSERT_TRUE(wait_seen(cluster, id, "up")) << node_name(id) << " never seen up again";
  }

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
    // n3 is seen down, so each write's copy for it is hinted at once.
    if (on) {
      EXPECT_TRUE(wait_until(kEventWaitMs, [&] { return count_events(rc.cluster.node(1), "hint_stored") >= 3; }));
      rc.resume(3);
      EXPECT_TRUE(wait_event(rc.cluster, "hint_replayed", 3));
    } else {
      rc.resume(3);
      sleep_ms(kAbsenceWaitMs);
      EXPECT_EQ(count_events(rc.cluster, "hint_stored"), 0);
      EXPECT_EQ(count_events(rc.cluster, "hint_replayed"), 0);
    }
  }
}

TEST(ReplicationTest, BlockingReadRepairFixesAStaleReplicaWhenOnAndNoneWritesNothing) {
  for (ReadRepair rr : {ReadRepair::kBlocking, ReadRepair::kNone}) {
    SCOPED_TRACE(std::string("read repair ") + std::string(to_string(rr)));
    RunningCluster rc(3, modes(false, rr));
    rc.pause(3);  // seen down by n1, so the write is not even sent to it
    EXPECT_EQ(call_node(rc.cluster.node(1), {"FL.SET", "k", "new", "QUORUM"}).type, RespValue::Type::kArray);
    rc.resume(3);  // and seen up again by everyone
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
    rc.pause(3);  // seen down by n1, so the write is not even sent to it
    EXPECT_EQ(call_node(rc.cluster.node(1), {"FL.SET", "k", "new", "QUORUM"}).type, RespValue::Type::kArray);
    rc.resume(3);
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
    RespValue w = call_node(rc.cluster.node(primaries[0]), {"FL.SET", "k", "v", "ALL"});
    if (q == QuorumMode::kSloppy) {
      EXPECT_EQ(w.type, RespValue::Type::kArray) << resp_encode(w);
      EXPECT_EQ(count_events(rc.cluster, "handoff_stored"), 1);
      rc.resume(primaries[2]);
      EXPECT_TRUE(wait_event(rc.cluster, "handoff_delivered"));
    } else {
      EXPECT_EQ(w.type, RespValue::Type::kError) << resp_encode(w);
      rc.resume(primaries[2]);
      sleep_ms(kAbsenceWaitMs);
      EXPECT_EQ(count_events(rc.cluster, "handoff_stored"), 0);
    }
  }
}

}  // namespace
}  // namespace faultline
