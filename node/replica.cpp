#include "node/replica.h"

#include <algorithm>

#include "core/assert.h"

namespace faultline {

namespace {

std::string node_list(const std::vector<NodeId>& nodes) {
  std::string out = "[";
  for (size_t i = 0; i < nodes.size(); ++i) out += (i ? "," : "") + node_name(nodes[i]);
  return out + "]";
}

bool contains(const std::vector<NodeId>& v, NodeId n) { return std::find(v.begin(), v.end(), n) != v.end(); }

}  // namespace

bool Replica::Contact::accept(NodeId from) {
  if (!contains(replicas, from) || contains(responded, from)) return false;
  responded.push_back(from);
  return true;
}

NodeId Replica::Contact::owner_of(NodeId n) const {
  for (const auto& [fallback, owner] : fallbacks) {
    if (fallback == n) return owner;
  }
  return n;
}

int Replica::Contact::replica_acks() const {
  int n = 0;
  for (NodeId r : responded) {
    const bool failed = std::any_of(failures.begin(), failures.end(), [&](const auto& f) { return f.first == r; });
    if (!failed && !(primary_only && owner_of(r) != r)) ++n;
  }
  return n;
}

int Replica::Contact::acks() const {
  // Hints count toward ANY only (Cassandra): a QUORUM write with too few
  // replicas acknowledging fails even though hints were stored.
  return replica_acks() + (cl == ConsistencyLevel::kAny || hints_count ? hinted : 0);
}

void Replica::Contact::assert_invariants() const {
  FL_ASSERT(required >= 1);
  FL_ASSERT(responded.size() <= replicas.size());
  for (NodeId n : responded) FL_ASSERT(contains(replicas, n));  // responded is a subset of contacted
  for (const auto& [node, why] : failures) FL_ASSERT(contains(responded, node));
  FL_ASSERT(replica_acks() <= static_cast<int>(responded.size()));  // acks never exceed contacted replicas
  FL_ASSERT(hinted >= 0);
}

void Replica::ReadState::assert_invariants() const {
  Contact::assert_invariants();
  FL_ASSERT(replies.size() + digests.size() <= responded.size());
  for (NodeId n : repair_pending) FL_ASSERT(contains(replicas, n));
  FL_ASSERT(repairing || repair_pending.empty());
}

std::string Replica::Contact::describe() const {
  std::string out = std::to_string(acks()) + " of " + std::to_string(required) + " required acks for " +
                    std::string(to_string(cl)) + " from replicas " + node_list(replicas);
  for (const auto& [node, why] : failures) out += "; " + node_name(node) + " failed: " + why;
  return out;
}

Replica::Replica(const NodeConfig& config, Env env)
    : tree_store_(std::make_unique<TreeStore>(env.store, make_merkle_trees(config))),
      config_(config),
      bugs_(config.bug_set()),
      env_([&] {
        env.store = tree_store_.get();
        return env;
      }()),
      ring_(config.ring_nodes(), config.vnodes, config.rf),
      anti_entropy_(std::make_unique<AntiEntropy>(config_, env_, tree_store_.get(), &ring_,
                                                  [this](NodeId n) { return is_up(n); })),
      hlc_(env.clock),
      hints_(config_, env_, [this](NodeId n) { return is_up(n); }) {
  FL_ASSERT(env_.clock);
  FL_ASSERT(env_.transport);
  FL_ASSERT(env_.timers);
  FL_ASSERT(env_.store);
  FL_ASSERT(env_.events);
  for (const auto& p : config_.peers) peers_[p.id] = PeerState{};
}

Replica::~Replica() { stop(); }

void Replica::start() {
  FL_ASSERT(!running_);
  running_ = true;
  const int64_t now_ns = env_.clock->monotonic_ns();
  for (auto& [id, p] : peers_) p.down_since_ns = now_ns;
  if (Status s = hints_.start(); !s) {
    env_.events->emit("store_error", {{"op", std::string("load_hints")}, {"key", std::string()}, {"error", s.message()}});
  }
  anti_entropy_->start();
  heartbeat();
}

void Replica::stop() {
  if (!running_) return;
  running_ = false;
  env_.timers->cancel(heartbeat_timer_);
  hints_.stop();
  anti_entropy_->stop();
  for (auto& [id, w] : writes_) env_.timers->cancel(w.timer);
  for (auto& [id, r] : reads_) env_.timers->cancel(r.timer);
  writes_.clear();
  reads_.clear();
}

bool Replica::is_up(NodeId node) const {
  if (node == config_.id) return true;
  auto it = peers_.find(node);
  return it != peers_.end() && it->second.up;
}

std::vector<std::pair<NodeId, bool>> Replica::peer_states() const {
  std::vector<std::pair<NodeId, bool>> out;
  for (const auto& [id, p] : peers_) out.emplace_back(id, p.up);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- messages ---------------------------------------------------------------

Status Replica::check_record(const Record& r) const {
  const NodeLimits& l = config_.limits;
  if (static_cast<int64_t>(r.key.size()) > l.key_bytes_max) {
    return Status::invalid("key of " + std::to_string(r.key.size()) + " bytes exceeds limits.key_bytes_max");
  }
  if (static_cast<int64_t>(r.value.size()) > l.value_bytes_max) {
    return Status::invalid("value of " + std::to_string(r.value.size()) + " bytes exceeds limits.value_bytes_max");
  }
  if (!is_member(r.version.coordinator_id)) {
    return Status::invalid("coordinator " + std::to_string(r.version.coordinator_id) + " is not a member");
  }
  if (r.local_deletion_time_ms < 0) return Status::invalid("negative deletion time");
  // Bounded ahead (and so far from INT64_MAX): no member can drag the hybrid
  // logical clocks of the cluster into the future.
  const int64_t now_us = env_.clock->realtime_us();
  const int64_t ahead_max_us = l.clock_offset_max_ms * 1000;
  if (r.version.timestamp_us < 1 || r.version.timestamp_us > now_us + ahead_max_us) {
    return Status::invalid("timestamp " + std::to_string(r.version.timestamp_us) + " us is not in 1.." +
                           std::to_string(now_us + ahead_max_us) + " (limits.clock_offset_max_ms ahead of " +
                           node_name(config_.id) + "'s clock)");
  }
  return Status::ok();
}

bool Replica::is_member(NodeId n) const { return n == config_.id || peers_.count(n) > 0; }

void Replica::refused(NodeId from, const Record& r, const Status& why) {
  env_.events->emit("record_refused", {{"peer", node_name(from)}, {"key", r.key},
                                       {"version", EventJson{version_json(r.version)}}, {"reason", why.message()}});
}

// The records of a Merkle sync message that pass check_record (they move
// the clock, as every record this node stores does); the others are
// reported and dropped (the rest of the page is still good).
template <typename M>
bool Replica::drop_refused_records(NodeId from, M* m) {
  const size_t before = m->records.size();
  std::erase_if(m->records, [&](const Record& r) {
    Status s = check_record(r);
    if (!s) refused(from, r, s);
    else observe(r);
    return !s;
  });
  return m->records.size() != before;
}

Status Replica::on_message(const Envelope& env) {
  if (!peers_.count(env.from)) {
    return Status::invalid("message '" + std::string(message_type_name(env.body)) + "' from " +
                           node_name(env.from) + ", which is not a peer of " + node_name(config_.id));
  }
  // Sync pages are checked record by record before anti-entropy sees them.
  if (const auto* m = std::get_if<MerkleSync>(&env.body)) {
    MerkleSync checked = *m;
    if (drop_refused_records(env.from, &checked)) return on_message(Envelope{env.from, std::move(checked)});
  } else if (const auto* m = std::get_if<MerkleSyncReply>(&env.body)) {
    MerkleSyncReply checked = *m;
    if (drop_refused_records(env.from, &checked)) return on_message(Envelope{env.from, std::move(checked)});
  }
  const NodeId from = env.from;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, WriteRequest>) handle_write_request(from, m);
        else if constexpr (std::is_same_v<T, ReadRequest>) handle_read_request(from, m);
        else if constexpr (std::is_same_v<T, WriteReply>) route_write_reply(from, m);
        else if constexpr (std::is_same_v<T, ReadReply>) route_read_reply(from, m);
        else if constexpr (std::is_same_v<T, Ping>) env_.transport->send(from, Pong{m.seq});
        else if constexpr (std::is_same_v<T, Pong>) handle_pong(from);
        else {
          // The Merkle exchange messages: anti-entropy routes them by exchange id.
          const bool handled = anti_entropy_->on_message(env);
          FL_ASSERT(handled);
        }
      },
      env.body);
  return Status::ok();
}

// Every write reply goes to the one owner its id names (node/request_id.h).
void Replica::route_write_reply(NodeId from, const WriteReply& m) {
  const Status s = m.ok ? Status::ok() : Status::io(m.error);
  switch (request_owner(m.request_id)) {
    case RequestOwner::kClientWrite: return on_write_response(m.request_id, from, s);
    case RequestOwner::kReadRepair: return on_repair_ack(m.request_id, from, s);
    case RequestOwner::kHintReplay: return hints_.on_write_reply(m.request_id, from, m.ok);
    case RequestOwner::kClientRead:
    case RequestOwner::kNone: return;  // nobody waits for a write reply under such an id
  }
}

// A read reply's record is checked (and moves the clock) whoever it is for;
// only a client read waits for one.
void Replica::route_read_reply(NodeId from, const ReadReply& m) {
  Status s = m.record ? check_record(*m.record) : Status::ok();
  if (!s) refused(from, *m.record, s);
  else observe(m.record);
  if (request_owner(m.request_id) != RequestOwner::kClientRead) return;
  if (!s) {
    return on_read_response(m.request_id, from, Status::io("refused record: " + s.message()), std::nullopt,
                            std::nullopt);
  }
  on_read_response(m.request_id, from, Status::ok(), m.record,
                   m.digest_only ? std::optional<uint64_t>(m.digest) : std::nullopt);
}

void Replica::observe(const std::optional<Record>& r) {
  if (r) hlc_.observe(r->version.timestamp_us);
}

Status Replica::apply_local(const Record& r, NodeId owner) {
  if (owner != 0 && owner != config_.id) return hints_.store_handoff(owner, r);
  // Seeded bug equal-versions-diverge, replica half (docs/bugzoo.md).
  Status s;
  if (bugs_.has(Bug::kEqualVersionsDiverge)) {
    std::optional<Record> held;
    s = env_.store->get(r.key, &held);
    if (s && held && held->version == r.version && !(*held == r)) s = env_.store->purge(*held);
  }
  if (s) s = env_.store->apply(r);
  if (!s) env_.events->emit("store_error", {{"op", std::string("apply")}, {"key", r.key}, {"error", s.message()}});
  return s;
}

// What this node holds for key: its own record merged with any handoff
// record it keeps as a sloppy-quorum fallback.
std::optional<Record> Replica::local_read(const std::string& key, Status* s) {
  std::optional<Record> r;
  *s = env_.store->get(key, &r);
  return lww_merge(r, hints_.handoff_record(key));
}

void Replica::handle_write_request(NodeId from, const WriteRequest& m) {
  Status s = check_record(m.record);
  if (s && m.owner != 0 && !is_member(m.owner)) s = Status::invalid("owner " + std::to_string(m.owner) + " is not a member");
  if (!s) {
    refused(from, m.record, s);
    env_.transport->send(from, WriteReply{m.request_id, false, "refused: " + s.message()});
    return;
  }
  observe(m.record);
  s = apply_local(m.record, m.owner);
  env_.transport->send(from, WriteReply{m.request_id, s.is_ok(), s.is_ok() ? "" : s.message()});
}

void Replica::handle_read_request(NodeId from, const ReadRequest& m) {
  Status s;
  std::optional<Record> r = local_read(m.key, &s);
  if (!s) {
    // ReadReply cannot carry an error; staying silent makes the coordinator
    // count this replica as unreachable, which is what a corrupt copy is.
    env_.events->emit("store_error", {{"op", std::string("get")}, {"key", m.key}, {"error", s.message()}});
    return;
  }
  ReadReply reply{m.request_id, std::nullopt, m.digest_only, 0};
  if (m.digest_only) reply.digest = read_digest(r);
  else reply.record = std::move(r);
  env_.transport->send(from, std::move(reply));
}

// ---- failure detector -------------------------------------------------------

void Replica::heartbeat() {
  const int64_t now_ns = env_.clock->monotonic_ns();
  const int64_t down_after_ns = config_.peer_down_after_ms * 1000000;
  for (auto& [id, p] : peers_) {
    if (p.up && now_ns - p.last_pong_ns > down_after_ns) {
      p.up = false;
      p.down_since_ns = now_ns;
      env_.events->emit("peer_down", {{"peer", node_name(id)}, {"silent_ms", (now_ns - p.last_pong_ns) / 1000000}});
    }
    env_.transport->send(id, Ping{++ping_seq_});
  }
  heartbeat_timer_ = env_.timers->schedule(config_.heartbeat_interval_ms, [this] { heartbeat(); });
}

void Replica::handle_pong(NodeId from) {
  PeerState& p = peers_[from];
  p.last_pong_ns = env_.clock->monotonic_ns();
  if (!p.up) {
    p.up = true;
    env_.events->emit("peer_up", {{"peer", node_name(from)}});
    hints_.on_peer_up(from);
  }
}

// ---- coordinator ------------------------------------------------------------

int64_t Replica::down_for_ms(NodeId n) const {
  auto it = peers_.find(n);
  if (it == peers_.end() || it->second.up) return 0;
  return (env_.clock->monotonic_ns() - it->second.down_since_ns) / 1000000;
}

Replica::Placement Replica::place(const std::string& key, bool for_write) const {
  const Token t = token_of(key);
  const std::vector<NodeId> primaries = ring_.preference_list(t);
  Placement p;
  // Seeded bug sloppy-fallback-counts-primary (docs/bugzoo.md).
  if (config_.modes.quorum == QuorumMode::kSloppy || bugs_.has(Bug::kSloppyFallbackCountsPrimary)) {
    // The first N healthy nodes of the extended preference list: each down
    // primary is replaced by the next healthy node beyond the primaries.
    const std::vector<NodeId> extended = ring_.extended_preference_list(t);
    size_t next = primaries.size();
    for (NodeId n : primaries) {
      if (is_up(n)) {
        p.contact.push_back(n);
        continue;
      }
      while (next < extended.size() && !is_up(extended[next])) ++next;
      if (next < extended.size()) {
        p.fallbacks.emplace_back(extended[next], n);
        ++next;
      } else {
        p.skipped.push_back(n);
      }
    }
    for (const auto& [fallback, owner] : p.fallbacks) p.contact.push_back(fallback);
    return p;
  }
  for (NodeId n : primaries) {
    // A write to a replica known down is not sent (as Cassandra does): with
    // hinted handoff it becomes a hint at once instead.
    if (for_write && !is_up(n)) p.skipped.push_back(n);
    else p.contact.push_back(n);
  }
  return p;
}

Status Replica::check_available(ConsistencyLevel cl, const Placement& p, bool primary_only) const {
  const int required = required_acks(cl, config_.rf);
  if (required > config_.rf) {
    return Status::unavailable(std::string(to_string(cl)) + " needs " + std::to_string(required) +
                               " replicas but rf is " + std::to_string(config_.rf));
  }
  int up = 0;
  for (NodeId n : p.contact) {
    const bool fallback = std::any_of(p.fallbacks.begin(), p.fallbacks.end(), [&](const auto& f) { return f.first == n; });
    up += is_up(n) && !(primary_only && fallback);
  }
  // ANY is met by a stored hint, so it needs nobody up.
  const bool any_by_hint = cl == ConsistencyLevel::kAny && config_.modes.hinted_handoff;
  if (up < required && !any_by_hint) {
    return Status::unavailable(std::string(to_string(cl)) + " needs " + std::to_string(required) +
                               (primary_only ? " primary" : "") + " replicas of " + node_list(p.contact) +
                               " but only " + std::to_string(up) + " up");
  }
  if (requests_in_flight() >= kCoordinatorRequestsMax) {
    return Status::unavailable("coordinator overloaded: " + std::to_string(requests_in_flight()) + " requests in flight");
  }
  return Status::ok();
}

// A new request in `requests`, with its timeout armed.
template <typename State>
State& Replica::begin(std::unordered_map<uint64_t, State>* requests, RequestOwner owner, ConsistencyLevel cl,
                      Placement p, bool primary_only) {
  const uint64_t id = request_id(owner, next_request_seq_++);
  State& st = (*requests)[id];
  st.id = id;
  st.cl = cl;
  st.required = required_acks(cl, config_.rf);
  st.replicas = std::move(p.contact);
  st.fallbacks = std::move(p.fallbacks);
  st.primary_only = primary_only;
  st.timer = env_.timers->schedule(config_.modes.request_timeout_ms, [this, id] { on_request_timeout(id); });
  return st;
}

void Replica::coordinate_write(std::string key, std::optional<std::string> value, ConsistencyLevel cl,
                               WriteCallback cb, bool primary_only) {
  // Without hinted handoff nothing can stand in for a replica: ANY is ONE.
  if (cl == ConsistencyLevel::kAny && !config_.modes.hinted_handoff) cl = ConsistencyLevel::kOne;
  Placement p = place(key, /*for_write=*/true);
  if (Status s = check_available(cl, p, primary_only); !s) return cb({s, {}});
  const std::vector<NodeId> skipped = p.skipped;

  WriteState& w = begin(&writes_, RequestOwner::kClientWrite, cl, std::move(p), primary_only);
  const uint64_t id = w.id;
  // Seeded bug hint-counts-toward-quorum (docs/bugzoo.md).
  w.hints_count = bugs_.has(Bug::kHintCountsTowardQuorum);
  w.record.key = std::move(key);
  w.record.tombstone = !value.has_value();
  w.record.value = value.value_or("");
  w.record.version = Version{hlc_.now_us(), config_.id};
  // Seeded bug equal-versions-diverge, coordinator half (docs/bugzoo.md).
  if (bugs_.has(Bug::kEqualVersionsDiverge)) w.record.version.timestamp_us -= w.record.version.timestamp_us % 1000;
  if (w.record.tombstone) w.record.local_deletion_time_ms = env_.clock->realtime_us() / 1000;
  w.cb = std::move(cb);

  if (config_.modes.hinted_handoff) {
    for (NodeId n : skipped) w.hinted += hints_.store_hint(n, w.record, down_for_ms(n));
  }
  // Remote replicas first: the local apply may answer and retire the request.
  bool local = false;
  for (NodeId n : w.replicas) {
    const NodeId owner = w.owner_of(n);
    if (n == config_.id) local = true;
    else env_.transport->send(n, WriteRequest{id, w.record, owner == n ? 0 : owner});
  }
  if (local) on_write_response(id, config_.id, apply_local(w.record, w.owner_of(config_.id)));
  else if (w.replicas.empty()) progress_write(id);  // ANY met by hints alone
}

void Replica::coordinate_read(std::string key, ConsistencyLevel cl, ReadCallback cb, bool primary_only) {
  if (cl == ConsistencyLevel::kAny) {
    return cb({Status::invalid("consistency level ANY is for writes only"), std::nullopt});
  }
  Placement p = place(key, /*for_write=*/false);
  if (Status s = check_available(cl, p, primary_only); !s) return cb({s, std::nullopt});
  // Contact exactly the replicas the CL needs: this node first (no network),
  // then those seen up, primaries before fallbacks.
  const int required = required_acks(cl, config_.rf);
  std::vector<NodeId> chosen;
  auto counts = [&](NodeId n) {
    const bool fallback = std::any_of(p.fallbacks.begin(), p.fallbacks.end(), [&](const auto& f) { return f.first == n; });
    return !(primary_only && fallback);
  };
  for (int pass = 0; pass < 3 && static_cast<int>(chosen.size()) < required; ++pass) {
    for (NodeId n : p.contact) {
      const bool pick = pass == 0 ? n == config_.id : pass == 1 ? is_up(n) : true;
      if (pick && counts(n) && !contains(chosen, n) && static_cast<int>(chosen.size()) < required) chosen.push_back(n);
    }
  }
  p.contact = std::move(chosen);

  ReadState& r = begin(&reads_, RequestOwner::kClientRead, cl, std::move(p), primary_only);
  r.key = std::move(key);
  r.cb = std::move(cb);
  r.digest_phase = config_.modes.digest_reads && r.replicas.size() > 1;
  send_reads(&r);
}

// Sends the read of `r` to every contacted replica: a data read to the first
// and, in the digest phase, digest reads to the others.
void Replica::send_reads(ReadState* r) {
  const uint64_t id = r->id;
  const std::string key = r->key;
  bool local = false;
  for (size_t i = 0; i < r->replicas.size(); ++i) {
    const NodeId n = r->replicas[i];
    if (n == config_.id) local = true;
    else env_.transport->send(n, ReadRequest{id, key, r->digest_phase && i > 0});
  }
  if (!local) return;
  // The request may be retired by this answer: r is not touched after it.
  Status s;
  std::optional<Record> rec = local_read(key, &s);
  // What this node shows a client it never stamps below (hlc-causality),
  // even a record it stored before a restart reset its clock.
  observe(rec);
  const bool data = r->replicas.front() == config_.id || !r->digest_phase;
  on_read_response(id, config_.id, s, data ? std::move(rec) : std::nullopt,
                   data ? std::nullopt : std::optional<uint64_t>(read_digest(rec)));
}

void Replica::on_write_response(uint64_t id, NodeId from, Status s) {
  auto it = writes_.find(id);
  if (it == writes_.end() || !it->second.accept(from)) return;  // late, duplicate or stray
  if (!s) it->second.failures.emplace_back(from, s.message());
  progress_write(id);
}

// The claim a blocking repair makes once `replica` acknowledged it (or, for
// the coordinator, once it stored it): `replica` now holds the winner.
// A repair sent to a sloppy-quorum fallback is a handoff for its owner
// (hint-replay judges those), so the event names the owner too.
void Replica::emit_repaired(const ReadState& r, NodeId replica) {
  std::vector<EventField> fields = {{"key", r.key},
                                    {"replica", node_name(replica)},
                                    {"version", EventJson{version_json(r.winner->version)}},
                                    {"tombstone", r.winner->tombstone}};
  if (const NodeId owner = r.owner_of(replica); owner != replica) fields.push_back({"owner", node_name(owner)});
  env_.events->emit("read_repaired", std::move(fields));
}

// A blocking read repair's acknowledgement: its id carries the read's sequence.
void Replica::on_repair_ack(uint64_t repair_id, NodeId from, Status s) {
  const uint64_t id = request_id(RequestOwner::kClientRead, request_seq(repair_id));
  auto it = reads_.find(id);
  if (it == reads_.end() || !it->second.repairing) return;
  auto& pending = it->second.repair_pending;
  if (!contains(pending, from)) return;
  if (!s) {
    it->second.failures.emplace_back(from, "repair write failed: " + s.message());
  } else {
    pending.erase(std::find(pending.begin(), pending.end(), from));
    emit_repaired(it->second, from);
  }
  progress_read(id);
}

void Replica::on_read_response(uint64_t id, NodeId from, Status s, std::optional<Record> r,
                               std::optional<uint64_t> digest) {
  auto it = reads_.find(id);
  if (it == reads_.end() || it->second.repairing || !it->second.accept(from)) return;
  if (!s) it->second.failures.emplace_back(from, s.message());
  else if (digest) it->second.digests.emplace_back(from, *digest);
  else it->second.replies.emplace_back(from, std::move(r));
  progress_read(id);
}

// Answers the client once the outcome is decided, and retires the request
// once every replica answered. The callback runs last, after the bookkeeping,
// because it may start new requests. `make_ok` builds the answer on success.
template <typename State, typename MakeOk>
void Replica::progress(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what, MakeOk make_ok) {
  State& st = requests->at(id);
  st.assert_invariants();
  decltype(st.cb) cb;
  decltype(make_ok(st)) result;
  if (!st.answered && st.acks() >= st.required) {
    result = make_ok(st);
    st.answered = true;
    cb = std::move(st.cb);
  } else if (!st.answered && st.acks() + st.outstanding() < st.required) {
    // A replica refused, but others may have applied: the outcome is unknown.
    result = {Status::timeout(std::string(what) + " failed on replicas: " + st.describe()), {}};
    st.answered = true;
    cb = std::move(st.cb);
  }
  if (st.all_responded()) {
    env_.timers->cancel(st.timer);
    requests->erase(id);
  }
  if (cb) cb(result);
}

void Replica::progress_write(uint64_t id) {
  progress(&writes_, id, "write", [](const WriteState& w) { return WriteResult{Status::ok(), w.record.version}; });
}

// A read goes through up to three steps: (digest phase) data and digest
// replies, re-read in full on a mismatch; reconcile the full replies and pick
// the LWW winner; (blocking repair) wait for the stale replicas' acks.
void Replica::progress_read(uint64_t id) {
  ReadState& r = reads_.at(id);
  r.assert_invariants();
  if (!r.failures.empty()) {
    const char* what = r.repairing ? "read repair failed: " : "read failed on replicas: ";
    return finish_read(id, {Status::timeout(what + r.describe()), std::nullopt});
  }
  if (r.repairing) {
    if (r.repair_pending.empty()) finish_read(id, {Status::ok(), r.winner});
    return;
  }
  if (!r.all_responded()) return;  // contacted replicas are exactly the CL's
  if (r.digest_phase && !digests_match(&r)) return;
  reconcile(&r);
}

// True when every digest equals the data reply's. Otherwise logs the
// mismatch and restarts `r` as full reads of every contacted replica (under
// a new id, so late digest replies are ignored).
bool Replica::digests_match(ReadState* r) {
  FL_ASSERT(r->replies.size() == 1);
  const uint64_t data = read_digest(r->replies.front().second);
  if (std::all_of(r->digests.begin(), r->digests.end(), [&](const auto& d) { return d.second == data; })) return true;
  std::vector<std::string> names;
  for (NodeId n : r->replicas) names.push_back("\"" + node_name(n) + "\"");
  std::string list = "[";
  for (size_t i = 0; i < names.size(); ++i) list += (i ? "," : "") + names[i];
  env_.events->emit("digest_mismatch", {{"key", r->key}, {"replicas", EventJson{list + "]"}}});

  ReadState next = std::move(*r);
  env_.timers->cancel(next.timer);
  reads_.erase(next.id);
  next.id = request_id(RequestOwner::kClientRead, next_request_seq_++);
  next.digest_phase = false;
  next.responded.clear();
  next.replies.clear();
  next.digests.clear();
  const uint64_t id = next.id;
  next.timer = env_.timers->schedule(config_.modes.request_timeout_ms, [this, id] { on_request_timeout(id); });
  ReadState& moved = reads_[id] = std::move(next);
  send_reads(&moved);
  return false;
}

uint64_t Replica::read_digest(const std::optional<Record>& r) const {
  // Seeded bug digest-ignores-version (docs/bugzoo.md).
  if (bugs_.has(Bug::kDigestIgnoresVersion) && r) return record_digest(Record{r->key, r->value, {}, false, 0});
  return record_digest(r);
}

// The LWW winner of the full replies; repairs the replicas that returned
// something else, per the read-repair mode (never at ONE).
void Replica::reconcile(ReadState* r) {
  for (const auto& [node, rec] : r->replies) r->winner = lww_merge(r->winner, rec);
  const uint64_t id = r->id;
  const ReadRepair mode = config_.modes.read_repair;
  std::vector<NodeId> stale;
  for (const auto& [node, rec] : r->replies) {
    if (record_digest(rec) != record_digest(r->winner)) stale.push_back(node);
  }
  if (mode == ReadRepair::kNone || r->required <= 1 || stale.empty() || !r->winner) {
    return finish_read(id, {Status::ok(), r->winner});
  }
  // Seeded bug async-repair-when-blocking (docs/bugzoo.md).
  const bool blocking = mode == ReadRepair::kBlocking && !bugs_.has(Bug::kAsyncRepairWhenBlocking);
  std::string list = "[";
  for (size_t i = 0; i < stale.size(); ++i) list += (i ? ",\"" : "\"") + node_name(stale[i]) + "\"";
  env_.events->emit("read_repair", {{"key", r->key},
                                    {"mode", std::string(blocking ? "blocking" : "async")},
                                    {"replicas", EventJson{list + "]"}},
                                    {"version", EventJson{version_json(r->winner->version)}}});
  const Record winner = *r->winner;
  // Blocking repair writes go out under the read's sequence, owned by the
  // repair (async: id 0, nobody waits for the replies); they are plain
  // writes, so they never create hints.
  const uint64_t repair_id = blocking ? request_id(RequestOwner::kReadRepair, request_seq(id)) : 0;
  bool local_failed = false;
  for (NodeId n : stale) {
    const NodeId owner = r->owner_of(n);
    if (n == config_.id) {
      local_failed = !apply_local(winner, owner);
      if (blocking && !local_failed) emit_repaired(*r, n);
    }
    else env_.transport->send(n, WriteRequest{repair_id, winner, owner == n ? 0 : owner});
  }
  if (!blocking) return finish_read(id, {Status::ok(), winner});
  r->repairing = true;
  for (NodeId n : stale) {
    if (n != config_.id) r->repair_pending.push_back(n);
  }
  if (local_failed) r->failures.emplace_back(config_.id, "local repair write failed");
  // The repair gets a whole request timeout of its own.
  env_.timers->cancel(r->timer);
  r->timer = env_.timers->schedule(config_.modes.request_timeout_ms, [this, id] { on_request_timeout(id); });
  // Seeded bug blocking-repair-early-reply (docs/bugzoo.md).
  if (bugs_.has(Bug::kBlockingRepairEarlyReply)) {
    r->answered = true;
    ReadCallback cb = std::move(r->cb);
    cb({Status::ok(), winner});  // may start requests: r is not touched after it
  }
  progress_read(id);
}

// Answers (if not yet) and retires the read; the callback runs last.
void Replica::finish_read(uint64_t id, ReadResult result) {
  auto it = reads_.find(id);
  FL_ASSERT(it != reads_.end());
  env_.timers->cancel(it->second.timer);
  ReadCallback cb = it->second.answered ? nullptr : std::move(it->second.cb);
  reads_.erase(it);
  if (cb) cb(result);
}

template <typename State>
bool Replica::expire(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what) {
  auto it = requests->find(id);
  if (it == requests->end()) return false;
  State st = std::move(it->second);
  requests->erase(it);
  if (!st.answered) {
    st.cb({Status::timeout(std::string(what) + " timed out after " + std::to_string(config_.modes.request_timeout_ms) +
                           " ms: " + st.describe()),
           {}});
  }
  return true;
}

// The write timed out: every contacted replica that has not acknowledged
// gets a hint (for a fallback, its owner does). With ANY a stored hint meets
// the CL, so the write can still succeed here.
void Replica::hint_unacknowledged(WriteState* w) {
  if (!config_.modes.hinted_handoff) return;
  for (NodeId n : w->replicas) {
    if (n == config_.id || contains(w->responded, n)) continue;
    const NodeId target = w->owner_of(n);
    if (target != config_.id) w->hinted += hints_.store_hint(target, w->record, down_for_ms(target));
  }
  if (!w->answered && w->acks() >= w->required) {
    w->answered = true;
    WriteCallback cb = std::move(w->cb);
    cb({Status::ok(), w->record.version});
  }
}

void Replica::on_request_timeout(uint64_t id) {
  if (auto it = writes_.find(id); it != writes_.end()) hint_unacknowledged(&it->second);
  if (!expire(&writes_, id, "write")) expire(&reads_, id, "read");
}

Status dump_replica(Replica& replica, Store& store, NodeDump* out) {
  out->node = node_name(replica.id());
  out->records.clear();
  Status s = store.for_each([&](const Record& r) { out->records.push_back(r); });
  if (!s) return s;
  out->hints = replica.hints().pending_hints();
  if (replica.anti_entropy().enabled()) out->merkle_roots = replica.anti_entropy().roots();
  return Status::ok();
}

}  // namespace faultline
