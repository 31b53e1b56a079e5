// Unit tests of the replication mechanisms of the Replica (read repair, digest
// reads, hinted handoff, sloppy quorum), driven deterministically by
// SimCluster over a fake network that drops and delays messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "node/replica.h"
#include "sim/sim_cluster.h"
#include "node/sim_test_util.h"

namespace faultline {
namespace {

using namespace sim_test;  // NOLINT: test helpers

// 3 nodes, rf 3: a key stored everywhere as "old", and as "new" on all but
// `stale` (the first replica other than n1 in preference order, so a QUORUM
// read through n1 contacts n1 and it). Written into the stores directly, so
// no write request (and no hint) is left behind.
struct StaleReplica {
  explicit StaleReplica(ModeSpec modes) : c(3, 3, 1000, modes) {
    c.start();
    auto pl = c.replica(1).ring().preference_list(token_of(key));
    stale = *std::find_if(pl.begin(), pl.end(), [](NodeId n) { return n != 1; });
    for (NodeId n = 1; n <= 3; ++n) {
      EXPECT_TRUE(c.store(n).apply(Record{key, "old", {1000, 2}, false, 0}).is_ok());
      if (n != stale) {
        EXPECT_TRUE(c.store(n).apply(Record{key, "new", newer, false, 0}).is_ok());
      }
    }
  }
  SimCluster c;
  std::string key = "k";
  NodeId stale = 0;
  Version newer{2000, 1};
};

TEST(ReadRepair, BlockingQuorumReadRepairsTheStaleReplicaBeforeItReturns) {
  StaleReplica s(modes_with(ReadRepair::kBlocking, false, false));
  s.c.set_delay_ms(s.stale, 1, 20);  // the repair acknowledgement is slow
  std::optional<std::string> on_stale_at_answer;
  ReadOutcome r;
  s.c.replica(1).coordinate_read(s.key, ConsistencyLevel::kQuorum, [&](const ReadResult& res) {
    r.cb()(res);
    on_stale_at_answer = stored(s.c, s.stale, s.key)->value;
  });
  s.c.run_for(30);
  EXPECT_EQ(r.calls, 0) << "answered before the stale replica acknowledged the repair";
  s.c.run_for(30);
  ASSERT_EQ(r.calls, 1);
  ASSERT_TRUE(r.result->status.is_ok()) << r.result->status.to_string();
  EXPECT_EQ(r.result->record->value, "new");
  EXPECT_EQ(on_stale_at_answer, "new");
  const auto* e = find_event(s.c, 1, "read_repair");
  ASSERT_TRUE(e);
  EXPECT_EQ(field(*e, "mode"), "blocking");
  EXPECT_EQ(field(*e, "replicas"), "[\"" + node_name(s.stale) + "\"]");
  EXPECT_EQ(field(*e, "version"), version_json(s.newer));
}

TEST(ReadRepair, AsyncReadReturnsFirstAndTheRepairFollows) {
  StaleReplica s(modes_with(ReadRepair::kAsync, false, false));
  std::optional<std::string> on_stale_at_answer;
  ReadOutcome r;
  s.c.replica(1).coordinate_read(s.key, ConsistencyLevel::kQuorum, [&](const ReadResult& res) {
    r.cb()(res);
    on_stale_at_answer = stored(s.c, s.stale, s.key)->value;
  });
  s.c.run_for(kSettleMs);
  ASSERT_EQ(r.calls, 1);
  EXPECT_EQ(r.result->record->value, "new");
  EXPECT_EQ(on_stale_at_answer, "old") << "async repair must not hold the answer back";
  EXPECT_EQ(stored(s.c, s.stale, s.key)->value, "new");
  ASSERT_TRUE(find_event(s.c, 1, "read_repair"));
  EXPECT_EQ(field(*find_event(s.c, 1, "read_repair"), "mode"), "async");
}

TEST(ReadRepair, NoneReconcilesTheReplyButWritesNothingBack) {
  StaleReplica s(modes_with(ReadRepair::kNone, false, false));
  ReadResult r = read(s.c, 1, s.key, ConsistencyLevel::kQuorum);
  EXPECT_EQ(r.record->value, "new");
  EXPECT_EQ(stored(s.c, s.stale, s.key)->value, "old");
  EXPECT_EQ(count_events(s.c, 1, "read_repair"), 0);
}

TEST(ReadRepair, ReadsAtOneNeverRepair) {
  StaleReplica s(modes_with(ReadRepair::kBlocking, false, false));
  ReadResult r = read(s.c, s.stale, s.key, ConsistencyLevel::kOne);
  EXPECT_EQ(r.record->value, "old");
  EXPECT_EQ(count_events(s.c, s.stale, "read_repair"), 0);
}

TEST(ReadRepair, BlockingRepairWriteThatTimesOutFailsTheRead) {
  StaleReplica s(modes_with(ReadRepair::kBlocking, false, true));
  const NodeId stale = s.stale;
  s.c.set_drop_if([stale](NodeId, NodeId to, const Body& b) { return to == stale && std::holds_alternative<WriteRequest>(b); });
  ReadResult r = read(s.c, 1, s.key, ConsistencyLevel::kQuorum, 1100);
  EXPECT_EQ(r.status.code(), Status::Code::kTimeout) << r.status.to_string();
  EXPECT_EQ(s.c.replica(1).hints().pending(), 0u) << "a repair write must never create a hint";
  EXPECT_EQ(s.c.replica(1).requests_in_flight(), 0u);
}

TEST(DigestReads, MismatchOnVersionAloneIsDetectedAndRepaired) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kBlocking, true, false));
  c.start();
  auto pl = c.replica(1).ring().preference_list(token_of("k"));
  const NodeId other = *std::find_if(pl.begin(), pl.end(), [](NodeId n) { return n != 1; });
  // Same value and tombstone flag, different versions.
  ASSERT_TRUE(c.store(1).apply(Record{"k", "v", {100, 1}, false, 0}).is_ok());
  ASSERT_TRUE(c.store(other).apply(Record{"k", "v", {200, 2}, false, 0}).is_ok());
  ReadResult r = read(c, 1, "k", ConsistencyLevel::kQuorum);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  EXPECT_EQ(r.record->version, (Version{200, 2}));
  const auto* e = find_event(c, 1, "digest_mismatch");
  ASSERT_TRUE(e);
  EXPECT_EQ(field(*e, "key"), "k");
  EXPECT_NE(field(*e, "replicas").find(node_name(other)), std::string::npos);
  EXPECT_EQ(stored(c, 1, "k")->version, (Version{200, 2})) << "the stale contacted replica is repaired";
}

TEST(DigestReads, MatchingDigestsNeedOneDataReadAndNoMismatch) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kBlocking, true, false));
  c.start();
  int full_reads = 0, digest_reads = 0;
  c.set_drop_if([&](NodeId, NodeId, const Body& b) {
    if (const auto* rr = std::get_if<ReadRequest>(&b)) (rr->digest_only ? digest_reads : full_reads)++;
    return false;
  });
  ASSERT_TRUE(write(c, 2, "k", "v", ConsistencyLevel::kAll).status.is_ok());
  ReadResult r = read(c, 2, "k", ConsistencyLevel::kAll);
  EXPECT_EQ(r.record->value, "v");
  EXPECT_EQ(full_reads, 0) << "the coordinator's own replica is the data read";
  EXPECT_EQ(digest_reads, 2);
  EXPECT_EQ(count_events(c, 2, "digest_mismatch"), 0);
}

// With n3 down, a QUORUM write of k through n1, which stores one hint for n3.
WriteResult write_hinted_for_n3(SimCluster& c) {
  c.start();
  take_down(c, 3);
  WriteResult w = write(c, 1, "k", "v", ConsistencyLevel::kQuorum);
  EXPECT_TRUE(w.status.is_ok()) << w.status.to_string();
  EXPECT_EQ(c.replica(1).hints().pending(), 1u);
  return w;
}

TEST(HintedHandoff, HintForADownReplicaIsReplayedWhenItReturnsAndOnlyThenDeleted) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, true));
  WriteResult w = write_hinted_for_n3(c);
  ASSERT_FALSE(HasFailure());
  const auto* stored_ev = find_event(c, 1, "hint_stored");
  ASSERT_TRUE(stored_ev);
  const std::string hint_id = field(*stored_ev, "hint_id");
  EXPECT_EQ(field(*stored_ev, "target"), "n3");
  EXPECT_NE(c.replica(1).hints().hints_json().find(hint_id), std::string::npos);
  EXPECT_FALSE(stored(c, 3, "k"));

  // n3 comes back but its acknowledgements are lost: applied, not deleted.
  c.isolate(3, false);
  c.set_drop_if([](NodeId from, NodeId, const Body& b) { return from == 3 && std::holds_alternative<WriteReply>(b); });
  c.run_for(1000);
  ASSERT_TRUE(stored(c, 3, "k"));
  EXPECT_EQ(c.replica(1).hints().pending(), 1u) << "hint deleted before the target acknowledged";
  EXPECT_EQ(count_events(c, 1, "hint_replayed"), 0);

  c.set_drop_if(nullptr);
  c.run_for(2000);
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  const auto* replayed = find_event(c, 1, "hint_replayed");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(field(*replayed, "hint_id"), hint_id);
  EXPECT_EQ(stored(c, 3, "k")->version, w.version);
}

// Goal (pins the mutant hint-acked-on-failure): a hint replay the target
// answers with an error (its disk refuses writes) keeps the hint pending;
// it is replayed again and delivered once the disk works again.
TEST(DiskFault, HintReplayAnsweredWithAnErrorStaysPendingUntilTheTargetStoresIt) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, true));
  WriteResult w = write_hinted_for_n3(c);
  ASSERT_FALSE(HasFailure());

  c.set_disk_failing(3, true);
  c.isolate(3, false);
  c.run_for(3000);  // n3 seen up, several replay ticks, each refused
  EXPECT_FALSE(stored(c, 3, "k"));
  EXPECT_GT(count_events(c, 3, "store_error"), 1) << "the replay was not retried";
  EXPECT_EQ(c.replica(1).hints().pending(), 1u) << "hint deleted though its replay failed";
  EXPECT_EQ(count_events(c, 1, "hint_replayed"), 0);

  c.set_disk_failing(3, false);
  c.run_for(2000);
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  EXPECT_EQ(count_events(c, 1, "hint_replayed"), 1);
  ASSERT_TRUE(stored(c, 3, "k"));
  EXPECT_EQ(stored(c, 3, "k")->version, w.version);
}

// Goal (pins the mutant timeout-reported-ok): a QUORUM write that only the
// coordinator stored, because both other replicas' disks refused it, is
// never acknowledged: -TIMEOUT (outcome unknown), each refusal logged.
TEST(DiskFault, QuorumWriteTwoReplicasRefuseIsNotAcknowledged) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, false));
  c.start();
  c.run_for(1000);  // every peer seen up
  c.set_disk_failing(2, true);
  c.set_disk_failing(3, true);
  WriteResult w = write(c, 1, "k", "v", ConsistencyLevel::kQuorum);
  EXPECT_EQ(w.status.code(), Status::Code::kTimeout) << w.status.to_string();
  EXPECT_TRUE(stored(c, 1, "k"));
  EXPECT_FALSE(stored(c, 2, "k"));
  EXPECT_EQ(count_events(c, 2, "store_error") + count_events(c, 3, "store_error"), 2);
  EXPECT_EQ(count_events(c, 2, "disk_fault"), 1);

  // Reads still work on a failing disk; writes work again after the heal.
  c.set_disk_failing(2, false);
  c.set_disk_failing(3, false);
  EXPECT_TRUE(write(c, 1, "k", "w", ConsistencyLevel::kAll).status.is_ok());
}

TEST(HintedHandoff, QuorumWriteWithTwoOfThreeReplicasSilentFailsEvenThoughHintsWereStored) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, true));
  c.start();
  // The failure detector still sees everyone up; only writes are lost.
  c.set_drop_if([](NodeId from, NodeId to, const Body& b) {
    return from == 1 && to != 1 && std::holds_alternative<WriteRequest>(b);
  });
  WriteResult w = write(c, 1, "k", "v", ConsistencyLevel::kQuorum, 1100);
  EXPECT_EQ(w.status.code(), Status::Code::kTimeout) << w.status.to_string();
  EXPECT_EQ(c.replica(1).hints().pending(), 2u);
  EXPECT_EQ(count_events(c, 1, "hint_stored"), 2);
}

TEST(HintedHandoff, AnyIsMetByAStoredHintAlone) {
  SimCluster c(5, 3, 1000, modes_with(ReadRepair::kNone, false, true));
  c.start();
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    auto pl = c.replica(1).ring().preference_list(token_of("k" + std::to_string(i)));
    if (std::find(pl.begin(), pl.end(), NodeId{1}) == pl.end()) key = "k" + std::to_string(i);
  }
  for (NodeId n : c.replica(1).ring().preference_list(token_of(key))) take_down(c, n);
  EXPECT_TRUE(write(c, 1, key, "v", ConsistencyLevel::kAny).status.is_ok());
  EXPECT_EQ(c.replica(1).hints().pending(), 3u);
  EXPECT_EQ(write(c, 1, key, "v", ConsistencyLevel::kOne).status.code(), Status::Code::kUnavailable);
}

// Goal (simulator seed 80: an acknowledged ANY write lost): with gc_grace
// below the request timeout, a hint stored when the replicas' acks timed out
// would expire at once, so it is not stored and does not meet ANY; the write
// answers TIMEOUT (outcome unknown) instead of OK.
TEST(HintedHandoff, AnyIsNotMetByAHintThatWouldExpireAtOnce) {
  ModeSpec m = modes_with(ReadRepair::kNone, false, true);
  m.gc_grace_ms = 800;  // below the 1000 ms request timeout
  SimCluster c(5, 3, 1000, m);
  c.start();
  c.run_for(1000);  // every peer seen up
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    auto pl = c.replica(1).ring().preference_list(token_of("k" + std::to_string(i)));
    if (std::find(pl.begin(), pl.end(), NodeId{1}) == pl.end()) key = "k" + std::to_string(i);
  }
  c.set_drop_if([](NodeId from, NodeId to, const Body& b) {
    return from == 1 && to != 1 && std::holds_alternative<WriteRequest>(b);
  });
  WriteResult w = write(c, 1, key, "v", ConsistencyLevel::kAny, 1100);
  EXPECT_EQ(w.status.code(), Status::Code::kTimeout) << w.status.to_string();
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  EXPECT_EQ(count_events(c, 1, "hint_stored"), 0);
  const auto* e = find_event(c, 1, "hint_not_stored");
  ASSERT_TRUE(e);
  EXPECT_EQ(field(*e, "reason"), "gc_grace");
}

TEST(HintedHandoff, HintOlderThanGcGraceIsExpiredNotReplayed) {
  ModeSpec m = modes_with(ReadRepair::kNone, false, true);
  m.gc_grace_ms = 2000;
  SimCluster c(3, 3, 1000, m);
  c.start();
  take_down(c, 3);
  ASSERT_TRUE(write(c, 1, "k", "v", ConsistencyLevel::kQuorum).status.is_ok());
  c.run_for(2500);
  c.isolate(3, false);
  c.run_for(2000);
  const auto* e = find_event(c, 1, "hint_expired");
  ASSERT_TRUE(e);
  EXPECT_EQ(field(*e, "reason"), "gc_grace");
  EXPECT_EQ(count_events(c, 1, "hint_replayed"), 0);
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  EXPECT_FALSE(stored(c, 3, "k"));
}

TEST(HintedHandoff, TargetDownLongerThanTheHintWindowGetsNoHint) {
  ModeSpec m = modes_with(ReadRepair::kNone, false, true);
  m.hint_window_ms = 500;
  SimCluster c(3, 3, 1000, m);
  c.start();
  take_down(c, 3);
  c.run_for(1000);
  ASSERT_TRUE(write(c, 1, "k", "v", ConsistencyLevel::kQuorum).status.is_ok());
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  const auto* e = find_event(c, 1, "hint_not_stored");
  ASSERT_TRUE(e);
  EXPECT_EQ(field(*e, "reason"), "hint_window");
}

TEST(HintedHandoff, HintsSurviveACoordinatorRestart) {
  SimCluster c(3, 3, 1000, modes_with(ReadRepair::kNone, false, true));
  c.start();
  take_down(c, 3);
  ASSERT_TRUE(write(c, 1, "k", "v", ConsistencyLevel::kQuorum).status.is_ok());
  c.restart(1);
  EXPECT_EQ(c.replica(1).hints().pending(), 1u);
  c.isolate(3, false);
  c.run_for(2000);
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  EXPECT_TRUE(stored(c, 3, "k"));
}

// 5 nodes, rf 3, sloppy: the key's last primary is down.
struct SloppySetup {
  SloppySetup() : c(5, 3, 1000, modes_with(ReadRepair::kNone, false, false, QuorumMode::kSloppy)) {
    c.start();
    const Token t = token_of(key);
    primaries = c.replica(1).ring().preference_list(t);
    coordinator = primaries[0];
    down = primaries[2];
    auto ext = c.replica(1).ring().extended_preference_list(t);
    fallback = ext[3];
    c.isolate(down, true);
    c.run_for(1500);
  }
  SimCluster c;
  std::string key = "sloppy";
  std::vector<NodeId> primaries;
  NodeId coordinator = 0, down = 0, fallback = 0;
};

TEST(SloppyQuorum, WriteLandsOnAFallbackAndMovesHome) {
  SloppySetup s;
  WriteResult w = write(s.c, s.coordinator, s.key, "v", ConsistencyLevel::kAll);
  ASSERT_TRUE(w.status.is_ok()) << w.status.to_string();
  EXPECT_EQ(s.c.store(s.fallback).count(), 0) << "a handoff record is not the fallback's own data";
  EXPECT_EQ(s.c.replica(s.fallback).hints().pending_handoffs(), 1u);
  const auto* e = find_event(s.c, s.fallback, "handoff_stored");
  ASSERT_TRUE(e);
  EXPECT_EQ(field(*e, "owner"), node_name(s.down));
  // The fallback answers reads for the key meanwhile.
  EXPECT_EQ(read(s.c, s.coordinator, s.key, ConsistencyLevel::kAll).record->value, "v");

  s.c.isolate(s.down, false);
  s.c.run_for(2000);
  EXPECT_EQ(stored(s.c, s.down, s.key)->version, w.version);
  EXPECT_EQ(s.c.replica(s.fallback).hints().pending(), 0u);
  EXPECT_TRUE(find_event(s.c, s.fallback, "handoff_delivered"));
}

// Regression (found by the audit: sloppy quorum, hinted handoff, blocking
// read repair): a fallback sent the same record twice (the write, then a
// read repair of that version) logged handoff_stored twice and
// handoff_delivered twice, and the checker found a delivery with no store.
TEST(SloppyQuorum, TheSameRecordTwiceIsOneHandoff) {
  SloppySetup s;
  ASSERT_TRUE(write(s.c, s.coordinator, s.key, "v", ConsistencyLevel::kAll).status.is_ok());
  std::optional<Record> held = s.c.replica(s.fallback).hints().handoff_record(s.key);
  ASSERT_TRUE(held);
  ASSERT_TRUE(s.c.replica(s.fallback).on_message(Envelope{s.coordinator, WriteRequest{999999, *held, s.down}}).is_ok());
  s.c.run_for(kSettleMs);
  EXPECT_EQ(s.c.replica(s.fallback).hints().pending_handoffs(), 1u);
  EXPECT_EQ(count_events(s.c, s.fallback, "handoff_stored"), 1);
  s.c.isolate(s.down, false);
  s.c.run_for(2000);
  EXPECT_EQ(count_events(s.c, s.fallback, "handoff_delivered"), 1);
  EXPECT_EQ(s.c.replica(s.fallback).hints().pending(), 0u);
}

// Regression (found by `ci --suite smoke`): a read contacts only the
// replicas its CL needs, so a fallback of a sloppy placement can go
// uncontacted. The coordinator's request invariants once required every
// fallback to be contacted, and aborted the node on such a read.
TEST(SloppyQuorum, ReadLeavingAFallbackUncontactedAnswers) {
  SloppySetup s;
  ASSERT_TRUE(write(s.c, s.coordinator, s.key, "v", ConsistencyLevel::kAll).status.is_ok());
  const ReadResult r = read(s.c, s.coordinator, s.key, ConsistencyLevel::kQuorum);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  ASSERT_TRUE(r.record);
  EXPECT_EQ(r.record->value, "v");
}

TEST(SloppyQuorum, PrimaryOnlyRequestsRefuseToCountFallbacks) {
  SloppySetup s;
  WriteOutcome w;
  s.c.replica(s.coordinator).coordinate_write(s.key, "v", ConsistencyLevel::kAll, w.cb(), /*primary_only=*/true);
  s.c.run_for(kSettleMs);
  ASSERT_TRUE(w.result);
  EXPECT_EQ(w.result->status.code(), Status::Code::kUnavailable) << w.result->status.to_string();
  WriteOutcome q;
  s.c.replica(s.coordinator).coordinate_write(s.key, "v", ConsistencyLevel::kQuorum, q.cb(), /*primary_only=*/true);
  s.c.run_for(kSettleMs);
  ASSERT_TRUE(q.result);
  EXPECT_TRUE(q.result->status.is_ok()) << q.result->status.to_string();
}

TEST(SloppyQuorum, StrictQuorumNeverUsesAFallback) {
  SimCluster c(5, 3, 1000, modes_with(ReadRepair::kNone, false, false, QuorumMode::kStrict));
  c.start();
  auto pl = c.replica(1).ring().preference_list(token_of("sloppy"));
  c.isolate(pl[2], true);
  c.run_for(1500);
  EXPECT_EQ(write(c, pl[0], "sloppy", "v", ConsistencyLevel::kAll).status.code(), Status::Code::kUnavailable);
  for (NodeId n = 1; n <= 5; ++n) EXPECT_EQ(c.replica(n).hints().pending(), 0u) << node_name(n);
}

}  // namespace
}  // namespace faultline
