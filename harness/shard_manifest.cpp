#include "harness/shard_manifest.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>

#include "core/assert.h"
#include "core/file_io.h"
#include "core/json_reader.h"

namespace faultline {

namespace {

std::string file_in(const std::string& dir) { return dir + "/" + std::string(kShardManifestFile); }

// An object of strings: params or facts.
Status read_fields(ObjectReader* r, const char* name, ShardManifest::Fields* out) {
  const ordered_json* p = r->child(name);
  if (p == nullptr) return Status::ok();  // require() reported it
  if (!p->is_object()) return Status::invalid(std::string(name) + ": must be an object");
  for (const auto& [k, v] : p->items()) {
    if (!v.is_string()) return Status::invalid(std::string(name) + "." + k + ": must be a string");
    out->emplace_back(k, v.get<std::string>());
  }
  return Status::ok();
}

Status read_shard(ObjectReader* r, Shard* out) {
  const ordered_json* j = r->child("shard");
  if (j == nullptr) return Status::ok();
  ObjectReader s(*j, "shard");
  s.require({"index", "count"});
  Shard shard{0, 0};
  s.get("index", &shard.index);
  s.get("count", &shard.count);
  if (Status st = s.finish(); !st) return st;
  Shard valid;
  if (Status st = parse_shard(to_string(shard), &valid); !st) return Status::invalid("shard: " + st.message());
  *out = valid;
  return Status::ok();
}

Status read_item(const ordered_json& j, const std::string& at, ShardItem* item) {
  ObjectReader r(j, at);
  r.require({"index", "name", "record"});
  r.get("index", &item->index);
  r.get("name", &item->name);
  const ordered_json* record = r.child("record");
  if (record != nullptr && !record->is_object()) r.fail("record", "must be an object");
  if (Status s = r.finish(); !s) return s;
  item->record = record->dump();
  return Status::ok();
}

Status read_items(ObjectReader* r, ShardManifest* m) {
  const ordered_json* a = r->child("items");
  if (a == nullptr) return Status::ok();
  if (!a->is_array()) return Status::invalid("items: must be an array");
  for (size_t i = 0; i < a->size(); ++i) {
    m->items.emplace_back();
    if (Status s = read_item((*a)[i], "items[" + std::to_string(i) + "]", &m->items.back()); !s) return s;
  }
  return Status::ok();
}

// What one shard must satisfy alone: exactly the items it owns.
Status check_own_items(const ShardManifest& m) {
  if (m.items_total > kShardItemsMax) {
    return Status::invalid("items_total: " + std::to_string(m.items_total) + " is above the limit " +
                           std::to_string(kShardItemsMax));
  }
  const size_t owned = shard_owned_count(m.shard, m.items_total);
  for (size_t i = 0; i < m.items.size(); ++i) {
    const size_t index = m.items[i].index;
    const std::string at = "items[" + std::to_string(i) + "].index: ";
    if (index >= m.items_total) {
      return Status::invalid(at + std::to_string(index) + " is not below items_total " + std::to_string(m.items_total));
    }
    if (!shard_owns(m.shard, index)) {
      return Status::invalid(at + "item " + std::to_string(index) + " belongs to shard " +
                             std::to_string(index % static_cast<size_t>(m.shard.count) + 1) + ", not " +
                             to_string(m.shard));
    }
    if (i > 0 && index <= m.items[i - 1].index) return Status::invalid(at + "not in ascending order");
  }
  if (m.items.size() != owned) {
    return Status::invalid("items: shard " + to_string(m.shard) + " of " + std::to_string(m.items_total) +
                           " items owns " + std::to_string(owned) + ", the file has " +
                           std::to_string(m.items.size()));
  }
  return Status::ok();
}

Status parse_manifest(const ordered_json& j, ShardManifest* m) {
  ObjectReader r(j, "");
  r.require({"format", "command", "params", "facts", "shard", "items_total", "items"});
  int64_t format = 0;
  r.get("format", &format);
  if (format != kShardManifestFormat) r.fail("format", "unsupported format " + std::to_string(format));
  r.get("command", &m->command);
  r.get("items_total", &m->items_total);
  if (Status s = read_fields(&r, "params", &m->params); !s) return s;
  if (Status s = read_fields(&r, "facts", &m->facts); !s) return s;
  if (Status s = read_shard(&r, &m->shard); !s) return s;
  if (Status s = read_items(&r, m); !s) return s;
  if (Status s = r.finish(); !s) return s;
  return check_own_items(*m);
}

std::string describe_params(const ShardManifest& m) {
  std::string text;
  for (const auto& [k, v] : m.params) text += (text.empty() ? "" : ", ") + k + " " + v;
  return text.empty() ? "(none)" : text;
}

// The fields every shard of one fan-out shares.
Status check_same_fanout(const ShardManifest& first, const std::string& first_source, const ShardManifest& m,
                         const std::string& source) {
  auto differ = [&](const std::string& what, const std::string& a, const std::string& b) {
    return Status::invalid("shards of different runs: " + first_source + " has " + what + " " + a + ", " + source +
                           " has " + what + " " + b);
  };
  if (m.command != first.command) return differ("command", first.command, m.command);
  if (m.params != first.params) return differ("params", describe_params(first), describe_params(m));
  if (m.shard.count != first.shard.count) {
    return differ("shard count N", std::to_string(first.shard.count), std::to_string(m.shard.count));
  }
  if (m.items_total != first.items_total) {
    return differ("items_total", std::to_string(first.items_total), std::to_string(m.items_total));
  }
  return Status::ok();
}

}  // namespace

std::string shard_manifest_json(const ShardManifest& m) {
  ordered_json j;
  j["format"] = kShardManifestFormat;
  j["command"] = m.command;
  j["params"] = ordered_json::object();
  for (const auto& [k, v] : m.params) j["params"][k] = v;
  j["facts"] = ordered_json::object();
  for (const auto& [k, v] : m.facts) j["facts"][k] = v;
  j["shard"] = {{"index", m.shard.index}, {"count", m.shard.count}};
  j["items_total"] = m.items_total;
  j["items"] = ordered_json::array();
  for (const ShardItem& item : m.items) {
    ordered_json record = ordered_json::parse(item.record, nullptr, false);
    FL_ASSERT_MSG(record.is_object(), item.name.c_str());  // the command's own encoder made it
    j["items"].push_back({{"index", item.index}, {"name", item.name}, {"record", std::move(record)}});
  }
  return j.dump(2) + "\n";
}

Status write_shard_manifest(const std::string& dir, const ShardManifest& m) {
  return write_file_atomic(file_in(dir), shard_manifest_json(m), /*create_parent=*/true);
}

Status shard_manifest_from_text(std::string_view text, const std::string& source, ShardManifest* out) {
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not JSON");
  ShardManifest m;
  if (Status s = parse_manifest(j, &m); !s) return Status::invalid(source + ": " + s.message());
  *out = std::move(m);
  return Status::ok();
}

Status read_shard_manifest(const std::string& dir, ShardManifest* out) {
  std::string text;
  const std::string path = file_in(dir);
  if (Status s = read_file(path, &text); !s) {
    if (s.code() == Status::Code::kNotFound) {
      return Status::not_found(path + ": missing (not the output of a command run with --shard K/N)");
    }
    return s;
  }
  if (Status s = shard_manifest_from_text(text, path, out); !s) return s;
  for (ShardItem& item : out->items) item.dir = dir;
  return Status::ok();
}

const std::string* find_field(const ShardManifest::Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

Status field_number(const ShardManifest::Fields& fields, const char* name, const std::string& source, double* out) {
  const std::string* text = find_field(fields, name);
  char* end = nullptr;
  if (text != nullptr && !text->empty()) *out = std::strtod(text->c_str(), &end);
  if (text == nullptr || text->empty() || *end != '\0' || *out < 0) {
    return Status::invalid(source + ": " + name + ": missing or not a number");
  }
  return Status::ok();
}

Status field_count(const ShardManifest::Fields& fields, const char* name, const std::string& source, uint64_t max,
                   uint64_t* out) {
  const std::string* text = find_field(fields, name);
  uint64_t v = 0;
  const char* end = text == nullptr ? nullptr : text->data() + text->size();
  if (text == nullptr || text->empty() || std::from_chars(text->data(), end, v).ptr != end || v > max) {
    return Status::invalid(source + ": " + name + ": missing or not a whole number in 0.." + std::to_string(max));
  }
  *out = v;
  return Status::ok();
}

Status merge_shard_records(const std::vector<ShardManifest>& shards, const std::vector<std::string>& sources,
                           ShardManifest* merged) {
  FL_ASSERT(shards.size() == sources.size());
  if (shards.empty()) return Status::invalid("no shards to merge");
  std::map<int, size_t> by_index;  // K -> position in shards
  for (size_t i = 0; i < shards.size(); ++i) {
    if (Status s = check_same_fanout(shards[0], sources[0], shards[i], sources[i]); !s) return s;
    auto [at, fresh] = by_index.emplace(shards[i].shard.index, i);
    if (!fresh) {
      return Status::invalid("shard " + to_string(shards[i].shard) + " given twice: " + sources[at->second] +
                             " and " + sources[i]);
    }
  }
  std::string missing;
  for (int k = 1; k <= shards[0].shard.count; ++k) {
    if (!by_index.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  }
  if (!missing.empty()) {
    return Status::invalid("missing shard(s) " + missing + " of " + std::to_string(shards[0].shard.count));
  }
  ShardManifest m;
  m.command = shards[0].command;
  m.params = shards[0].params;
  m.shard = Shard{1, 1};
  m.items_total = shards[0].items_total;
  for (const ShardManifest& s : shards) m.items.insert(m.items.end(), s.items.begin(), s.items.end());
  std::sort(m.items.begin(), m.items.end(), [](const ShardItem& a, const ShardItem& b) { return a.index < b.index; });
  // Each shard held exactly its own items, so together they are 0..total-1.
  for (size_t i = 0; i < m.items.size(); ++i) FL_ASSERT(m.items[i].index == i);
  FL_ASSERT(m.items.size() == m.items_total);
  *merged = std::move(m);
  return Status::ok();
}

}  // namespace faultline
