// Replica: the state machine of one faultline node, without I/O.
//
// It plays two roles (Dynamo/Cassandra style, any node coordinates any key):
// - replica: stores records it is sent (LWW merge) and answers reads;
// - coordinator: stamps a version on a client write, sends it to every node
//   of the key's preference list and answers once the consistency level is
//   met; for a read, asks every replica and answers with the LWW winner.
// It also runs a heartbeat failure detector, so that a request that cannot
// reach its consistency level fails fast with Unavailable.
//
// Outcomes of a coordinated request:
// - ok: the consistency level was met;
// - Status::unavailable: certainly not applied anywhere (nothing was sent);
// - Status::timeout: unknown (some replicas may hold the write).
//
// Every request object keeps all the replies it received and stays alive
// until every contacted replica answered or the request timed out, even after
// the client got its answer: read repair and digest reads will hook in there.
//
// Thread-safety: none. Everything (messages, timers, client requests) is
// driven from one event loop; callbacks run on it too.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/node_config.h"
#include "core/ring.h"
#include "node/env.h"

namespace faultline {

struct WriteResult {
  Status status;
  Version version;  // the stamped version, when status is ok
};

struct ReadResult {
  Status status;
  std::optional<Record> record;  // the LWW winner (maybe a tombstone); empty when no replica holds the key
};

class Replica {
 public:
  using WriteCallback = std::function<void(const WriteResult&)>;
  using ReadCallback = std::function<void(const ReadResult&)>;

  // Coordinator requests in flight (answered or not) at most; beyond it new
  // requests are refused as Unavailable rather than growing memory.
  static constexpr size_t kCoordinatorRequestsMax = 65536;

  Replica(const NodeConfig& config, Env env);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Starts the failure detector. Peers count as down until they answer a ping.
  void start();
  // Cancels every timer. Requests still in flight are dropped without an
  // answer: their clients' connections are closing anyway.
  void stop();

  // A message from a peer. Returns invalid for a sender outside the ring (the
  // caller logs it and closes the connection).
  Status on_message(const Envelope& env);

  // value empty: write a tombstone. cl ANY is served as ONE (hints come later).
  void coordinate_write(std::string key, std::optional<std::string> value,
                        ConsistencyLevel cl, WriteCallback cb);
  void coordinate_read(std::string key, ConsistencyLevel cl, ReadCallback cb);

  NodeId id() const { return config_.id; }
  const NodeConfig& config() const { return config_; }
  const Ring& ring() const { return ring_; }
  bool is_up(NodeId node) const;
  // Every peer with whether the failure detector sees it up, by id.
  std::vector<std::pair<NodeId, bool>> peer_states() const;
  size_t requests_in_flight() const { return writes_.size() + reads_.size(); }

 private:
  struct PeerState {
    bool up = false;
    int64_t last_pong_ns = 0;
  };

  // What write and read requests share: whom they contacted, who answered.
  struct Contact {
    uint64_t id = 0;
    ConsistencyLevel cl = ConsistencyLevel::kOne;
    int required = 0;
    std::vector<NodeId> replicas;                          // contacted, primary first
    std::vector<NodeId> responded;                         // in arrival order
    std::vector<std::pair<NodeId, std::string>> failures;  // responded with an error
    TimerId timer = 0;
    bool answered = false;

    // True for the first answer of a contacted replica.
    bool accept(NodeId from);
    int acks() const { return static_cast<int>(responded.size() - failures.size()); }
    int outstanding() const { return static_cast<int>(replicas.size() - responded.size()); }
    bool all_responded() const { return responded.size() == replicas.size(); }
    std::string describe() const;  // "1 of 2 required acks from [n1,n2,n3]; ..."
  };

  struct WriteState : Contact {
    Record record;
    WriteCallback cb;
  };

  struct ReadState : Contact {
    std::string key;
    std::vector<std::pair<NodeId, std::optional<Record>>> replies;
    ReadCallback cb;
  };

  // Replica role.
  void handle_write_request(NodeId from, const WriteRequest& m);
  void handle_read_request(NodeId from, const ReadRequest& m);
  void handle_pong(NodeId from);

  // Coordinator role.
  Status check_available(ConsistencyLevel cl, const std::vector<NodeId>& replicas) const;
  template <typename State>
  State& begin(std::unordered_map<uint64_t, State>* requests, ConsistencyLevel cl, std::vector<NodeId> replicas);
  void on_write_response(uint64_t id, NodeId from, Status s);
  void on_read_response(uint64_t id, NodeId from, Status s, std::optional<Record> r);
  void progress_write(uint64_t id);
  void progress_read(uint64_t id);
  template <typename State, typename MakeOk>
  void progress(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what, MakeOk make_ok);
  void on_request_timeout(uint64_t id);
  // Answers Timeout if still unanswered and forgets the request; false if
  // `id` is not in `requests`.
  template <typename State>
  bool expire(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what);

  void heartbeat();
  void observe(const std::optional<Record>& r);

  // Constant after construction.
  const NodeConfig config_;
  const Env env_;
  const Ring ring_;

  // Only touched on the event loop.
  HybridLogicalClock hlc_;
  std::unordered_map<NodeId, PeerState> peers_;
  std::unordered_map<uint64_t, WriteState> writes_;
  std::unordered_map<uint64_t, ReadState> reads_;
  uint64_t next_request_id_ = 1;
  uint64_t ping_seq_ = 0;
  TimerId heartbeat_timer_ = 0;
  bool running_ = false;
};

}  // namespace faultline
