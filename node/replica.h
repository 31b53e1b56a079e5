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
// Every write request object keeps all the replies it received and stays
// alive until every contacted replica answered or the request timed out, even
// after the client got its answer (late non-answers become hints).
//
// Replication mechanisms (docs/mechanisms.md; switches in config.modes):
// - reads contact exactly the replicas the CL needs (this node first when it
//   is one, then up replicas in preference order); with digest_reads one gets
//   a data read and the others digest reads; a digest mismatch re-reads all
//   contacted replicas in full (digest_mismatch);
// - read repair (never at ONE): the LWW winner is written to the contacted
//   replicas that returned something else (read_repair); blocking answers
//   only once they acknowledged, and fails with Timeout if one does not;
//   async answers first; none only reconciles the reply;
// - hinted handoff: a replica known down, or that did not acknowledge a write
//   within the request timeout, gets a hint (node/hints.h); hints count toward
//   the CL only for ANY; repair writes never create hints;
// - sloppy quorum: a down primary is replaced by the next healthy node of the
//   extended preference list, which keeps the record for its owner (handoff);
//   R and W count such fallbacks unless the request is primary_only.
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
#include "core/node_dump.h"
#include "core/ring.h"
#include "node/env.h"
#include "node/anti_entropy.h"
#include "node/hints.h"
#include "node/merkle_tree.h"
#include "node/request_id.h"

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
  // caller logs it and closes the connection). Every record a message
  // carries is checked first (check_record): a refused one is reported
  // (record_refused) and never stored or observed; a write carrying it is
  // answered ok=false.
  Status on_message(const Envelope& env);

  // value empty: write a tombstone. With hinted handoff off, ANY is served
  // as ONE. primary_only (Riak's PW/PR): sloppy-quorum fallbacks do not count
  // toward the CL.
  void coordinate_write(std::string key, std::optional<std::string> value,
                        ConsistencyLevel cl, WriteCallback cb, bool primary_only = false);
  void coordinate_read(std::string key, ConsistencyLevel cl, ReadCallback cb, bool primary_only = false);

  NodeId id() const { return config_.id; }
  const NodeConfig& config() const { return config_; }
  const Ring& ring() const { return ring_; }
  bool is_up(NodeId node) const;
  // Every peer with whether the failure detector sees it up, by id.
  std::vector<std::pair<NodeId, bool>> peer_states() const;
  const Hints& hints() const { return hints_; }
  // Client reads and writes this node coordinates that have not answered
  // yet. A write that times out may still store a hint, so quiesce waits for
  // 0 before it trusts hints_pending.
  size_t requests_in_flight() const { return writes_.size() + reads_.size(); }
  // Merkle-tree anti-entropy and tombstone purging (node/anti_entropy.h).
  AntiEntropy& anti_entropy() { return *anti_entropy_; }
  const AntiEntropy& anti_entropy() const { return *anti_entropy_; }

 private:
  struct PeerState {
    bool up = false;
    int64_t last_pong_ns = 0;
    int64_t down_since_ns = 0;  // when last seen going down (or the start)
  };

  // Whom a request contacts: primaries that are up, and with a sloppy quorum
  // the fallbacks standing in for down ones (with the owner each stands for).
  struct Placement {
    std::vector<NodeId> contact;                        // primaries first
    std::vector<std::pair<NodeId, NodeId>> fallbacks;   // (fallback, owner)
    std::vector<NodeId> skipped;                        // primaries neither contacted nor replaced
  };

  // What write and read requests share: whom they contacted, who answered.
  struct Contact {
    uint64_t id = 0;
    ConsistencyLevel cl = ConsistencyLevel::kOne;
    int required = 0;
    std::vector<NodeId> replicas;                          // contacted, primary first
    std::vector<NodeId> responded;                         // in arrival order
    std::vector<std::pair<NodeId, std::string>> failures;  // responded with an error
    std::vector<std::pair<NodeId, NodeId>> fallbacks;      // (fallback, owner) of the placement; a read
                                                           // contacts only those its CL needs
    bool primary_only = false;                             // fallbacks do not count
    int hinted = 0;                                        // hints stored; count only for ANY
    bool hints_count = false;                              // seeded bug hint-counts-toward-quorum
    TimerId timer = 0;
    bool answered = false;

    // True for the first answer of a contacted replica.
    bool accept(NodeId from);
    NodeId owner_of(NodeId n) const;  // n itself unless n is a fallback
    int replica_acks() const;  // from contacted replicas that count, hints aside
    int acks() const;
    // Aborts if the bookkeeping is inconsistent: an answer from a replica
    // never contacted, more acks than answers, a failure that was no answer.
    // (Not every fallback of the placement is contacted: reads take only
    // the replicas their CL needs.)
    void assert_invariants() const;
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
    std::vector<std::pair<NodeId, std::optional<Record>>> replies;  // full replies
    std::vector<std::pair<NodeId, uint64_t>> digests;               // digest replies
    bool digest_phase = false;
    bool repairing = false;              // blocking repair writes sent, waiting for acks
    std::vector<NodeId> repair_pending;  // stale replicas not yet acknowledged
    std::optional<Record> winner;
    ReadCallback cb;

    void assert_invariants() const;  // Contact's, and replies and repairs within it
  };

  // Records from peers: within the key and value limits, stamped by a
  // member, no further than limits.clock_offset_max_ms ahead of this clock.
  Status check_record(const Record& r) const;
  bool is_member(NodeId n) const;
  void refused(NodeId from, const Record& r, const Status& why);
  template <typename M>
  bool drop_refused_records(NodeId from, M* m);

  // Replica role.
  void handle_write_request(NodeId from, const WriteRequest& m);
  void handle_read_request(NodeId from, const ReadRequest& m);
  void handle_pong(NodeId from);

  // Stores r here, or (owner set, not this node) as a handoff record for owner.
  Status apply_local(const Record& r, NodeId owner);
  std::optional<Record> local_read(const std::string& key, Status* s);

  // Coordinator role.
  Placement place(const std::string& key, bool for_write) const;
  Status check_available(ConsistencyLevel cl, const Placement& p, bool primary_only) const;
  template <typename State>
  State& begin(std::unordered_map<uint64_t, State>* requests, RequestOwner owner, ConsistencyLevel cl, Placement p,
               bool primary_only);
  int64_t down_for_ms(NodeId n) const;
  void hint_unacknowledged(WriteState* w);
  void route_write_reply(NodeId from, const WriteReply& m);
  void route_read_reply(NodeId from, const ReadReply& m);
  void on_write_response(uint64_t id, NodeId from, Status s);
  void on_repair_ack(uint64_t repair_id, NodeId from, Status s);
  void emit_repaired(const ReadState& r, NodeId replica);
  void on_read_response(uint64_t id, NodeId from, Status s, std::optional<Record> r, std::optional<uint64_t> digest);
  void progress_write(uint64_t id);
  void progress_read(uint64_t id);
  void send_reads(ReadState* r);
  bool digests_match(ReadState* r);
  // record_digest, or with the seeded bug digest-ignores-version the digest
  // of the value alone.
  uint64_t read_digest(const std::optional<Record>& r) const;
  void reconcile(ReadState* r);
  void finish_read(uint64_t id, ReadResult result);
  template <typename State, typename MakeOk>
  void progress(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what, MakeOk make_ok);
  void on_request_timeout(uint64_t id);
  // Answers Timeout if still unanswered and forgets the request; false if
  // `id` is not in `requests`.
  template <typename State>
  bool expire(std::unordered_map<uint64_t, State>* requests, uint64_t id, const char* what);

  void heartbeat();
  void observe(const std::optional<Record>& r);

  // Constant after construction. The given store is wrapped in tree_store_,
  // which keeps the Merkle trees in step with every write and purge; env_
  // points at the wrapper (so tree_store_ is declared, and built, first).
  const std::unique_ptr<TreeStore> tree_store_;
  const NodeConfig config_;
  const BugSet bugs_;  // seeded bugs (core/bugs.h); empty in every real deployment
  const Env env_;
  const Ring ring_;
  const std::unique_ptr<AntiEntropy> anti_entropy_;

  // Only touched on the event loop.
  HybridLogicalClock hlc_;
  std::unordered_map<NodeId, PeerState> peers_;
  std::unordered_map<uint64_t, WriteState> writes_;
  std::unordered_map<uint64_t, ReadState> reads_;
  Hints hints_;
  uint64_t next_request_seq_ = 1;  // of client writes and reads (node/request_id.h)
  uint64_t ping_seq_ = 0;
  TimerId heartbeat_timer_ = 0;
  bool running_ = false;
};

// The node's whole state as FL.DUMP returns it (core/node_dump.h): every
// record of `store`, the pending hints, and the Merkle roots when
// anti-entropy is on. The node's FL.DUMP and the simulator's final dumps.
Status dump_replica(Replica& replica, Store& store, NodeDump* out);

}  // namespace faultline
