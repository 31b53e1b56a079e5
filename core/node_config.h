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

  // The bugs as a set. Parse once at construction and keep it (a component
  // then tests one bit per check); requires known names.
  BugSet bug_set() const;

  // Every node id of the ring: this one and its peers, sorted.
  std::vector<NodeId> ring_nodes() const;
};

std::string node_config_to_json(const NodeConfig& c);  // pretty, ends with "\n"
Status node_config_from_json(std::string_view text, NodeConfig* out);
Status read_node_config_file(const std::string& path, NodeConfig* out);

}  // namespace faultline
