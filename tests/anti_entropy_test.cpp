// Goal: Merkle-tree anti-entropy in a real cluster. With it on, writes made
// while one node was SIGSTOPped (and seen down, so it got none of them) reach
// that node after FL.REPAIR's round: every replica then reports the same
// FL.DUMP records, and FL.MERKLE roots that are honest at their own depths
// (each node sizes its trees from its own key counts, so a replica that
// caught up may still hold a shallower tree until its next exchange) and
// equal wherever the depths are, and merkle_exchange events show it
// acting. With it off, it stays silent: no merkle_exchange events, FL.REPAIR
// and FL.MERKLE refuse, FL.DUMP's merkle_roots is null.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/merkle_hash.h"
#include "core/node_dump.h"
#include "core/resp.h"
#include "harness/cluster.h"
#include "harness/resp_client.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using nlohmann::json;
using testing::ScratchDir;

constexpr int64_t kRoundWaitMsMax = 60000;  // a bound: a loaded machine is slow
constexpr int kKeys = 40;

RespValue call(const NodeProcess& n, const std::vector<std::string>& args) { return testing::call_node(n, args); }

json call_json(const NodeProcess& n, const std::string& command) { return testing::call_node_json(n, command); }
using testing::count_events;
using testing::wait_until;

Plan three_node_plan(bool anti_entropy) {
  Plan p;
  p.cluster.nodes = 3;
  p.cluster.rf = 3;
  p.cluster.vnodes = 4;
  // Only anti-entropy may carry the missed writes to n3.
  p.modes.hinted_handoff = false;
  p.modes.read_repair = ReadRepair::kNone;
  p.modes.quorum = QuorumMode::kStrict;
  p.modes.anti_entropy = anti_entropy;
  p.modes.anti_entropy_interval_ms = 600000;  // rounds only when FL.REPAIR asks
  p.modes.merkle_depth = 6;
  return p;
}

// Each root of `n`'s FL.MERKLE recomputed from its FL.DUMP records at the
// root's depth (core/merkle_hash.h), which must be reported.
void expect_honest_roots(const NodeProcess& n, const std::string& name) {
  NodeDump d;
  ASSERT_TRUE(node_dump_from_json(call_json(n, "FL.DUMP").dump(), &d).is_ok()) << name;
  ASSERT_TRUE(d.merkle_roots.has_value()) << name;
  for (const RangeRoot& rr : *d.merkle_roots) {
    ASSERT_GE(rr.depth, kMerkleDepthMin) << name;
    const TokenRange range{rr.left, rr.right};
    std::vector<uint64_t> leaves(size_t{1} << rr.depth, 0);
    for (const Record& r : d.records) {
      if (range.contains(token_of(r.key))) leaves[merkle_leaf_index(range, token_of(r.key), rr.depth)] += merkle_record_hash(r);
    }
    EXPECT_EQ(merkle_hex(rr.root), merkle_hex(merkle_root_of_leaves(leaves))) << name << " range " << rr.range_index;
  }
}

// Writes kKeys keys at ONE through n1 while n3 is stopped and seen down.
void write_while_n3_stopped(Cluster& cluster) {
  ASSERT_TRUE(cluster.pause_node(3));
  ASSERT_TRUE(testing::wait_seen(cluster, 3, "down"));
  for (int i = 0; i < kKeys; ++i) {
    RespValue r = call(cluster.node(1), {"FL.SET", "k" + std::to_string(i), "v" + std::to_string(i), "ONE"});
    ASSERT_EQ(r.type, RespValue::Type::kArray) << resp_encode(r);
  }
  ASSERT_TRUE(call(cluster.node(1), {"FL.DEL", "k0", "ONE"}).type == RespValue::Type::kArray);
  ASSERT_TRUE(cluster.resume_node(3));
  ASSERT_TRUE(testing::wait_seen(cluster, 3, "up"));
}

TEST(AntiEntropyTest, RepairRoundBringsAStoppedNodeBackToIdenticalRootsAndRecords) {
  ScratchDir dir;
  Cluster cluster({testing::node_bin(), dir.path(), three_node_plan(true)});
  ASSERT_TRUE(cluster.start()) << "see " << dir.path() << "/nodes/*/node.log";
  write_while_n3_stopped(cluster);
  EXPECT_NE(call_json(cluster.node(1), "FL.MERKLE"), call_json(cluster.node(3), "FL.MERKLE"))
      << "n3 should have missed the writes";

  RespValue round = call(cluster.node(1), {"FL.REPAIR"});
  ASSERT_EQ(round.type, RespValue::Type::kInteger) << resp_encode(round);
  ASSERT_TRUE(wait_until(kRoundWaitMsMax, [&] {
    return testing::node_status(cluster.node(1)).ae_rounds_completed >= round.integer;
  })) << "round " << round.integer << " did not complete";

  const json roots = call_json(cluster.node(1), "FL.MERKLE");
  ASSERT_TRUE(roots.is_array());
  EXPECT_FALSE(roots.empty());
  const json dump1 = call_json(cluster.node(1), "FL.DUMP");
  EXPECT_EQ(dump1["records"].size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(dump1["merkle_roots"], roots);
  expect_honest_roots(cluster.node(1), "n1");
  for (NodeId n : {2u, 3u}) {
    expect_honest_roots(cluster.node(n), node_name(n));
    const json theirs = call_json(cluster.node(n), "FL.MERKLE");
    ASSERT_EQ(theirs.size(), roots.size()) << node_name(n);
    for (size_t i = 0; i < roots.size(); ++i) {
      if (theirs[i]["depth"] == roots[i]["depth"]) {
        EXPECT_EQ(theirs[i], roots[i]) << node_name(n);
      }
    }
    EXPECT_EQ(call_json(cluster.node(n), "FL.DUMP")["records"], dump1["records"]) << node_name(n);
  }
  EXPECT_GT(count_events(cluster.node(1), "merkle_exchange"), 0);
  EXPECT_GE(count_events(cluster.node(1), "merkle_round_complete"), 1);
  EXPECT_TRUE(testing::node_status(cluster.node(3)).ae_enabled);
  EXPECT_TRUE(cluster.stop());
}

TEST(AntiEntropyTest, OffMeansNoExchangesAndTheCommandsRefuse) {
  ScratchDir dir;
  Cluster cluster({testing::node_bin(), dir.path(), three_node_plan(false)});
  ASSERT_TRUE(cluster.start()) << "see " << dir.path() << "/nodes/*/node.log";
  write_while_n3_stopped(cluster);
  EXPECT_EQ(call(cluster.node(1), {"FL.REPAIR"}).type, RespValue::Type::kError);
  EXPECT_EQ(call(cluster.node(2), {"FL.MERKLE"}).type, RespValue::Type::kError);
  EXPECT_TRUE(call_json(cluster.node(1), "FL.DUMP")["merkle_roots"].is_null());
  EXPECT_FALSE(testing::node_status(cluster.node(1)).ae_enabled);
  EXPECT_TRUE(cluster.stop());
  for (const NodeProcess& n : cluster.nodes()) EXPECT_EQ(count_events(n, "merkle_exchange"), 0) << n.name;
}

}  // namespace
}  // namespace faultline
