// FL.STATUS: what a node reports about itself, as a bulk JSON object. The
// harness waits on it (cluster readiness: every peer up; quiesce: nothing
// in flight, no hint pending, anti-entropy rounds done), so the reader is
// strict: a missing or renamed field is an error naming it, never a 0 that
// lets quiesce pass silently.
//
//   {"node": "n1", "id": 1, "client_port": P, "peer_port": P,
//    "peers": {"n2": "up" | "down", ...}, "records": N, "rf": N, "vnodes": N,
//    "hints_pending": N, "handoffs_pending": N, "requests_in_flight": N,
//    "ae_enabled": bool, "ae_rounds_completed": N}
//
// node_status_to_json writes exactly that; the node's FL.STATUS handler
// (node/commands.cpp) fills a NodeStatus and answers with it, so writer and
// reader share one definition of the fields.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace faultline {

struct NodeStatus {
  std::string node;
  int64_t id = 0;
  int64_t client_port = 0;
  int64_t peer_port = 0;
  std::map<std::string, bool> peers_up;  // peer name -> "up"
  int64_t records = 0;
  int64_t rf = 0;
  int64_t vnodes = 0;
  int64_t hints_pending = 0;
  int64_t handoffs_pending = 0;
  int64_t requests_in_flight = 0;
  bool ae_enabled = false;
  int64_t ae_rounds_completed = 0;

  bool all_peers_up() const;
  bool operator==(const NodeStatus&) const = default;
};

std::string node_status_to_json(const NodeStatus& s);
// Every field above, each with its type and a non-negative count; nothing
// else. Errors name the field ("hints_pending: missing").
Status node_status_from_json(std::string_view text, NodeStatus* out);

}  // namespace faultline
