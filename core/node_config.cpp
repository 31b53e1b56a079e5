#include "core/node_config.h"

#include <algorithm>
#include <cctype>
#include <random>

#include "core/bugs.h"
#include "core/assert.h"
#include "core/file_io.h"
#include "core/json_reader.h"

namespace faultline {

BugSet NodeConfig::bug_set() const {
  BugSet set;
  Status s = BugSet::parse(bugs, &set);
  FL_ASSERT(s.is_ok());  // node_config_from_json and the node's --bug parsing reject unknown names
  return set;
}

std::vector<NodeId> NodeConfig::ring_nodes() const {
  std::vector<NodeId> ids{id};
  for (const auto& p : peers) ids.push_back(p.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string generate_cluster_secret() {
  std::random_device rd;  // getrandom(2) on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    const uint32_t w = rd();
    for (int b = 0; b < 8; ++b) out += kHex[(w >> (4 * b)) & 0xf];
  }
  return out;
}

namespace {

ordered_json limits_to_json(const NodeLimits& l) {
  ordered_json j;
  j["key_bytes_max"] = l.key_bytes_max;
  j["value_bytes_max"] = l.value_bytes_max;
  j["client_query_buffer_bytes_max"] = l.client_query_buffer_bytes_max;
  j["client_query_buffers_bytes_total_max"] = l.client_query_buffers_bytes_total_max;
  j["clients_max"] = l.clients_max;
  j["client_idle_timeout_ms"] = l.client_idle_timeout_ms;
  j["clock_offset_max_ms"] = l.clock_offset_max_ms;
  return j;
}

Status limits_from_json(const ordered_json& j, NodeLimits* l) {
  ObjectReader r(j, "limits");
  r.get("key_bytes_max", &l->key_bytes_max);
  r.get("value_bytes_max", &l->value_bytes_max);
  r.get("client_query_buffer_bytes_max", &l->client_query_buffer_bytes_max);
  r.get("client_query_buffers_bytes_total_max", &l->client_query_buffers_bytes_total_max);
  r.get("clients_max", &l->clients_max);
  r.get("client_idle_timeout_ms", &l->client_idle_timeout_ms);
  r.get("clock_offset_max_ms", &l->clock_offset_max_ms);
  if (Status s = r.finish(); !s) return s;
  if (l->key_bytes_max < 1) return Status::invalid("limits.key_bytes_max: must be >= 1");
  if (l->value_bytes_max < 0) return Status::invalid("limits.value_bytes_max: must be >= 0");
  if (l->key_bytes_max + l->value_bytes_max > kRecordBytesMax) {
    return Status::invalid("limits: key_bytes_max + value_bytes_max must be <= " + std::to_string(kRecordBytesMax) +
                           " (half a peer frame)");
  }
  // One maximal SET (two bulk strings and their headers) must fit the buffer.
  if (l->client_query_buffer_bytes_max < l->key_bytes_max + l->value_bytes_max + 1024) {
    return Status::invalid("limits.client_query_buffer_bytes_max: must be >= key_bytes_max + value_bytes_max + 1024");
  }
  if (l->client_query_buffers_bytes_total_max < l->client_query_buffer_bytes_max) {
    return Status::invalid("limits.client_query_buffers_bytes_total_max: must be >= client_query_buffer_bytes_max");
  }
  if (l->clients_max < 1) return Status::invalid("limits.clients_max: must be >= 1");
  if (l->client_idle_timeout_ms < 0) return Status::invalid("limits.client_idle_timeout_ms: must be >= 0 (0: never)");
  if (l->clock_offset_max_ms < 1) return Status::invalid("limits.clock_offset_max_ms: must be >= 1");
  return Status::ok();
}

bool is_hex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

std::string node_config_to_json(const NodeConfig& c) {
  ordered_json j;
  j["id"] = c.id;
  j["host"] = c.host;
  j["client_port"] = c.client_port;
  j["peer_port"] = c.peer_port;
  j["data_dir"] = c.data_dir;
  j["events_path"] = c.events_path;
  j["peers"] = ordered_json::array();
  for (const auto& p : c.peers) j["peers"].push_back({{"id", p.id}, {"host", p.host}, {"port", p.port}});
  j["rf"] = c.rf;
  j["vnodes"] = c.vnodes;
  j["modes"] = modes_to_json(c.modes);
  j["default_read_cl"] = to_string(c.default_read_cl);
  j["default_write_cl"] = to_string(c.default_write_cl);
  j["heartbeat_interval_ms"] = c.heartbeat_interval_ms;
  j["peer_down_after_ms"] = c.peer_down_after_ms;
  j["bugs"] = c.bugs;
  j["fault_hooks"] = c.fault_hooks;
  j["limits"] = limits_to_json(c.limits);
  j["cluster_secret"] = c.cluster_secret;
  return j.dump(2) + "\n";
}

Status node_config_from_json(std::string_view text, NodeConfig* out) {
  ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::invalid("config is not valid JSON");
  NodeConfig c;
  ObjectReader r(j, "");
  r.get("id", &c.id);
  r.get("host", &c.host);
  r.get("client_port", &c.client_port);
  r.get("peer_port", &c.peer_port);
  r.get("data_dir", &c.data_dir);
  r.get("events_path", &c.events_path);
  r.get("rf", &c.rf);
  r.get("vnodes", &c.vnodes);
  r.get_enum("default_read_cl", &c.default_read_cl, parse_consistency_level);
  r.get_enum("default_write_cl", &c.default_write_cl, parse_consistency_level);
  r.get("heartbeat_interval_ms", &c.heartbeat_interval_ms);
  r.get("peer_down_after_ms", &c.peer_down_after_ms);
  r.get("cluster_secret", &c.cluster_secret);
  r.get("fault_hooks", &c.fault_hooks);
  Status s;
  if (const auto* l = r.child("limits")) {
    if (!(s = limits_from_json(*l, &c.limits))) return s;
  }
  if (const auto* m = r.child("modes")) {
    if (!(s = modes_from_json(*m, "modes", &c.modes))) return s;
  }
  if (const auto* peers = r.child("peers")) {
    if (!peers->is_array()) return Status::invalid("peers: must be an array");
    for (size_t i = 0; i < peers->size(); ++i) {
      PeerAddress p;
      ObjectReader pr((*peers)[i], "peers[" + std::to_string(i) + "]");
      pr.get("id", &p.id);
      pr.get("host", &p.host);
      pr.get("port", &p.port);
      if (!(s = pr.finish())) return s;
      c.peers.push_back(p);
    }
  }
  if (const auto* b = r.child("bugs")) {
    if (!b->is_array()) return Status::invalid("bugs: must be an array of names");
    for (const auto& e : *b) {
      if (!e.is_string()) return Status::invalid("bugs: must be an array of names");
      c.bugs.push_back(e.get<std::string>());
    }
  }
  if (!(s = r.finish())) return s;
  BugSet bugs;
  if (!(s = BugSet::parse(c.bugs, &bugs))) return Status::invalid("bugs: " + s.message());
  if (c.id == 0) return Status::invalid("id: must be >= 1");
  if (c.host.rfind("127.", 0) != 0) return Status::invalid("host: must be a loopback address (127.0.0.0/8)");
  if (c.client_port <= 0 || c.client_port > 65535) return Status::invalid("client_port: must be in 1..65535");
  if (c.peer_port <= 0 || c.peer_port > 65535) return Status::invalid("peer_port: must be in 1..65535");
  if (c.data_dir.empty()) return Status::invalid("data_dir: must be set");
  if (c.cluster_secret.size() < 32 || c.cluster_secret.size() % 2 != 0 || !is_hex(c.cluster_secret)) {
    return Status::invalid("cluster_secret: must be an even number (>= 32) of hex digits");
  }
  for (size_t i = 0; i < c.peers.size(); ++i) {
    const PeerAddress& p = c.peers[i];
    std::string at = "peers[" + std::to_string(i) + "]";
    if (p.id == 0 || p.id == c.id) return Status::invalid(at + ".id: must be >= 1 and not this node's id");
    if (p.port <= 0 || p.port > 65535) return Status::invalid(at + ".port: must be in 1..65535");
    if (p.host.rfind("127.", 0) != 0) return Status::invalid(at + ".host: must be a loopback address");
  }
  auto ids = c.ring_nodes();
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return Status::invalid("peers: duplicate node id");
  if (c.rf < 1 || c.rf > static_cast<int>(ids.size())) return Status::invalid("rf: must be in 1..number of nodes");
  if (c.vnodes < 1 || c.vnodes > 256) return Status::invalid("vnodes: must be in 1..256");
  if (c.heartbeat_interval_ms < 1) return Status::invalid("heartbeat_interval_ms: must be >= 1");
  if (c.peer_down_after_ms < c.heartbeat_interval_ms) return Status::invalid("peer_down_after_ms: must be >= heartbeat_interval_ms");
  *out = std::move(c);
  return Status::ok();
}

Status read_node_config_file(const std::string& path, NodeConfig* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s) {
    return s.code() == Status::Code::kNotFound ? Status::not_found("cannot open config " + path) : s;
  }
  Status s = node_config_from_json(text, out);
  if (!s) return Status::invalid(path + ": " + s.message());
  return Status::ok();
}

NodeConfig node_config_for_plan(const Plan& plan) {
  NodeConfig c;
  c.rf = plan.cluster.rf;
  c.vnodes = plan.cluster.vnodes;
  c.modes = plan.modes;
  c.default_read_cl = plan.workload.read_cl;
  c.default_write_cl = plan.workload.write_cl;
  c.bugs = plan.bugs;
  return c;
}

}  // namespace faultline
