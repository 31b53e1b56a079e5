#include "core/node_dump.h"

#include <fstream>
#include <sstream>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/json_numbers.h"

namespace faultline {

using nlohmann::json;

std::string node_dump_to_json(const NodeDump& d) {
  json j;
  j["node"] = d.node;
  j["records"] = json::array();
  for (const auto& r : d.records) {
    j["records"].push_back({{"key", r.key},
                            {"value", r.tombstone ? json(nullptr) : json(r.value)},
                            {"version", {r.version.timestamp_us, r.version.coordinator_id}},
                            {"tombstone", r.tombstone}});
  }
  j["merkle_roots"] = json::parse(d.merkle_roots_json);
  j["hints"] = json::parse(d.hints_json);
  // Values are bytes, and any client may store ones that are not UTF-8: they
  // are replaced by U+FFFD rather than thrown on (which would kill the node).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status node_dump_from_json(std::string_view text, NodeDump* out) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::invalid("dump is not a JSON object");
  NodeDump d;
  if (!j.contains("node") || !j["node"].is_string()) return Status::invalid("dump lacks a string 'node'");
  d.node = j["node"].get<std::string>();
  if (!j.contains("records") || !j["records"].is_array()) return Status::invalid("dump lacks an array 'records'");
  const json& recs = j["records"];
  d.records.reserve(recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    const json& e = recs[i];
    std::string at = "records[" + std::to_string(i) + "]: ";
    if (!e.is_object()) return Status::invalid(at + "not an object");
    Record r;
    if (!e.contains("key") || !e["key"].is_string()) return Status::invalid(at + "lacks a string 'key'");
    r.key = e["key"].get<std::string>();
    if (!e.contains("tombstone") || !e["tombstone"].is_boolean()) return Status::invalid(at + "lacks a boolean 'tombstone'");
    r.tombstone = e["tombstone"].get<bool>();
    const json* v = e.contains("value") ? &e["value"] : nullptr;
    if (r.tombstone) {
      if (v && !v->is_null()) return Status::invalid(at + "a tombstone carries a value");
    } else {
      if (!v || !v->is_string()) return Status::invalid(at + "lacks a string 'value'");
      r.value = v->get<std::string>();
    }
    if (!e.contains("version")) return Status::invalid(at + "'version' must be [timestamp_us, coordinator_id]");
    if (Status s = version_from_json(e["version"], &r.version); !s) return Status::invalid(at + s.message());
    d.records.push_back(std::move(r));
  }
  if (j.contains("merkle_roots")) d.merkle_roots_json = j["merkle_roots"].dump();
  if (j.contains("hints")) d.hints_json = j["hints"].dump();
  *out = std::move(d);
  return Status::ok();
}

Status read_node_dump_file(const std::string& path, NodeDump* out) {
  std::ifstream in(path);
  if (!in) return Status::not_found("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  NodeDump d;
  Status s = node_dump_from_json(ss.str(), &d);
  if (!s) return Status::invalid(path + ": " + s.message());
  // final/<node>.json names its node twice; a dump filed under another
  // node's name would have the checker judge one node's state as another's
  // (issue 13: final/n2.json and final/n3.json swapped were accepted).
  const std::string stem = std::filesystem::path(path).stem().string();
  if (d.node != stem) return Status::invalid(path + ": 'node' is '" + d.node + "' but the file is named after " + stem);
  *out = std::move(d);
  return Status::ok();
}

}  // namespace faultline
