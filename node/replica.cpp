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

std::string Replica::Contact::describe() const {
  std::string out = std::to_string(acks()) + " of " + std::to_string(required) + " required acks for " +
                    std::string(to_string(cl)) + " from replicas " + node_list(replicas);
  for (const auto& [node, why] : failures) out += "; " + node_name(node) + " failed: " + why;
  return out;
}

Replica::Replica(const NodeConfig& config, Env env)
    : config_(config), env_(env), ring_(config.ring_nodes(), config.vnodes, config.rf), hlc_(env.clock) {
  FL_ASSERT(env_.clock && env_.transport && env_.timers && env_.store && env_.events);
  for (const auto& p : config_.peers) peers_[p.id] = PeerState{};
}

Replica::~Replica() { stop(); }

void Replica::start() {
  FL_ASSERT(!running_);
  running_ = true;
  heartbeat();
}

void Replica::stop() {
  if (!running_) return;
  running_ = false;
  env_.timers->cancel(heartbeat_timer_);
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

Status Replica::on_message(const Envelope& env) {
  if (!peers_.count(env.from)) {
    return Status::invalid("message '" + std::string(message_type_name(env.body)) + "' from " +
                           node_name(env.from) + ", which is not a peer of " + node_name(config_.id));
  }
  const NodeId from = env.from;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, WriteRequest>) handle_write_request(from, m);
        else if constexpr (std::is_same_v<T, ReadRequest>) handle_read_request(from, m);
        else if constexpr (std::is_same_v<T, WriteReply>) {
          on_write_response(m.request_id, from, m.ok ? Status::ok() : Status::io(m.error));
        } else if constexpr (std::is_same_v<T, ReadReply>) {
          observe(m.record);
          on_read_response(m.request_id, from, Status::ok(), m.record);
        } else if constexpr (std::is_same_v<T, Ping>) env_.transport->send(from, Pong{m.seq});
        else if constexpr (std::is_same_v<T, Pong>) handle_pong(from);
      },
      env.body);
  return Status::ok();
}

void Replica::observe(const std::optional<Record>& r) {
  if (r) hlc_.observe(r->version.timestamp_us);
}

void Replica::handle_write_request(NodeId from, const WriteRequest& m) {
  observe(m.record);
  Status s = env_.store->apply(m.record);
  if (!s) env_.events->emit("store_error", {{"op", std::string("apply")}, {"key", m.record.key}, {"error", s.message()}});
  env_.transport->send(from, WriteReply{m.request_id, s.is_ok(), s.is_ok() ? "" : s.message()});
}

void Replica::handle_read_request(NodeId from, const ReadRequest& m) {
  std::optional<Record> r;
  Status s = env_.store->get(m.key, &r);
  if (!s) {
    // ReadReply cannot carry an error; staying silent makes the coordinator
    // count this replica as unreachable, which is what a corrupt copy is.
    env_.events->emit("store_error", {{"op", std::string("get")}, {"key", m.key}, {"error", s.message()}});
    return;
  }
  ReadReply reply{m.request_id, std::nullopt, m.digest_only, 0};
  if (m.digest_only) reply.digest = record_digest(r);
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
  }
}

// ---- coordinator ------------------------------------------------------------

Status Replica::check_available(ConsistencyLevel cl, const std::vector<NodeId>& replicas) const {
  const int required = required_acks(cl, config_.rf);
  if (required > static_cast<int>(replicas.size())) {
    return Status::unavailable(std::string(to_string(cl)) + " needs " + std::to_string(required) +
                               " replicas but rf is " + std::to_string(config_.rf));
  }
  const int up = static_cast<int>(std::count_if(replicas.begin(), replicas.end(), [&](NodeId n) { return is_up(n); }));
  if (up < required) {
    return Status::unavailable(std::string(to_string(cl)) + " needs " + std::to_string(required) + " of replicas " +
                               node_list(replicas) + " but only " + std::to_string(up) + " up");
  }
  if (requests_in_flight() >= kCoordinatorRequestsMax) {
    return Status::unavailable("coordinator overloaded: " + std::to_string(requests_in_flight()) + " requests in flight");
  }
  return Status::ok();
}

// A new request in `requests`, with its timeout armed.
template <typename State>
State& Replica::begin(std::unordered_map<uint64_t, State>* requests, ConsistencyLevel cl, std::vector<NodeId> replicas) {
  const uint64_t id = next_request_id_++;
  State& st = (*requests)[id];
  st.id = id;
  st.cl = cl;
  st.required = required_acks(cl, config_.rf);
  st.replicas = std::move(replicas);
  st.timer = env_.timers->schedule(config_.modes.request_timeout_ms, [this, id] { on_request_timeout(id); });
  return st;
}

void Replica::coordinate_write(std::string key, std::optional<std::string> value, ConsistencyLevel cl,
                               WriteCallback cb) {
  // ANY is served as ONE until hinted handoff exists.
  if (cl == ConsistencyLevel::kAny) cl = ConsistencyLevel::kOne;
  std::vector<NodeId> replicas = ring_.preference_list(token_of(key));
  if (Status s = check_available(cl, replicas); !s) return cb({s, {}});

  WriteState& w = begin(&writes_, cl, std::move(replicas));
  const uint64_t id = w.id;
  w.record.key = std::move(key);
  w.record.tombstone = !value.has_value();
  w.record.value = value.value_or("");
  w.record.version = Version{hlc_.now_us(), config_.id};
  if (w.record.tombstone) w.record.local_deletion_time_ms = env_.clock->realtime_us() / 1000;
  w.cb = std::move(cb);

  // Remote replicas first: the local apply may answer and retire the request.
  bool local = false;
  for (NodeId n : w.replicas) {
    if (n == config_.id) local = true;
    else env_.transport->send(n, WriteRequest{id, w.record});
  }
  if (local) on_write_response(id, config_.id, env_.store->apply(w.record));
}

void Replica::coordinate_read(std::string key, ConsistencyLevel cl, ReadCallback cb) {
  if (cl == ConsistencyLevel::kAny) {
    return cb({Status::invalid("consistency level ANY is for writes only"), std::nullopt});
  }
  std::vector<NodeId> replicas = ring_.preference_list(token_of(key));
  if (Status s = check_available(cl, replicas); !s) return cb({s, std::nullopt});

  ReadState& r = begin(&reads_, cl, std::move(replicas));
  const uint64_t id = r.id;
  r.key = std::move(key);
  r.cb = std::move(cb);

  bool local = false;
  for (NodeId n : r.replicas) {
    if (n == config_.id) local = true;
    else env_.transport->send(n, ReadRequest{id, r.key, false});
  }
  if (local) {
    std::optional<Record> rec;
    Status s = env_.store->get(r.key, &rec);
    on_read_response(id, config_.id, s, std::move(rec));
  }
}

void Replica::on_write_response(uint64_t id, NodeId from, Status s) {
  auto it = writes_.find(id);
  if (it == writes_.end() || !it->second.accept(from)) return;  // late, duplicate or stray
  if (!s) it->second.failures.emplace_back(from, s.message());
  progress_write(id);
}

void Replica::on_read_response(uint64_t id, NodeId from, Status s, std::optional<Record> r) {
  auto it = reads_.find(id);
  if (it == reads_.end() || !it->second.accept(from)) return;
  if (s) it->second.replies.emplace_back(from, std::move(r));
  else it->second.failures.emplace_back(from, s.message());
  progress_read(id);
}

// Answers the client once the outcome is decided, and retires the request
// once every replica answered. The callback runs last, after the bookkeeping,
// because it may start new requests. `make_ok` builds the answer on success.
template <typename State, typename MakeOk>
void Replica::progress(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what, MakeOk make_ok) {
  State& st = requests->at(id);
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

void Replica::progress_read(uint64_t id) {
  progress(&reads_, id, "read", [](const ReadState& r) {
    std::optional<Record> winner;
    for (const auto& [node, rec] : r.replies) winner = lww_merge(winner, rec);
    return ReadResult{Status::ok(), std::move(winner)};
  });
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

void Replica::on_request_timeout(uint64_t id) {
  if (!expire(&writes_, id, "write")) expire(&reads_, id, "read");
}

}  // namespace faultline
