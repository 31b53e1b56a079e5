// Goal: each seeded bug of the anti-entropy, tombstone, version and
// sloppy-quorum mechanisms (core/bugs.h) breaks the guarantee its mechanism
// gives, and the clean node keeps it, in one deterministic SimCluster
// scenario per bug: the same scenario runs twice, once clean and once with
// the bug on every node, and both outcomes are asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "sim/sim_cluster.h"
#include "node/sim_test_util.h"

namespace faultline {
namespace {

using namespace sim_test;  // NOLINT: test helpers

constexpr int64_t kNoPeriodicRoundMs = int64_t{1} << 40;  // rounds only on request
constexpr int64_t kFailureDetectMs = 1500;                // > peer_down_after_ms + a heartbeat
constexpr int kKeysMax = 2000;                            // bound on key searches

ModeSpec ae_modes() {
  ModeSpec m;
  m.anti_entropy = true;
  m.anti_entropy_interval_ms = kNoPeriodicRoundMs;
  m.hinted_handoff = false;  // only anti-entropy repairs
  m.read_repair = ReadRepair::kNone;
  return m;
}

// A started cluster, with `bug` on every node when `with_bug`.
std::unique_ptr<SimCluster> start_cluster(int nodes, int rf, const ModeSpec& modes, Bug bug, bool with_bug) {
  std::vector<std::string> bugs;
  if (with_bug) bugs.emplace_back(bug_name(bug));
  auto c = std::make_unique<SimCluster>(nodes, rf, 1000, modes, bugs);
  c->start();
  return c;
}

// Ranges of `n` whose reported root differs from a tree rebuilt, clean, from
// the records `n` stores (what the checker's merkle-convergence recomputes).
int dishonest_roots(SimCluster& c, NodeId n) {
  const Ring& ring = c.replica(n).ring();
  std::map<size_t, MerkleTree> rebuilt;  // at the depth each root reports, as the checker does
  for (const RangeRoot& rr : c.replica(n).anti_entropy().roots()) {
    rebuilt.emplace(rr.range_index, MerkleTree({rr.left, rr.right}, rr.depth));
  }
  for (const Record& r : records(c, n)) {
    auto it = rebuilt.find(ring.range_index(token_of(r.key)));
    if (it != rebuilt.end()) it->second.add(token_of(r.key), merkle_record_hash(r));
  }
  int wrong = 0;
  for (const RangeRoot& rr : c.replica(n).anti_entropy().roots()) wrong += rebuilt.at(rr.range_index).root() != rr.root;
  return wrong;
}

bool in_wraparound_range(const Ring& ring, const std::string& key) {
  const TokenRange r = ring.ranges()[ring.range_index(token_of(key))];
  return r.left >= r.right;
}

// merkle-skips-wraparound: n3 misses writes while isolated; a round from
// every node repairs it everywhere, except (with the bug) in the range that
// wraps around 2^64 -> 0.
TEST(SeededBugsAeVersions, MerkleSkipsWraparoundLeavesTheWrappingRangeUnrepaired) {
  for (const bool bug : {false, true}) {
    SCOPED_TRACE(bug ? "with merkle-skips-wraparound" : "clean");
    const std::unique_ptr<SimCluster> cluster = start_cluster(3, 3, ae_modes(), Bug::kMerkleSkipsWraparound, bug);
    SimCluster& c = *cluster;
    const Ring& ring = c.replica(1).ring();
    std::vector<std::string> wrapping, other;
    for (int i = 0; i < kKeysMax && (wrapping.size() < 3 || other.size() < 3); ++i) {
      const std::string key = "k" + std::to_string(i);
      auto& bucket = in_wraparound_range(ring, key) ? wrapping : other;
      if (bucket.size() < 3) bucket.push_back(key);
    }
    ASSERT_EQ(wrapping.size(), 3u);
    ASSERT_EQ(other.size(), 3u);
    c.isolate(3, true);
    for (const auto* keys : {&wrapping, &other}) {
      for (const std::string& k : *keys) ASSERT_TRUE(write(c, 1, k, "v", ConsistencyLevel::kQuorum).status);
    }
    c.isolate(3, false);
    c.run_for(kFailureDetectMs);
    for (NodeId n = 1; n <= 3; ++n) ASSERT_TRUE(run_round(c, n));

    auto n3_holds = [&](const std::string& k) {
      std::optional<Record> r;
      EXPECT_TRUE(test::succeeds(c.store(3).get(k, &r)));
      return r.has_value();
    };
    for (const std::string& k : other) EXPECT_TRUE(n3_holds(k)) << k;
    for (const std::string& k : wrapping) EXPECT_EQ(n3_holds(k), !bug) << k;
  }
}

// merkle-leaf-off-by-one: every node's roots equal a clean recomputation
// from its own records; with the bug, records near a leaf's end sit in the
// wrong leaf and the roots no longer do.
TEST(SeededBugsAeVersions, MerkleLeafOffByOneRootsDisagreeWithARecomputation) {
  for (const bool bug : {false, true}) {
    SCOPED_TRACE(bug ? "with merkle-leaf-off-by-one" : "clean");
    const std::unique_ptr<SimCluster> cluster = start_cluster(3, 3, ae_modes(), Bug::kMerkleLeafOffByOne, bug);
    SimCluster& c = *cluster;
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(write(c, 1, "k" + std::to_string(i), "v", ConsistencyLevel::kAll).status);
    for (NodeId n = 1; n <= 3; ++n) {
      if (bug) EXPECT_GT(dishonest_roots(c, n), 0) << node_name(n);
      else EXPECT_EQ(dishonest_roots(c, n), 0) << node_name(n);
    }
  }
}

// repair-skips-tree-update: n2 misses writes, an exchange streams them to
// it; its tree must then describe what it stores.
TEST(SeededBugsAeVersions, RepairSkipsTreeUpdateLeavesTreeBehindStreamedRecords) {
  for (const bool bug : {false, true}) {
    SCOPED_TRACE(bug ? "with repair-skips-tree-update" : "clean");
    const std::unique_ptr<SimCluster> cluster = start_cluster(2, 2, ae_modes(), Bug::kRepairSkipsTreeUpdate, bug);
    SimCluster& c = *cluster;
    c.isolate(2, true);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(write(c, 1, "k" + std::to_string(i), "v", ConsistencyLevel::kOne).status);
    c.isolate(2, false);
    c.run_for(kFailureDetectMs);
    ASSERT_TRUE(run_round(c, 1));
    EXPECT_EQ(records(c, 1), records(c, 2));  // the data is streamed either way
    if (bug) EXPECT_GT(dishonest_roots(c, 2), 0);
    else EXPECT_EQ(dishonest_roots(c, 2), 0);
  }
}

// tombstone-purged-while-down: n3 misses a delete while isolated; the others
// sweep every range (well within gc_grace); anti-entropy then runs. Clean:
// the tombstone is kept and reaches n3, the key stays deleted. With the bug
// the tombstone is purged at once and n3's old value comes back.
TEST(SeededBugsAeVersions, TombstonePurgedWhileDownResurrectsTheDeletedValue) {
  for (const bool bug : {false, true}) {
    SCOPED_TRACE(bug ? "with tombstone-purged-while-down" : "clean");
    ModeSpec m = ae_modes();
    m.gc_grace_ms = 600000;
    const std::unique_ptr<SimCluster> cluster = start_cluster(3, 3, m, Bug::kTombstonePurgedWhileDown, bug);
    SimCluster& c = *cluster;
    ASSERT_TRUE(write(c, 1, "k", "old", ConsistencyLevel::kAll).status);
    c.isolate(3, true);
    ASSERT_TRUE(write(c, 1, "k", std::nullopt, ConsistencyLevel::kQuorum).status);
    const size_t ranges = c.replica(1).ring().ranges().size();
    for (size_t i = 0; i < ranges; ++i) {
      for (NodeId n = 1; n <= 2; ++n) c.replica(n).anti_entropy().sweep_tombstones();
    }
    c.isolate(3, false);
    c.run_for(kFailureDetectMs);
    for (NodeId n = 1; n <= 3; ++n) ASSERT_TRUE(run_round(c, n));
    const ReadResult r = read(c, 1, "k", ConsistencyLevel::kAll);
    ASSERT_TRUE(r.status);
    if (bug) {
      ASSERT_TRUE(r.record.has_value());
      EXPECT_FALSE(r.record->tombstone);
      EXPECT_EQ(r.record->value, "old");
    } else {
      ASSERT_TRUE(r.record.has_value());
      EXPECT_TRUE(r.record->tombstone);
    }
  }
}

// equal-versions-diverge: n1 coordinates two writes of one key at the same
// instant; n3 receives them in the opposite order (its link is slower for
// the first). Clean: distinct versions, every replica ends with the later
// write. With the bug: equal versions, and n2 and n3 keep different values.
TEST(SeededBugsAeVersions, EqualVersionsDivergeLeavesReplicasWithDifferentValues) {
  for (const bool bug : {false, true}) {
    SCOPED_TRACE(bug ? "with equal-versions-diverge" : "clean");
    ModeSpec m;
    m.read_repair = ReadRepair::kNone;
    const std::unique_ptr<SimCluster> cluster = start_cluster(3, 3, m, Bug::kEqualVersionsDiverge, bug);
    SimCluster& c = *cluster;
    WriteOutcome a, b;
    c.set_delay_ms(1, 3, 5);
    c.replica(1).coordinate_write("k", "a", ConsistencyLevel::kOne, a.cb());
    c.set_delay_ms(1, 3, 1);
    c.replica(1).coordinate_write("k", "b", ConsistencyLevel::kOne, b.cb());
    c.run_for(kSettleMs);
    ASSERT_TRUE(a.result && a.result->status);
    ASSERT_TRUE(b.result && b.result->status);
    EXPECT_EQ(a.result->version == b.result->version, bug);
    const std::vector<Record> n2 = records(c, 2), n3 = records(c, 3);
    ASSERT_EQ(n2.size(), 1u);
    ASSERT_EQ(n3.size(), 1u);
    if (bug) {
      EXPECT_NE(n2[0].value, n3[0].value);
    } else {
      EXPECT_EQ(n2, n3);
      EXPECT_EQ(n2[0].value, "b");
    }
  }
}

// sloppy-fallback-counts-primary, strict quorum, 4 nodes, rf 3: two of the
// key's three primaries are down. Clean: a QUORUM write is refused (only one
// primary up). With the bug it is acknowledged by one primary and the
// fallback; once those two are gone and the other primaries are back, a
// QUORUM read misses the acknowledged write.
TEST(SeededBugsAeVersions, SloppyFallbackCountsPrimaryBreaksStrictQuorumReadYourWrites) {
  for (const bool bug : {false, true}) {
    SCOPED_TRACE(bug ? "with sloppy-fallback-counts-primary" : "clean");
    ModeSpec m;
    m.hinted_handoff = false;
    m.read_repair = ReadRepair::kNone;
    const std::unique_ptr<SimCluster> cluster = start_cluster(4, 3, m, Bug::kSloppyFallbackCountsPrimary, bug);
    SimCluster& c = *cluster;
    const std::vector<NodeId> primaries = c.replica(1).ring().preference_list(token_of("k"));
    ASSERT_EQ(primaries.size(), 3u);
    NodeId fallback = 0;
    for (NodeId n = 1; n <= 4; ++n) fallback = std::count(primaries.begin(), primaries.end(), n) ? fallback : n;
    c.isolate(primaries[1], true);
    c.isolate(primaries[2], true);
    c.run_for(kFailureDetectMs);
    const WriteResult w = write(c, primaries[0], "k", "v", ConsistencyLevel::kQuorum);
    if (!bug) {
      EXPECT_EQ(w.status.code(), Status::Code::kUnavailable) << w.status.message();
      continue;
    }
    ASSERT_TRUE(w.status) << w.status.message();
    c.isolate(primaries[1], false);  // (isolate(n, false) opens every link of n)
    c.isolate(primaries[2], false);
    c.isolate(primaries[0], true);
    c.isolate(fallback, true);
    c.run_for(kFailureDetectMs);
    const ReadResult r = read(c, primaries[1], "k", ConsistencyLevel::kQuorum);
    ASSERT_TRUE(r.status) << r.status.message();
    EXPECT_FALSE(r.record.has_value());  // the acknowledged write is not seen
  }
}

}  // namespace
}  // namespace faultline
