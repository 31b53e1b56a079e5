// Seeded bugs of read repair, digest reads and hinted handoff (core/bugs.h;
// the catalogue in docs/bugzoo.md): for each, one deterministic SimCluster scenario in which the clean
// node keeps the guarantee and the node with the bug breaks it. Both halves
// are asserted, so a bug that stops breaking anything (or a clean node that
// starts to) fails here. Each test is named after its bug.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "sim/sim_cluster.h"
#include "node/sim_test_util.h"

namespace faultline {
namespace {

using namespace sim_test;  // NOLINT: test helpers

using Bugs = std::vector<std::string>;

const std::string kKey = "k";

// The replica other than n1 that a QUORUM read through n1 contacts (n1 first,
// then the first other up replica in preference order), and the third one.
struct Pair {
  NodeId contacted = 0;
  NodeId third = 0;
};

Pair others_of_n1(SimCluster& c) {
  Pair p;
  for (NodeId n : c.replica(1).ring().preference_list(token_of(kKey))) {
    if (n == 1) continue;
    (p.contacted == 0 ? p.contacted : p.third) = n;
  }
  return p;
}

// Monotonic reads under blocking read repair, rf 3, QUORUM. n1 alone holds
// "new" (a write that reached one replica); a QUORUM read through n1 sees it
// and must repair the other replica it contacted before answering, but every
// repair write is lost. Then n1 is cut off and a second QUORUM read (through
// the third node) contacts the two replicas that hold only "old".
struct MonotonicReads {
  ReadResult first;
  ReadResult second;
};

MonotonicReads monotonic_reads_scenario(const Bugs& bugs) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kBlocking, false, false), bugs);
  c.start();
  const Pair p = others_of_n1(c);
  for (NodeId n = 1; n <= 3; ++n) EXPECT_TRUE(c.store(n).apply(Record{kKey, "old", {1000, 2}, false, 0}).is_ok());
  EXPECT_TRUE(c.store(1).apply(Record{kKey, "new", {2000, 1}, false, 0}).is_ok());
  c.set_drop_if([](NodeId, NodeId, const Body& b) { return std::holds_alternative<WriteRequest>(b); });
  MonotonicReads out;
  out.first = read(c, 1, kKey, ConsistencyLevel::kQuorum, 1100);
  take_down(c, 1, p.third);
  out.second = read(c, p.third, kKey, ConsistencyLevel::kQuorum);
  EXPECT_TRUE(out.second.status.is_ok()) << out.second.status.to_string();
  EXPECT_EQ(out.second.record->value, "old");
  return out;
}

// Clean: the repair is never acknowledged, so the read that saw "new" fails
// and no completed read is followed by an older one. With `bug` the read
// answers "new" without the repair's acknowledgement; the next QUORUM read
// goes back in time to "old".
void expect_monotonic_reads_broken_by(const std::string& bug) {
  MonotonicReads clean = monotonic_reads_scenario({});
  EXPECT_EQ(clean.first.status.code(), Status::Code::kTimeout) << clean.first.status.to_string();

  MonotonicReads buggy = monotonic_reads_scenario({bug});
  ASSERT_TRUE(buggy.first.status.is_ok()) << buggy.first.status.to_string();
  EXPECT_EQ(buggy.first.record->value, "new");
  EXPECT_LT(buggy.second.record->version, buggy.first.record->version);
}

TEST(SeededBugs, BlockingRepairEarlyReply) { expect_monotonic_reads_broken_by("blocking-repair-early-reply"); }

TEST(SeededBugs, AsyncRepairWhenBlocking) { expect_monotonic_reads_broken_by("async-repair-when-blocking"); }

// No stale reads with digest reads: a key deleted twice; the second delete
// (a newer tombstone) reached a quorum, the other two replicas, but not n1,
// which holds the first tombstone. A QUORUM read through n1 (data read from
// n1, a digest from another) must return the newer tombstone's version.
struct DigestOutcome {
  ReadResult read;
  int mismatches = 0;  // digest_mismatch events of n1
};

DigestOutcome digest_scenario(const Bugs& bugs) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kBlocking, true, false), bugs);
  c.start();
  EXPECT_TRUE(c.store(1).apply(Record{kKey, "", {1000, 1}, true, 0}).is_ok());
  for (NodeId n : {NodeId{2}, NodeId{3}}) EXPECT_TRUE(c.store(n).apply(Record{kKey, "", {3000, 2}, true, 0}).is_ok());
  DigestOutcome out{read(c, 1, kKey, ConsistencyLevel::kQuorum), 0};
  EXPECT_TRUE(out.read.status.is_ok()) << out.read.status.to_string();
  EXPECT_TRUE(out.read.record && out.read.record->tombstone);
  out.mismatches = count_events(c, 1, "digest_mismatch");
  return out;
}

TEST(SeededBugs, DigestIgnoresVersion) {
  DigestOutcome clean = digest_scenario({});
  EXPECT_EQ(clean.read.record->version, (Version{3000, 2}));
  EXPECT_EQ(clean.mismatches, 1);

  // Bug: both tombstones hash alike, the digests "match" and the older
  // tombstone is served: a read after the second delete was acknowledged
  // returns the first one's version.
  DigestOutcome bug = digest_scenario({"digest-ignores-version"});
  EXPECT_EQ(bug.read.record->version, (Version{1000, 1}));
  EXPECT_EQ(bug.mismatches, 0);
}

// Hint replay: n3 is down when n1 coordinates a QUORUM write, so n1 keeps a
// hint. n3 returns, but the first replays to it are lost on the way. The hint
// must survive until n3 acknowledges it, so n3 ends up holding the write.
struct HintOutcome {
  Version written;
  std::optional<Record> on_target;
  int replayed_events = 0;
  size_t pending = 0;
};

HintOutcome hint_replay_scenario(const Bugs& bugs) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, true), bugs);
  c.start();
  take_down(c, 3);
  WriteResult w = write(c, 1, kKey, "v", ConsistencyLevel::kQuorum);
  EXPECT_TRUE(w.status.is_ok()) << w.status.to_string();
  EXPECT_EQ(c.replica(1).hints().pending(), 1u);
  c.isolate(3, false);
  c.set_drop_if([](NodeId from, NodeId to, const Body& b) {
    return from == 1 && to == 3 && std::holds_alternative<WriteRequest>(b);
  });
  c.run_for(1000);
  c.set_drop_if(nullptr);
  c.run_for(3000);
  return {w.version, stored(c, 3, kKey), count_events(c, 1, "hint_replayed"), c.replica(1).hints().pending()};
}

TEST(SeededBugs, HintDeletedBeforeAck) {
  HintOutcome clean = hint_replay_scenario({});
  EXPECT_EQ(clean.pending, 0u);
  EXPECT_EQ(clean.replayed_events, 1);
  ASSERT_TRUE(clean.on_target);
  EXPECT_EQ(clean.on_target->version, clean.written);

  // Bug: the hint was deleted (and logged replayed) when the lost replay was
  // sent; nothing is left to deliver and n3 never gets the write.
  HintOutcome bug = hint_replay_scenario({"hint-deleted-before-ack"});
  EXPECT_EQ(bug.pending, 0u);
  EXPECT_EQ(bug.replayed_events, 1);
  EXPECT_FALSE(bug.on_target);
}

// No stale reads at QUORUM/QUORUM: n1's writes to both other replicas are
// lost while the failure detector still sees them up, so the QUORUM write
// times out with two hints stored. Its replays are lost too. A QUORUM read
// through n2 then sees neither copy.
struct QuorumOutcome {
  WriteResult write;
  ReadResult read;
};

QuorumOutcome hint_quorum_scenario(const Bugs& bugs) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, true), bugs);
  c.start();
  c.set_drop_if([](NodeId from, NodeId to, const Body& b) {
    return from == 1 && to != 1 && std::holds_alternative<WriteRequest>(b);
  });
  QuorumOutcome out;
  out.write = write(c, 1, kKey, "v", ConsistencyLevel::kQuorum, 1100);
  EXPECT_EQ(c.replica(1).hints().pending(), 2u);
  out.read = read(c, 2, kKey, ConsistencyLevel::kQuorum);
  EXPECT_TRUE(out.read.status.is_ok()) << out.read.status.to_string();
  return out;
}

TEST(SeededBugs, HintCountsTowardQuorum) {
  // Clean: hints count only for ANY, so the write is not acknowledged and the
  // empty read is no stale read.
  QuorumOutcome clean = hint_quorum_scenario({});
  EXPECT_EQ(clean.write.status.code(), Status::Code::kTimeout) << clean.write.status.to_string();

  // Bug: one replica plus two hints "meet" QUORUM; a later QUORUM read does
  // not see the acknowledged write.
  QuorumOutcome bug = hint_quorum_scenario({"hint-counts-toward-quorum"});
  ASSERT_TRUE(bug.write.status.is_ok()) << bug.write.status.to_string();
  EXPECT_FALSE(bug.read.record) << "the read saw the write after all";
}

// No resurrection: n1 cannot reach n3 (n2 can) when n1 coordinates a write,
// so n1 keeps a hint for n3. The key is then deleted at ALL through n2, which
// reaches n3 directly. Long after gc_grace, when every tombstone was purged,
// n1 reaches n3 again: the hint is older than gc_grace and must expire, not
// bring the deleted value back.
std::optional<Record> gc_grace_scenario(const Bugs& bugs) {
  ModeSpec m = modes_with(ReadRepair::kNone, false, true);
  m.gc_grace_ms = 2000;
  SimCluster c(3, 3, 1000, m, bugs);
  c.start();
  c.set_drop(1, 3, true);
  c.set_drop(3, 1, true);
  c.run_for(c.config(1).peer_down_after_ms + 2 * c.config(1).heartbeat_interval_ms);
  EXPECT_FALSE(c.replica(1).is_up(3));
  EXPECT_TRUE(write(c, 1, kKey, "v", ConsistencyLevel::kQuorum).status.is_ok());
  EXPECT_EQ(c.replica(1).hints().pending(), 1u);
  EXPECT_TRUE(write(c, 2, kKey, std::nullopt, ConsistencyLevel::kAll).status.is_ok());
  // Every sweep visits one ring range; 3 x 8 vnodes at gc_grace/4 apiece.
  c.run_for(20000);
  for (NodeId n = 1; n <= 3; ++n) EXPECT_FALSE(stored(c, n, kKey)) << node_name(n) << " still holds the tombstone";
  c.set_drop(1, 3, false);
  c.set_drop(3, 1, false);
  c.run_for(3000);
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  return stored(c, 3, kKey);
}

TEST(SeededBugs, HintReplayedAfterGcGrace) {
  EXPECT_FALSE(gc_grace_scenario({})) << "clean: the old hint expired";
  std::optional<Record> bug = gc_grace_scenario({"hint-replayed-after-gc-grace"});
  ASSERT_TRUE(bug) << "bug: the old hint was not replayed";
  EXPECT_FALSE(bug->tombstone);
  EXPECT_EQ(bug->value, "v") << "the deleted value is back on n3";
}

}  // namespace
}  // namespace faultline
