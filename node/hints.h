// Hints: hinted handoff and sloppy-quorum handoff records of one node, without
// I/O (everything goes through Env).
//
// Two kinds of pending delivery, both durable in the Store's hint space:
// - a hint: the coordinator stored it because `target` did not acknowledge a
//   write in time or was known down (Cassandra's hints). Not stored when the
//   target has been down longer than hint_window_ms (hint_not_stored). A hint
//   older than gc_grace_ms is dropped, never replayed (hint_expired), since
//   the tombstones it could resurrect around may have been purged.
// - a handoff record: a sloppy-quorum fallback keeps a write for its intended
//   owner (Riak's fallback vnode / Dynamo's hinted replica). It answers reads
//   for its key meanwhile and never expires.
// Both are delivered when the failure detector sees the target up: a replay
// tick sends at most kReplayPageMax writes (kReplayPageBytesMax bytes) per
// target at a time, and a hint is
// deleted only when the target acknowledged it (hint_replayed /
// handoff_delivered). An unacknowledged replay is retried after
// request_timeout_ms.
//
// Invariant: pending_ mirrors the Store's hint space (loaded at start, kept in
// step by every put and delete).
//
// Thread-safety: none; the replica's event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/node_config.h"
#include "core/node_dump.h"
#include "node/env.h"
#include "node/request_id.h"

namespace faultline {

class Hints {
 public:
  using IsUp = std::function<bool(NodeId)>;

  // Replays in flight per target at most (one page), in count and in record
  // bytes (a page holds at least one replay, however large).
  static constexpr size_t kReplayPageMax = 64;
  static constexpr size_t kReplayPageBytesMax = 4 * 1024 * 1024;
  // How often pending hints are expired and replayed to targets that are up.
  static constexpr int64_t kReplayIntervalMs = 200;
  // Pending hints and handoff records at most; beyond it a new one is not
  // stored (hint_not_stored, reason "hints_max") rather than growing memory.
  static constexpr size_t kPendingMax = 1'000'000;

  // Everything must outlive this.
  Hints(const NodeConfig& config, Env env, IsUp is_up);
  ~Hints();
  Hints(const Hints&) = delete;
  Hints& operator=(const Hints&) = delete;

  // Loads the stored hints (they survive restarts) and starts the replay tick.
  Status start();
  void stop();

  // Coordinator: `target` missed `r`; it has been seen down for down_for_ms
  // (0 when it is seen up). True when a hint was stored.
  bool store_hint(NodeId target, const Record& r, int64_t down_for_ms);
  // Fallback: keep `r` for `owner`. Errors are the store's.
  Status store_handoff(NodeId owner, const Record& r);
  // The failure detector saw `peer` come up: replay to it now.
  void on_peer_up(NodeId peer);
  // A write reply whose id names a hint replay (node/request_id.h); a reply
  // to no replay in flight, or not from its target, is ignored.
  void on_write_reply(uint64_t request_id, NodeId from, bool ok);

  // The newest handoff record this node keeps for `key` (sloppy quorum reads).
  std::optional<Record> handoff_record(const std::string& key) const;
  size_t pending() const { return pending_.size(); }
  size_t pending_handoffs() const { return handoffs_; }
  // Pending hints, handoff records excluded (PendingHint: core/node_dump.h).
  std::vector<PendingHint> pending_hints() const;
  // pending_hints() as FL.HINTS's JSON array (pending_hints_to_json).
  std::string hints_json() const;
  std::string hint_id(uint64_t seq) const;

 private:
  struct Replay {
    uint64_t seq = 0;
    NodeId target = 0;
    int64_t sent_ms = 0;  // monotonic
    size_t bytes = 0;     // the record's key and value
  };

  Status put(Hint h);
  // A record within config.limits (so it fits a peer frame).
  bool within_limits(const Record& r) const;
  // Deletes a hint that can never be delivered, reporting `reason`.
  void drop(const Hint& h, const std::string& reason);
  void tick();
  void expire_old();
  void replay_to(NodeId target);
  void deliver(uint64_t seq);
  std::vector<EventField> hint_fields(const Hint& h) const;
  int64_t now_ms() const;

  // Constant after construction.
  const NodeConfig& config_;
  const BugSet bugs_;  // seeded bugs (core/bugs.h); empty in every real deployment
  const Env env_;
  const IsUp is_up_;

  // Only touched on the event loop.
  std::map<uint64_t, Hint> pending_;  // by seq: oldest first
  size_t handoffs_ = 0;               // handoff records among pending_
  std::unordered_map<uint64_t, Replay> replays_;  // by request id
  uint64_t next_replay_seq_ = 1;                  // of replay request ids
  uint64_t next_seq_ = 1;
  TimerId tick_timer_ = 0;
  bool running_ = false;
};

// "[ts,id]", the JSON form of a version in events and dumps.
std::string version_json(const Version& v);

}  // namespace faultline
