#include "node/hints.h"

#include <algorithm>
#include <set>

#include "core/assert.h"

namespace faultline {

std::string version_json(const Version& v) {
  return "[" + std::to_string(v.timestamp_us) + "," + std::to_string(v.coordinator_id) + "]";
}

Hints::Hints(const NodeConfig& config, Env env, IsUp is_up)
    : config_(config), bugs_(config.bug_set()), env_(env), is_up_(std::move(is_up)) {}

Hints::~Hints() { stop(); }

Status Hints::start() {
  FL_ASSERT(!running_);
  pending_.clear();
  handoffs_ = 0;
  // A hint that cannot be read is reported by the caller, but must not turn
  // hinted handoff off: the hints read so far, and every later one, are
  // still replayed (a failed load once left new hints stranded forever).
  std::vector<Hint> poisoned;
  Status s = env_.store->for_each_hint([&](const Hint& h) {
    if (!within_limits(h.record)) return poisoned.push_back(h);
    pending_[h.seq] = h;
    handoffs_ += h.handoff;
  });
  // A hint stored before the limits (or with other limits) could never be
  // delivered: it is deleted with a reason instead of being retried forever.
  for (const Hint& h : poisoned) drop(h, "record_over_limits");
  // Ids must not repeat across restarts, even after every hint was deleted:
  // start above both the stored ones and the realtime clock in microseconds.
  next_seq_ = std::max<uint64_t>(pending_.empty() ? 1 : pending_.rbegin()->first + 1,
                                 static_cast<uint64_t>(std::max<int64_t>(env_.clock->realtime_us(), 1)));
  running_ = true;
  tick_timer_ = env_.timers->schedule(kReplayIntervalMs, [this] { tick(); });
  return s;
}

void Hints::stop() {
  if (!running_) return;
  running_ = false;
  env_.timers->cancel(tick_timer_);
  replays_.clear();
}

std::string Hints::hint_id(uint64_t seq) const { return node_name(config_.id) + ":" + std::to_string(seq); }

int64_t Hints::now_ms() const { return env_.clock->monotonic_ns() / 1000000; }

std::vector<EventField> Hints::hint_fields(const Hint& h) const {
  return {{"hint_id", hint_id(h.seq)},
          {"target", node_name(h.target)},
          {"key", h.record.key},
          {"version", EventJson{version_json(h.record.version)}}};
}

Status Hints::put(Hint h) {
  if (pending_.size() >= kPendingMax) return Status::unavailable("hints_max");
  h.seq = next_seq_++;
  h.created_ms = env_.clock->realtime_us() / 1000;
  if (Status s = env_.store->put_hint(h); !s) {
    env_.events->emit("store_error", {{"op", std::string("put_hint")}, {"key", h.record.key}, {"error", s.message()}});
    return s;
  }
  handoffs_ += h.handoff;
  pending_[h.seq] = std::move(h);
  return Status::ok();
}

bool Hints::store_hint(NodeId target, const Record& r, int64_t down_for_ms) {
  FL_ASSERT(target != config_.id);
  auto not_stored = [&](const std::string& reason) {
    env_.events->emit("hint_not_stored", {{"target", node_name(target)},
                                          {"key", r.key},
                                          {"version", EventJson{version_json(r.version)}},
                                          {"reason", reason}});
    return false;
  };
  if (down_for_ms > config_.modes.hint_window_ms) return not_stored("hint_window");
  // A hint expire_old() would drop at once (its record written more than
  // gc_grace ago: gc_grace below the request timeout) is not stored, so it
  // cannot meet ANY for a write that then exists nowhere (simulator seed 80:
  // rf 1, ANY, gc_grace 800 ms, the only replica killed).
  const int64_t now_real_ms = env_.clock->realtime_us() / 1000;
  if (now_real_ms - r.version.timestamp_us / 1000 > config_.modes.gc_grace_ms) return not_stored("gc_grace");
  Status s = put(Hint{0, target, r, 0, false});
  if (s.code() == Status::Code::kUnavailable) return not_stored(s.message());
  if (!s) return false;
  const Hint& h = pending_.rbegin()->second;
  auto fields = hint_fields(h);
  fields.push_back({"tombstone", r.tombstone});
  env_.events->emit("hint_stored", std::move(fields));
  return true;
}

Status Hints::store_handoff(NodeId owner, const Record& r) {
  FL_ASSERT(owner != config_.id);
  // Idempotent: a fallback sent the same record twice (the write, then a
  // read repair of that version) already holds it for its owner. Storing it
  // again would deliver it twice, each delivery claiming its own store.
  // Found by the audit (sloppy quorum, hinted handoff, blocking repair).
  if (handoffs_ > 0) {
    for (const auto& [seq, h] : pending_) {
      if (h.handoff && h.target == owner && h.record.key == r.key && r.version <= h.record.version) {
        return Status::ok();
      }
    }
  }
  if (Status s = put(Hint{0, owner, r, 0, true}); !s) return s;
  env_.events->emit("handoff_stored", {{"owner", node_name(owner)},
                                       {"key", r.key},
                                       {"version", EventJson{version_json(r.version)}}});
  return Status::ok();
}

std::optional<Record> Hints::handoff_record(const std::string& key) const {
  std::optional<Record> out;
  if (handoffs_ == 0) return out;
  for (const auto& [seq, h] : pending_) {
    if (h.handoff && h.record.key == key) out = lww_merge(out, std::optional<Record>(h.record));
  }
  return out;
}

std::vector<PendingHint> Hints::pending_hints() const {
  std::vector<PendingHint> out;
  for (const auto& [seq, h] : pending_) {
    if (!h.handoff) out.push_back({hint_id(seq), node_name(h.target), h.record.key, h.record.version, h.record.tombstone});
  }
  return out;
}

std::string Hints::hints_json() const { return pending_hints_to_json(pending_hints()); }

bool Hints::within_limits(const Record& r) const {
  return static_cast<int64_t>(r.key.size()) <= config_.limits.key_bytes_max &&
         static_cast<int64_t>(r.value.size()) <= config_.limits.value_bytes_max;
}

void Hints::drop(const Hint& h, const std::string& reason) {
  if (Status s = env_.store->delete_hint(h.seq); !s) {
    env_.events->emit("store_error", {{"op", std::string("delete_hint")}, {"key", h.record.key}, {"error", s.message()}});
    return;
  }
  auto fields = hint_fields(h);
  fields.push_back({"reason", reason});
  env_.events->emit(h.handoff ? "handoff_dropped" : "hint_expired", std::move(fields));
}

// ---- replay -------------------------------------------------------------------

void Hints::tick() {
  expire_old();
  // A replay that got no answer within the request timeout is sent again.
  const int64_t now = now_ms();
  std::erase_if(replays_, [&](const auto& kv) { return now - kv.second.sent_ms > config_.modes.request_timeout_ms; });
  std::set<NodeId> targets;
  for (const auto& [seq, h] : pending_) targets.insert(h.target);
  for (NodeId t : targets) {
    if (is_up_(t)) replay_to(t);
  }
  tick_timer_ = env_.timers->schedule(kReplayIntervalMs, [this] { tick(); });
}

// Hints (not handoff records) older than gc_grace_ms: replaying them could
// bring back data whose tombstones were purged meanwhile.
void Hints::expire_old() {
  // Seeded bug hint-replayed-after-gc-grace (docs/bugzoo.md).
  if (bugs_.has(Bug::kHintReplayedAfterGcGrace)) return;
  const int64_t now_real_ms = env_.clock->realtime_us() / 1000;
  for (auto it = pending_.begin(); it != pending_.end();) {
    const Hint& h = it->second;
    // Aged from the older of the hint and its record: a hint stored when a
    // replica's acknowledgement timed out is a request timeout younger than
    // the write it carries, and a newer tombstone of the key may have been
    // purged since that write (found by the simulator with gc_grace 800 ms
    // below a 1000 ms request timeout: a write resurrected after a purged
    // delete, plan seed 318489218149).
    const int64_t written_ms = std::min(h.created_ms, h.record.version.timestamp_us / 1000);
    if (h.handoff || now_real_ms - written_ms <= config_.modes.gc_grace_ms) {
      ++it;
      continue;
    }
    if (Status s = env_.store->delete_hint(h.seq); !s) {
      env_.events->emit("store_error", {{"op", std::string("delete_hint")}, {"key", h.record.key}, {"error", s.message()}});
      ++it;
      continue;
    }
    auto fields = hint_fields(h);
    fields.push_back({"reason", std::string("gc_grace")});
    env_.events->emit("hint_expired", std::move(fields));
    it = pending_.erase(it);
  }
}

void Hints::replay_to(NodeId target) {
  size_t in_flight = 0;
  size_t bytes = 0;
  std::vector<uint64_t> busy;
  for (const auto& [id, r] : replays_) {
    if (r.target != target) continue;
    ++in_flight;
    bytes += r.bytes;
    busy.push_back(r.seq);
  }
  // A page is bounded in count and in bytes (at least one replay in flight,
  // so a large record still goes out alone).
  for (const auto& [seq, h] : pending_) {
    if (in_flight >= kReplayPageMax || (in_flight > 0 && bytes >= kReplayPageBytesMax)) break;
    if (h.target != target || std::find(busy.begin(), busy.end(), seq) != busy.end()) continue;
    const uint64_t id = request_id(RequestOwner::kHintReplay, next_replay_seq_++);
    const size_t record_bytes = h.record.key.size() + h.record.value.size();
    replays_[id] = Replay{seq, target, now_ms(), record_bytes};
    ++in_flight;
    bytes += record_bytes;
    env_.transport->send(target, WriteRequest{id, h.record, 0});
  }
  // Seeded bug hint-deleted-before-ack (docs/bugzoo.md).
  if (bugs_.has(Bug::kHintDeletedBeforeAck)) {
    std::vector<uint64_t> sent;
    for (const auto& [id, r] : replays_) {
      if (r.target == target) sent.push_back(r.seq);
    }
    for (uint64_t seq : sent) deliver(seq);
  }
}

void Hints::on_peer_up(NodeId peer) {
  if (!running_) return;
  // Expired hints go first: a coordinator restarted after a long kill sees
  // its peers up before its first tick, and replayed hints past gc_grace
  // (explore seed 2092: 5001 ms after storing, gc_grace 3000 ms).
  expire_old();
  replay_to(peer);
}

void Hints::on_write_reply(uint64_t request_id, NodeId from, bool ok) {
  auto it = replays_.find(request_id);
  if (it == replays_.end()) return;
  if (it->second.target != from) return;  // a stray reply: not the target's acknowledgement
  const uint64_t seq = it->second.seq;
  replays_.erase(it);
  if (ok) deliver(seq);
}

// The target acknowledged: only now is the hint deleted.
void Hints::deliver(uint64_t seq) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;  // delivered by an earlier duplicate replay
  const Hint h = it->second;
  if (Status s = env_.store->delete_hint(seq); !s) {
    env_.events->emit("store_error", {{"op", std::string("delete_hint")}, {"key", h.record.key}, {"error", s.message()}});
    return;
  }
  pending_.erase(it);
  handoffs_ -= h.handoff;
  if (h.handoff) {
    env_.events->emit("handoff_delivered", {{"owner", node_name(h.target)},
                                            {"key", h.record.key},
                                            {"version", EventJson{version_json(h.record.version)}}});
  } else {
    env_.events->emit("hint_replayed", hint_fields(h));
  }
}

}  // namespace faultline
