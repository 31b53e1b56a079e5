// Unit tests of the Replica state machine, driven deterministically by
// SimCluster (no sockets, threads or real time).
#include "node/replica.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

#include "core/rng.h"
#include "sim/sim_cluster.h"
#include "node/sim_test_util.h"

namespace faultline {
namespace {

using namespace sim_test;  // NOLINT: test helpers

// A key whose preference list (rf 3 of 5 nodes) leaves out `outsider`.
std::string key_not_on(const Replica& r, NodeId outsider) {
  for (int i = 0;; ++i) {
    std::string k = "k" + std::to_string(i);
    auto pl = r.ring().preference_list(token_of(k));
    if (std::find(pl.begin(), pl.end(), outsider) == pl.end()) return k;
  }
}

TEST(Replica, QuorumWriteThroughOneCoordinatorIsReadAtQuorumThroughAnother) {
  SimCluster c(5, 3);
  c.start();
  WriteResult w = write(c, 1, "k1", "v1", ConsistencyLevel::kQuorum);
  ASSERT_TRUE(w.status.is_ok()) << w.status.to_string();
  EXPECT_EQ(w.version.coordinator_id, 1u);

  ReadResult r = read(c, 4, "k1", ConsistencyLevel::kQuorum);
  ASSERT_TRUE(r.status.is_ok()) << r.status.to_string();
  ASSERT_TRUE(r.record);
  EXPECT_EQ(r.record->value, "v1");
  EXPECT_EQ(r.record->version, w.version);
  EXPECT_FALSE(r.record->tombstone);
}

TEST(Replica, WriteStoredOnEveryReplicaOfThePreferenceListOnly) {
  SimCluster c(5, 3);
  c.start();
  ASSERT_TRUE(write(c, 2, "alpha", "1", ConsistencyLevel::kAll).status.is_ok());
  auto pl = c.replica(2).ring().preference_list(token_of("alpha"));
  for (NodeId n = 1; n <= 5; ++n) {
    const bool replica = std::find(pl.begin(), pl.end(), n) != pl.end();
    EXPECT_EQ(c.store(n).count(), replica ? 1 : 0) << node_name(n);
  }
}

TEST(Replica, WriteWithTwoOfThreeReplicasDroppingTimesOut) {
  SimCluster c(3, 3);
  c.start();
  // Only the write traffic is lost, so the failure detector still sees
  // everyone up and the request is attempted.
  c.set_drop_if([](NodeId from, NodeId to, const Body& b) {
    return from == 1 && to != 1 && std::holds_alternative<WriteRequest>(b);
  });
  WriteOutcome w;
  c.replica(1).coordinate_write("k", "v", ConsistencyLevel::kQuorum, w.cb());
  c.run_for(999);
  EXPECT_FALSE(w.result) << "answered before the timeout";
  c.run_for(2);
  ASSERT_TRUE(w.result);
  EXPECT_EQ(w.result->status.code(), Status::Code::kTimeout) << w.result->status.to_string();
  EXPECT_NE(w.result->status.message().find("1 of 2 required acks"), std::string::npos) << w.result->status.message();
  EXPECT_EQ(c.replica(1).requests_in_flight(), 0u);
  EXPECT_EQ(w.calls, 1);
}

TEST(Replica, QuorumRequestWithPeersDownIsUnavailableAndSendsNothing) {
  SimCluster c(3, 3);
  c.start();
  c.isolate(1, true);
  c.run_for(c.config(1).peer_down_after_ms + 2 * c.config(1).heartbeat_interval_ms);
  EXPECT_FALSE(c.replica(1).is_up(2));
  EXPECT_FALSE(c.replica(1).is_up(3));

  const uint64_t store_before = static_cast<uint64_t>(c.store(1).count());
  // Run time 0: Unavailable must be answered at once.
  const uint64_t sent_before = c.delivered() + c.dropped();
  WriteResult w = write(c, 1, "k", "v", ConsistencyLevel::kQuorum, 0);
  EXPECT_EQ(w.status.code(), Status::Code::kUnavailable) << w.status.to_string();
  EXPECT_EQ(static_cast<uint64_t>(c.store(1).count()), store_before) << "an Unavailable write must not be applied";
  EXPECT_EQ(read(c, 1, "k", ConsistencyLevel::kQuorum, 0).status.code(), Status::Code::kUnavailable);
  EXPECT_EQ(c.delivered() + c.dropped(), sent_before) << "an Unavailable request must send nothing";

  // ONE still works on the local replica.
  EXPECT_TRUE(write(c, 1, "k", "v", ConsistencyLevel::kOne, 0).status.is_ok());
}

TEST(Replica, PeerDownAndUpEventsFollowTheFailureDetector) {
  SimCluster c(3, 3);
  c.start();
  auto count = [&](const std::string& name) {
    int n = 0;
    for (const auto& e : c.events(1)) n += e.name == name;
    return n;
  };
  EXPECT_EQ(count("peer_up"), 2);
  EXPECT_EQ(count("peer_down"), 0);
  c.isolate(3, true);
  c.run_for(2000);
  EXPECT_EQ(count("peer_down"), 1);
  EXPECT_FALSE(c.replica(1).is_up(3));
  c.isolate(3, false);
  c.run_for(500);
  EXPECT_EQ(count("peer_up"), 3);
  EXPECT_TRUE(c.replica(1).is_up(3));
}

TEST(Replica, ConsistencyLevelTwoWithRfOneIsUnavailable) {
  SimCluster c(1, 1);
  c.start();
  EXPECT_EQ(write(c, 1, "k", "v", ConsistencyLevel::kTwo, 0).status.code(), Status::Code::kUnavailable);
  EXPECT_EQ(c.store(1).count(), 0);
}

TEST(Replica, DeleteThenReadReturnsTheTombstoneVersion) {
  SimCluster c(5, 3);
  c.start();
  WriteResult put = write(c, 1, "k", "v", ConsistencyLevel::kQuorum);
  WriteResult del = write(c, 2, "k", std::nullopt, ConsistencyLevel::kQuorum);
  ASSERT_TRUE(del.status.is_ok());
  EXPECT_GT(del.version, put.version);

  ReadResult r = read(c, 3, "k", ConsistencyLevel::kAll);
  ASSERT_TRUE(r.status.is_ok());
  ASSERT_TRUE(r.record);
  EXPECT_TRUE(r.record->tombstone);
  EXPECT_EQ(r.record->value, "");
  EXPECT_EQ(r.record->version, del.version);
}

TEST(Replica, ReadOfAMissingKeyReturnsNoRecord) {
  SimCluster c(3, 3);
  c.start();
  ReadResult r = read(c, 2, "never", ConsistencyLevel::kAll);
  ASSERT_TRUE(r.status.is_ok());
  EXPECT_FALSE(r.record);
}

TEST(Replica, ReadReturnsTheLwwWinnerAmongReplicas) {
  SimCluster c(3, 3);
  c.start();
  // n3 misses the newer write, so replicas disagree.
  write(c, 1, "k", "old", ConsistencyLevel::kAll);
  c.set_drop(1, 3, true);
  WriteResult b = write(c, 1, "k", "new", ConsistencyLevel::kQuorum);
  c.set_drop(1, 3, false);
  ASSERT_TRUE(b.status.is_ok());
  std::optional<Record> on3;
  ASSERT_TRUE(c.store(3).get("k", &on3).is_ok());
  EXPECT_EQ(on3->value, "old");

  ReadResult r = read(c, 3, "k", ConsistencyLevel::kAll);
  ASSERT_TRUE(r.status.is_ok());
  EXPECT_EQ(r.record->value, "new");
  EXPECT_EQ(r.record->version, b.version);
}

TEST(Replica, HlcVersionsIncreaseEvenWhenTheCoordinatorClockIsBehind) {
  SimCluster c(3, 3);
  c.start();
  c.skew_clock_us(2, -10'000'000);  // n2 runs ten seconds behind
  Version last;
  for (int i = 0; i < 20; ++i) {
    // Alternate coordinators; n2 must stamp above what it saw from n1.
    WriteResult w = write(c, i % 2 ? 2 : 1, "k", "v" + std::to_string(i), ConsistencyLevel::kAll);
    ASSERT_TRUE(w.status.is_ok());
    EXPECT_GT(w.version, last) << "write " << i;
    last = w.version;
  }
  // Several writes in the same microsecond from one coordinator still differ.
  Version prev;
  for (int i = 0; i < 5; ++i) {
    WriteResult w = write(c, 3, "same-us", "x", ConsistencyLevel::kOne, 0);
    EXPECT_GT(w.version.timestamp_us, prev.timestamp_us);
    prev = w.version;
  }
}

// hlc-causality: a coordinator never stamps a write below what it has shown
// a client, even a record it holds from before a restart reset its clock
// while its wall clock lags (its own store is read without any message).
TEST(Replica, WriteAfterAReadIsStampedAboveWhatTheReadShowedAfterARestart) {
  SimCluster c(1, 1);
  c.start();
  const WriteResult first = write(c, 1, "k", "old", ConsistencyLevel::kOne);
  ASSERT_TRUE(first.status.is_ok());
  c.restart(1);  // a fresh clock...
  c.skew_clock_us(1, -10'000'000);  // ...ten seconds behind what it stamped
  c.run_for(100);
  const ReadResult seen = read(c, 1, "k", ConsistencyLevel::kOne);
  ASSERT_TRUE(seen.status.is_ok());
  ASSERT_EQ(seen.record->version, first.version);
  const WriteResult next = write(c, 1, "k", "new", ConsistencyLevel::kOne);
  ASSERT_TRUE(next.status.is_ok());
  EXPECT_GT(next.version, first.version);
  EXPECT_EQ(read(c, 1, "k", ConsistencyLevel::kOne).record->value, "new");
}

TEST(Replica, NonReplicaCoordinatorStoresNothingLocally) {
  SimCluster c(5, 3);
  c.start();
  const std::string k = key_not_on(c.replica(1), 1);
  ASSERT_TRUE(write(c, 1, k, "v", ConsistencyLevel::kOne).status.is_ok());
  EXPECT_EQ(c.store(1).count(), 0);
}

TEST(Replica, LateRepliesAfterTheAnswerAreKeptUntilEveryReplicaAnswered) {
  SimCluster c(3, 3);
  c.start();
  c.set_delay_ms(3, 1, 50);  // n3's replies arrive late
  ASSERT_TRUE(write(c, 1, "k", "v", ConsistencyLevel::kQuorum).status.is_ok());
  EXPECT_EQ(c.replica(1).requests_in_flight(), 1u) << "request retired before n3 answered";
  c.run_for(100);
  EXPECT_EQ(c.replica(1).requests_in_flight(), 0u);
}

// Goal: a write reply reaches only the owner its id names (node/request_id.h):
// the sequence of a client write under another owner's tag (a read, a read
// repair, a hint replay) or under no owner is not an acknowledgement of it.
TEST(Replica, WriteReplyUnderAnotherOwnersIdIsNotAnAcknowledgement) {
  SimCluster c(3, 3);
  c.start();
  std::optional<uint64_t> sent_id;
  c.set_drop_if([&](NodeId from, NodeId, const Body& b) {
    const auto* w = std::get_if<WriteRequest>(&b);
    if (w && from == 1) sent_id = w->request_id;
    return w && from == 1;
  });
  WriteOutcome w;
  c.replica(1).coordinate_write("k", "v", ConsistencyLevel::kAll, w.cb());
  ASSERT_TRUE(sent_id);
  ASSERT_EQ(request_owner(*sent_id), RequestOwner::kClientWrite);
  const uint64_t seq = request_seq(*sent_id);
  for (NodeId from : {NodeId{2}, NodeId{3}}) {
    for (RequestOwner other : {RequestOwner::kClientRead, RequestOwner::kReadRepair, RequestOwner::kHintReplay}) {
      EXPECT_TRUE(c.replica(1).on_message(Envelope{from, WriteReply{request_id(other, seq), true, ""}}).is_ok());
    }
    EXPECT_TRUE(c.replica(1).on_message(Envelope{from, WriteReply{seq, true, ""}}).is_ok());
  }
  c.run_for(10);
  EXPECT_FALSE(w.result) << "acknowledged by replies to other owners";
  for (NodeId from : {NodeId{2}, NodeId{3}}) c.replica(1).on_message(Envelope{from, WriteReply{*sent_id, true, ""}});
  ASSERT_TRUE(w.result);
  EXPECT_TRUE(w.result->status.is_ok()) << w.result->status.to_string();
}

// Goal: request ids keep owner and sequence apart, and a top byte no owner
// uses (it comes from a peer) names nobody.
TEST(RequestId, OwnerAndSequenceRoundTrip) {
  for (RequestOwner o : {RequestOwner::kClientWrite, RequestOwner::kClientRead, RequestOwner::kReadRepair,
                         RequestOwner::kHintReplay}) {
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, kRequestSeqMax}) {
      EXPECT_EQ(request_owner(request_id(o, seq)), o);
      EXPECT_EQ(request_seq(request_id(o, seq)), seq);
    }
  }
  EXPECT_EQ(request_owner(0), RequestOwner::kNone);
  EXPECT_EQ(request_owner(uint64_t{0xff} << kRequestOwnerShift), RequestOwner::kNone);
  EXPECT_EQ(request_owner(uint64_t{5} << kRequestOwnerShift), RequestOwner::kNone);
}

TEST(Replica, MessageFromANodeOutsideTheRingIsRefused) {
  SimCluster c(3, 3);
  c.start();
  EXPECT_FALSE(c.replica(1).on_message(Envelope{9, Ping{1}}).is_ok());
}

// Randomized: under random message loss and delay, every QUORUM write that was
// acknowledged is seen (or superseded) by a later QUORUM read (R + W > N).
TEST(Replica, RandomLossNeverHidesAnAcknowledgedQuorumWrite) {
  const uint64_t seed = std::getenv("FAULTLINE_SEED") ? std::strtoull(std::getenv("FAULTLINE_SEED"), nullptr, 10) : 20261122;
  std::printf("seed %llu (replay: FAULTLINE_SEED=%llu node_test --gtest_filter=Replica.RandomLoss*)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  Rng rng(seed);
  SimCluster c(5, 3);
  c.start();
  c.set_drop_if([&rng](NodeId, NodeId, const Body& b) {
    return !std::holds_alternative<Ping>(b) && !std::holds_alternative<Pong>(b) && rng.chance(0.2);
  });
  std::map<std::string, Version> acked;
  constexpr int kOps = 300;
  for (int i = 0; i < kOps; ++i) {
    const std::string key = "k" + std::to_string(rng.uniform(5));
    const NodeId coord = static_cast<NodeId>(1 + rng.uniform(5));
    if (rng.chance(0.5)) {
      WriteResult w = write(c, coord, key, "v" + std::to_string(i), ConsistencyLevel::kQuorum, 1100);
      if (w.status.is_ok()) acked[key] = std::max(acked[key], w.version);
    } else {
      ReadResult r = read(c, coord, key, ConsistencyLevel::kQuorum, 1100);
      if (!r.status.is_ok() || !acked.count(key)) continue;
      ASSERT_TRUE(r.record) << "seed " << seed << " op " << i;
      EXPECT_GE(r.record->version, acked[key]) << "seed " << seed << " op " << i;
    }
  }
}

// Goal: a member cannot push a record's timestamp beyond the
// maximum clock offset (2^62 and INT64_MAX once dragged every hybrid logical
// clock along, INT64_MAX overflowed it), stamp it with a coordinator that is
// not a member, or hand it off to a nonexistent owner. Each is answered
// ok=false, reported (record_refused), and changes nothing.
TEST(Replica, ForgedRecordsFromAMemberAreRefusedAndChangeNothing) {
  SimCluster c(3, 3);
  c.start();
  const WriteResult w = write(c, 1, "k", "v", ConsistencyLevel::kAll);
  ASSERT_TRUE(w.status.is_ok());
  const int64_t now_us = w.version.timestamp_us;
  const int64_t offset_max_us = c.config(2).limits.clock_offset_max_ms * 1000;
  std::vector<WriteReply> replies;
  c.set_drop_if([&](NodeId from, NodeId, const Body& b) {
    if (const auto* r = std::get_if<WriteReply>(&b); r && from == 2 && r->request_id >= 900) replies.push_back(*r);
    return false;
  });
  uint64_t id = 900;
  auto forge = [&](Version v, NodeId owner = 0) {
    EXPECT_TRUE(c.replica(2).on_message(Envelope{1, WriteRequest{id++, Record{"k", "evil", v, false, 0}, owner}}).is_ok());
  };
  forge({int64_t{1} << 62, 1});
  forge({std::numeric_limits<int64_t>::max(), 1});
  forge({now_us + offset_max_us + 1000000, 1});
  forge({now_us + 1000, 9});  // coordinator 9 is not a member
  forge({now_us + 1000, 0});
  forge({0, 1});
  forge({-5, 1});
  forge({now_us + 1000, 1}, 42);  // a handoff for a nonexistent owner
  c.run_for(100);
  ASSERT_EQ(replies.size(), 8u);
  for (const WriteReply& r : replies) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error.rfind("refused: ", 0), 0u) << r.error;
  }
  EXPECT_EQ(count_events(c, 2, "record_refused"), 8);
  EXPECT_EQ(stored(c, 2, "k")->value, "v");
  EXPECT_EQ(c.replica(2).hints().pending_handoffs(), 0u);
  // The clock was not dragged: a new write through n2 is stamped near now.
  const WriteResult w2 = write(c, 2, "k", "v2", ConsistencyLevel::kAll);
  ASSERT_TRUE(w2.status.is_ok());
  EXPECT_LT(w2.version.timestamp_us, now_us + offset_max_us);
  // Within the offset is ordinary clock skew, and accepted.
  forge({w2.version.timestamp_us + offset_max_us / 2, 1});
  c.run_for(100);
  EXPECT_EQ(stored(c, 2, "k")->value, "evil");
  EXPECT_TRUE(replies.back().ok);
}

// Goal: a stored hint that can never be delivered (its record is
// over the limits: stored before them, or with other limits) is deleted
// with a reason at start, instead of failing on every replay and restart.
TEST(Replica, PoisonedHintIsDroppedWithAReasonAtStart) {
  SimCluster c(3, 3);
  c.start();
  const WriteResult w = write(c, 1, "k", "v", ConsistencyLevel::kAll);
  ASSERT_TRUE(w.status.is_ok());
  const size_t too_big = static_cast<size_t>(c.config(1).limits.value_bytes_max) + 1;
  ASSERT_TRUE(c.store(1).put_hint(Hint{7, 2, Record{"k", std::string(too_big, 'x'), w.version, false, 0}, 0, false}));
  c.restart(1);
  c.run_for(1000);
  EXPECT_EQ(c.replica(1).hints().pending(), 0u);
  const SimCluster::Event* e = find_event(c, 1, "hint_expired");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(field(*e, "reason"), "record_over_limits");
  EXPECT_EQ(stored(c, 2, "k")->value, "v");
  c.restart(1);
  c.run_for(100);
  EXPECT_EQ(count_events(c, 1, "hint_expired"), 1) << "deleted, not found again";
}

}  // namespace
}  // namespace faultline
