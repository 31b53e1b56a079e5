#include "core/node_status.h"

#include "core/assert.h"
#include "core/json_reader.h"

namespace faultline {

bool NodeStatus::all_peers_up() const {
  for (const auto& [peer, up] : peers_up) {
    if (!up) return false;
  }
  return true;
}

namespace {

// Writer and reader agree: what node_status_to_json writes reads back equal.
[[maybe_unused]] bool reads_back_as(std::string_view text, const NodeStatus& s) {
  NodeStatus back;
  return node_status_from_json(text, &back).is_ok() && back == s;
}

}  // namespace

std::string node_status_to_json(const NodeStatus& s) {
  ordered_json peers = ordered_json::object();
  for (const auto& [peer, up] : s.peers_up) peers[peer] = up ? "up" : "down";
  ordered_json j = {{"node", s.node},
                    {"id", s.id},
                    {"client_port", s.client_port},
                    {"peer_port", s.peer_port},
                    {"peers", peers},
                    {"records", s.records},
                    {"rf", s.rf},
                    {"vnodes", s.vnodes},
                    {"hints_pending", s.hints_pending},
                    {"handoffs_pending", s.handoffs_pending},
                    {"requests_in_flight", s.requests_in_flight},
                    {"ae_enabled", s.ae_enabled},
                    {"ae_rounds_completed", s.ae_rounds_completed}};
  std::string text = j.dump();
  FL_DEBUG_ASSERT(reads_back_as(text, s));
  return text;
}

namespace {

Status read_peers(const ordered_json& peers, std::map<std::string, bool>* out) {
  if (!peers.is_object()) return Status::invalid("peers: must be an object");
  for (const auto& [name, state] : peers.items()) {
    if (state != "up" && state != "down") return Status::invalid("peers." + name + ": must be \"up\" or \"down\"");
    (*out)[name] = state == "up";
  }
  return Status::ok();
}

}  // namespace

Status node_status_from_json(std::string_view text, NodeStatus* out) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::invalid("FL.STATUS: not a JSON object");
  NodeStatus s;
  ObjectReader r(j, "");
  r.require({"node", "id", "client_port", "peer_port", "peers", "records", "rf", "vnodes", "hints_pending",
             "handoffs_pending", "requests_in_flight", "ae_enabled", "ae_rounds_completed"});
  r.get("node", &s.node);
  for (auto [name, field] : {std::pair{"id", &s.id}, {"client_port", &s.client_port}, {"peer_port", &s.peer_port},
                             {"records", &s.records}, {"rf", &s.rf}, {"vnodes", &s.vnodes},
                             {"hints_pending", &s.hints_pending}, {"handoffs_pending", &s.handoffs_pending},
                             {"requests_in_flight", &s.requests_in_flight},
                             {"ae_rounds_completed", &s.ae_rounds_completed}}) {
    r.get(name, field);
    if (*field < 0) r.fail(name, "must be >= 0");
  }
  r.get("ae_enabled", &s.ae_enabled);
  Status peers = r.child("peers") ? read_peers(j["peers"], &s.peers_up) : Status::ok();
  Status fields = r.finish();
  if (!fields) return Status::invalid("FL.STATUS: " + fields.message());
  if (!peers) return Status::invalid("FL.STATUS: " + peers.message());
  *out = std::move(s);
  return Status::ok();
}

}  // namespace faultline
