// NodeConfig: what a faultline-node is started with (nodes/<id>/config.json).
// The harness writes it; the node reads it. Unknown fields and bad values are
// rejected with the field path, as plan.json is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bugs.h"
#include "core/plan.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

// Where this node connects to reach a peer. With link proxies (faults/) this
// is the proxy of the directed pair (this node -> peer), not the peer itself.
struct PeerAddress {
  NodeId id = 0;
  std::string host = "127.0.0.1";
  int port = 0;
};

// Bounds on what clients and peers can make a node hold (docs/protocol.md,
// "Limits"). The defaults let every accepted write travel in one peer frame
// with room to spare: a record (key + value) is at most kRecordBytesMax, half
// a frame, so a sync page (its byte budget plus one record) always fits too.
struct NodeLimits {
  int64_t key_bytes_max = 64 * 1024;
  int64_t value_bytes_max = 4 * 1024 * 1024;
  // Unparsed and partly parsed bytes one client may have buffered; also the
  // longest bulk string the node accepts (Redis: client-query-buffer-limit
  // and proto-max-bulk-len). Must hold one maximal SET.
  int64_t client_query_buffer_bytes_max = 64 * 1024 * 1024;
  // The same, summed over every client connection.
  int64_t client_query_buffers_bytes_total_max = 256 * 1024 * 1024;
  int clients_max = 1024;  // Redis: maxclients
  // A client that sends nothing for this long, with nothing in flight, is
  // disconnected (Redis: timeout). 0: never.
  int64_t client_idle_timeout_ms = 300000;
  // A record from a peer stamped further than this ahead of this node's
  // clock is refused (CockroachDB's max-offset), so no member can drag every
  // hybrid logical clock into the future.
  int64_t clock_offset_max_ms = 60000;
};

// The largest record (key plus value bytes) a config may allow: half a peer
// frame, so that a sync page of kSyncBytesPerPageMax plus one record and the
// encoding overhead stays below kMaxFrameBytes.
inline constexpr int64_t kRecordBytesMax = 8 * 1024 * 1024;

// How long an anti-entropy exchange waits for each answer before it skips
// the peer for the round (node/anti_entropy.h). A round blocks on it, so the
// checker counts it in how late anti-entropy may repair a replica
// (checker/expectations.cpp, "repair within gc_grace").
inline constexpr int64_t kAntiEntropyStepTimeoutMs = 2000;

struct NodeConfig {
  NodeId id = 0;
  std::string host = "127.0.0.1";  // listen address for both ports
  int client_port = 0;             // RESP2
  int peer_port = 0;               // length-prefixed MessagePack frames
  std::string data_dir;            // RocksDB lives here
  std::string events_path;         // events.jsonl
  std::vector<PeerAddress> peers;  // every other node of the cluster
  int rf = 3;
  int vnodes = 8;
  ModeSpec modes;
  ConsistencyLevel default_read_cl = ConsistencyLevel::kQuorum;
  ConsistencyLevel default_write_cl = ConsistencyLevel::kQuorum;
  int64_t heartbeat_interval_ms = 200;
  int64_t peer_down_after_ms = 1000;  // failure detector: no pong for this long
  std::vector<std::string> bugs;      // seeded bugs, names from core/bugs.h
  // Test hooks for the harness's faults: FL.FAULT DISK ERROR|OK makes the
  // node's record store refuse writes (node/faulty_store.h). Off (the
  // command answers -ERR) unless the harness sets it.
  bool fault_hooks = false;
  NodeLimits limits;
  // Shared by every node of the cluster, as hex (at least 32 digits); peers
  // prove they know it before any message is accepted (docs/protocol.md).
  // Written by the harness; never logged.
  std::string cluster_secret;

  // The bugs as a set. Parse once at construction and keep it (a component
  // then tests one bit per check); requires known names.
  BugSet bug_set() const;

  // Every node id of the ring: this one and its peers, sorted.
  std::vector<NodeId> ring_nodes() const;
};

// A fresh random cluster secret (64 hex digits) from the OS's entropy.
std::string generate_cluster_secret();

// What a plan fixes of every node's config: rf, vnodes, modes, the default
// consistency levels and the seeded bugs. Ids, ports, paths, peers and the
// secret are each cluster's own (harness/cluster.cpp, sim/plan_sim.cpp).
NodeConfig node_config_for_plan(const Plan& plan);

std::string node_config_to_json(const NodeConfig& c);  // pretty, ends with "\n"
Status node_config_from_json(std::string_view text, NodeConfig* out);
Status read_node_config_file(const std::string& path, NodeConfig* out);

}  // namespace faultline
