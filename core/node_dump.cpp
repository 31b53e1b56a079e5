#include "core/node_dump.h"

#include <filesystem>

#include "core/file_io.h"
#include "core/json_reader.h"
#include "core/merkle_hash.h"

namespace faultline {

namespace {

using nlohmann::json;

// Both arrays are written with the key order of their documentation (as
// FL.MERKLE and FL.HINTS answer); inside a dump nlohmann::json sorts them.
template <typename Json>
Json roots_array(const std::vector<RangeRoot>& roots) {
  Json a = Json::array();
  for (const RangeRoot& r : roots) {
    a.push_back({{"range_index", r.range_index}, {"left", r.left}, {"right", r.right}, {"root", merkle_hex(r.root)}});
    if (r.depth != 0) a.back()["depth"] = r.depth;  // 0: unknown, written as older files have it
  }
  return a;
}

template <typename Json>
Json hints_array(const std::vector<PendingHint>& hints) {
  Json a = Json::array();
  for (const PendingHint& h : hints) {
    a.push_back({{"hint_id", h.hint_id},
                 {"target", h.target},
                 {"key", h.key},
                 {"version", {h.version.timestamp_us, h.version.coordinator_id}},
                 {"tombstone", h.tombstone}});
  }
  return a;
}

Status read_record(const ordered_json& e, const std::string& at, Record* r) {
  if (!e.is_object()) return Status::invalid(at + "not an object");
  if (!e.contains("key") || !e["key"].is_string()) return Status::invalid(at + "lacks a string 'key'");
  r->key = e["key"].get<std::string>();
  if (!e.contains("tombstone") || !e["tombstone"].is_boolean()) return Status::invalid(at + "lacks a boolean 'tombstone'");
  r->tombstone = e["tombstone"].get<bool>();
  const ordered_json* v = e.contains("value") ? &e["value"] : nullptr;
  if (r->tombstone) {
    if (v && !v->is_null()) return Status::invalid(at + "a tombstone carries a value");
  } else {
    if (!v || !v->is_string()) return Status::invalid(at + "lacks a string 'value'");
    r->value = v->get<std::string>();
  }
  if (!e.contains("version")) return Status::invalid(at + "'version' must be [timestamp_us, coordinator_id]");
  if (Status s = version_from_json(e["version"], &r->version); !s) return Status::invalid(at + s.message());
  for (const auto& [name, value] : e.items()) {
    if (name != "key" && name != "value" && name != "version" && name != "tombstone") {
      return Status::invalid(at + name + ": unknown field");
    }
  }
  return Status::ok();
}

Status read_root(const ordered_json& e, const std::string& at, RangeRoot* out) {
  ObjectReader r(e, at);
  r.require({"range_index", "left", "right", "root"});
  r.get("range_index", &out->range_index);
  r.get("left", &out->left);
  r.get("right", &out->right);
  std::string hex;
  r.get("root", &hex);
  out->depth = -1;
  r.get("depth", &out->depth);
  if (Status s = r.finish(); !s) return s;
  if (out->depth == -1) out->depth = 0;  // absent, as in files before per-range depths
  else if (out->depth < kMerkleDepthMin || out->depth > kMerkleDepthMax) {
    return Status::invalid(at + ".depth: " + std::to_string(out->depth) + " is not a tree depth (" +
                           std::to_string(kMerkleDepthMin) + ".." + std::to_string(kMerkleDepthMax) + ")");
  }
  return parse_merkle_hex(hex, at + ".root", &out->root);
}

Status read_hint(const ordered_json& e, const std::string& at, PendingHint* out) {
  ObjectReader r(e, at);
  r.require({"hint_id", "target", "key", "version", "tombstone"});
  r.get("hint_id", &out->hint_id);
  r.get("target", &out->target);
  r.get("key", &out->key);
  r.get("tombstone", &out->tombstone);
  const ordered_json* version = r.child("version");
  if (Status s = r.finish(); !s) return s;
  if (Status s = version_from_json(*version, &out->version); !s) return Status::invalid(at + ".version: " + s.message());
  return Status::ok();
}

// Each element of array `name` read by `read` ("name[i]" in its errors).
template <typename T, typename Read>
Status read_array(const ordered_json& a, const std::string& name, std::vector<T>* out, Read read) {
  if (!a.is_array()) return Status::invalid(name + ": must be an array");
  out->resize(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (Status s = read(a[i], name + "[" + std::to_string(i) + "]", &(*out)[i]); !s) return s;
  }
  return Status::ok();
}

}  // namespace

std::string range_roots_to_json(const std::vector<RangeRoot>& roots) { return roots_array<ordered_json>(roots).dump(); }

std::string pending_hints_to_json(const std::vector<PendingHint>& hints) {
  return hints_array<ordered_json>(hints).dump(-1, ' ', false, json::error_handler_t::replace);
}

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
  j["merkle_roots"] = d.merkle_roots ? roots_array<json>(*d.merkle_roots) : json(nullptr);
  j["hints"] = hints_array<json>(d.hints);
  // Values are bytes, and any client may store ones that are not UTF-8: they
  // are replaced by U+FFFD rather than thrown on (which would kill the node).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status node_dump_from_json(std::string_view text, NodeDump* out) {
  ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::invalid("dump is not a JSON object");
  NodeDump d;
  if (!j.contains("node") || !j["node"].is_string()) return Status::invalid("dump lacks a string 'node'");
  d.node = j["node"].get<std::string>();
  if (!j.contains("records") || !j["records"].is_array()) return Status::invalid("dump lacks an array 'records'");
  const ordered_json& recs = j["records"];
  d.records.resize(recs.size());
  for (size_t i = 0; i < recs.size(); ++i) {
    if (Status s = read_record(recs[i], "records[" + std::to_string(i) + "]: ", &d.records[i]); !s) return s;
  }
  ObjectReader top(j, "");
  top.require({"merkle_roots", "hints"});
  top.child("node");
  top.child("records");
  const ordered_json* roots = top.child("merkle_roots");
  const ordered_json* hints = top.child("hints");
  if (Status s = top.finish(); !s) return s;
  if (!roots->is_null()) {
    d.merkle_roots.emplace();
    if (Status s = read_array(*roots, "merkle_roots", &*d.merkle_roots, read_root); !s) return s;
  }
  if (Status s = read_array(*hints, "hints", &d.hints, read_hint); !s) return s;
  *out = std::move(d);
  return Status::ok();
}

Status read_node_dump_file(const std::string& path, NodeDump* out) {
  std::string text;
  if (Status s = read_file(path, &text); !s) return s;
  return node_dump_from_file_text(path, text, out);
}

Status node_dump_from_file_text(const std::string& path, std::string_view text, NodeDump* out) {
  NodeDump d;
  Status s = node_dump_from_json(text, &d);
  if (!s) return Status::invalid(path + ": " + s.message());
  // final/<node>.json names its node twice; a dump filed under another
  // node's name would have the checker judge one node's state as another's
  // (final/n2.json and final/n3.json swapped were once accepted).
  const std::string stem = std::filesystem::path(path).stem().string();
  if (d.node != stem) return Status::invalid(path + ": 'node' is '" + d.node + "' but the file is named after " + stem);
  *out = std::move(d);
  return Status::ok();
}

}  // namespace faultline
