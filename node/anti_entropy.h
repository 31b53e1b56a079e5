// AntiEntropy: Merkle-tree anti-entropy rounds and tombstone purging, without
// I/O (it talks to the world only through Env, like Replica, which owns it).
//
// Rounds (when modes.anti_entropy is on). A round compares every range this
// node replicates with every other replica of that range, one exchange at a
// time. An exchange (docs/protocol.md, "Anti-entropy exchange"):
//   0. both sides first fit their tree of the range to its key count
//      (TreeStore::fit), so each may hold a different depth;
//   1. tree phase: ask the peer for the root sum (sending this tree's depth;
//      the answer carries the peer's), then level by level for the left
//      child of every node whose sums differ (the right child's sum is the
//      parent's minus the left's), down to the shallower of the two
//      depths (node sums fold exactly: core/merkle_hash.h), until the
//      differing leaves at that depth are known (at most
//      kTreeIndicesPerRequestMax indices per request);
//   2. sync phase: page through the differing leaves, sending this node's
//      records in them; the peer answers with those of its own records in
//      those leaves that win over (or are missing from) ours, and merges
//      ours; we merge theirs. Every request and reply is bounded in bytes
//      (kSyncBytesPerPageMax plus one record): the records of a page that do
//      not fit go in further requests (MerkleSync's after/upto cursors). Both merge by LWW through the
//      TreeStore, so their trees follow.
// Each exchange that reached its end writes merkle_exchange. A request that
// gets no answer within kExchangeStepTimeoutMs skips that peer for the rest
// of the round, as does a peer the failure detector sees down; once every
// (range, peer) pair was compared or skipped the round writes
// merkle_round_complete (skipped peers listed) and the next round starts
// modes.anti_entropy_interval_ms later, or at once if FL.REPAIR asked for it.
// The responder side keeps no state: every request names its tree.
//
// Tombstones (always, whatever the anti-entropy switch): every sweep visits
// the next ring range in turn and purges at most kPurgesPerSweepMax
// tombstones older than modes.gc_grace_ms (by their local_deletion_time_ms
// and this node's realtime clock), writing tombstone_purged for each.
//
// Thread-safety: none; the node's event loop drives it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bugs.h"
#include "core/node_config.h"
#include "core/node_dump.h"
#include "core/ring.h"
#include "node/env.h"
#include "node/merkle_tree.h"

namespace faultline {

// What exchanges initiated by this node cost, summed since start: for tests
// and the benchmark.
struct ExchangeTotals {
  uint64_t exchanges = 0;
  uint64_t differing_leaves = 0;
  uint64_t keys_sent = 0;
  uint64_t keys_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t round_trips = 0;
  uint64_t hashes_received = 0;
};

class AntiEntropy {
 public:
  static constexpr int64_t kExchangeStepTimeoutMs = kAntiEntropyStepTimeoutMs;
  static constexpr size_t kTreeIndicesPerRequestMax = 4096;
  static constexpr size_t kSyncLeavesPerPageMax = 256;
  static constexpr size_t kSyncBytesPerPageMax = size_t{1} << 20;
  static constexpr size_t kPurgesPerSweepMax = 1000;
  static constexpr int64_t kSweepIntervalMsMin = 20;
  static constexpr int64_t kSweepIntervalMsMax = 1000;

  // `store` is the TreeStore env.store points to; `ring` and `is_up` (the
  // failure detector) belong to the owning Replica. Nothing is owned.
  AntiEntropy(const NodeConfig& config, Env env, TreeStore* store, const Ring* ring,
              std::function<bool(NodeId)> is_up);
  ~AntiEntropy();
  AntiEntropy(const AntiEntropy&) = delete;
  AntiEntropy& operator=(const AntiEntropy&) = delete;

  // Rebuilds the trees from storage and arms the round and sweep timers.
  void start();
  // Cancels every timer; an exchange in flight is dropped.
  void stop();

  bool enabled() const { return store_->trees() != nullptr; }
  // FL.REPAIR: the number of a round that starts now (or right after the
  // one in progress). Anti-entropy must be on.
  uint64_t request_round();
  uint64_t rounds_completed() const { return rounds_completed_; }
  // Roots of every replicated range (RangeRoot: core/node_dump.h); empty
  // when anti-entropy is off.
  std::vector<RangeRoot> roots() const;
  // roots() as FL.MERKLE's JSON array (range_roots_to_json).
  std::string roots_json() const;
  const ExchangeTotals& totals() const { return totals_; }

  // Handles an anti-entropy message; false for any other message.
  bool on_message(const Envelope& env);

  // One tombstone sweep step (also run by its timer).
  void sweep_tombstones();

 private:
  struct Pair {
    size_t range_index;
    NodeId peer;
  };

  struct Exchange {
    uint64_t id = 0;
    Pair pair{};
    const MerkleTree* tree = nullptr;
    bool syncing = false;
    int level = 0;
    int depth = 0;  // the compare depth: the shallower tree's, known from the root's answer
    // Indices at `level` to ask for: the root, then the left children of
    // the nodes that differed one level up.
    std::vector<uint64_t> to_request;
    std::vector<uint64_t> parent_sums;  // below the root: the peer's sum of to_request[i]'s parent
    size_t next = 0;                    // first of to_request not yet asked
    size_t asked_from = 0;              // where the request in flight starts in to_request
    std::vector<uint64_t> asked;        // the request in flight
    std::vector<uint64_t> differing;    // at `level` so far; at depth: the differing leaves
    std::vector<uint64_t> differing_sums;  // the peer's sums of `differing`
    std::vector<uint64_t> page;        // sync: the leaves of the page in flight
    std::optional<SyncCursor> after;   // sync: the page is covered up to here
    std::optional<SyncCursor> asked_upto;  // sync: the end of the span in flight
    TimerId timer = 0;
    ExchangeTotals cost;  // exchanges = 1
  };

  // Rounds.
  void start_round();
  void next_exchange();
  void finish_round();
  void begin_exchange(Pair p);
  void send_tree_batch();
  void send_sync_page();
  void send_request(Body body);
  // Adds node `index` at the exchange's level to its differing nodes when
  // the peer's sum of it is not this tree's.
  void note_if_differs(uint64_t index, uint64_t peer_sum);
  void on_tree_reply(NodeId from, const MerkleTreeReply& m, size_t frame_bytes);
  void on_sync_reply(NodeId from, const MerkleSyncReply& m, size_t frame_bytes);
  void end_exchange(bool reached_end, const std::string& why);
  void on_step_timeout(uint64_t exchange_id);
  // The reply is for the exchange in flight, from its peer.
  bool current(uint64_t exchange_id, NodeId from) const;

  // Responder side.
  void on_tree_request(NodeId from, const MerkleTreeRequest& m);
  void on_sync(NodeId from, const MerkleSync& m);
  // The tree a request names, or null with *why set.
  const MerkleTree* requested_tree(const MerkleTreeId& id, std::string* why);
  // How requests name the tree of the exchange in flight, with `depth`.
  MerkleTreeId tree_id(int depth) const;
  // TreeStore::fit, reporting a failed scan as a store_error event.
  void fit_tree(size_t range_index);
  std::vector<Record> records_in(const TokenRange& range, int depth, const std::vector<uint64_t>& leaves);
  void merge(const MerkleTree& tree, const std::vector<Record>& records);

  void arm_round_timer();
  void arm_sweep_timer();
  int64_t sweep_interval_ms() const;

  // Constant after construction.
  const NodeConfig config_;
  const BugSet bugs_;  // seeded bugs (core/bugs.h); empty in every real deployment
  const Env env_;
  TreeStore* const store_;
  const Ring* const ring_;
  const std::function<bool(NodeId)> is_up_;

  // Only touched on the event loop.
  bool running_ = false;
  uint64_t round_ = 0;  // the round in progress, or the last one
  bool in_round_ = false;
  bool round_requested_ = false;  // FL.REPAIR during a round: another one right after
  uint64_t rounds_completed_ = 0;
  std::deque<Pair> todo_;
  std::set<NodeId> skipped_;
  uint64_t exchanges_in_round_ = 0;
  std::optional<Exchange> exchange_;
  uint64_t next_exchange_id_ = 1;
  TimerId round_timer_ = 0;
  TimerId sweep_timer_ = 0;
  size_t sweep_range_ = 0;  // next ring range the sweep visits
  ExchangeTotals totals_;
};

}  // namespace faultline
