#include "core/codec.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "core/assert.h"

namespace faultline {

using nlohmann::json;

namespace {

json record_to_json(const Record& r) {
  return json{{"k", r.key},
              {"v", json::binary(std::vector<uint8_t>(r.value.begin(), r.value.end()))},
              {"ts", r.version.timestamp_us},
              {"c", r.version.coordinator_id},
              {"d", r.tombstone},
              {"dt", r.local_deletion_time_ms}};
}

// True when `v` holds a T exactly: nlohmann's get<T>() would silently convert
// a float, a negative number or an out-of-range integer (a "from" of 2^32 + 1
// would become node 1), so integers are checked against T's range here.
template <typename T>
bool holds(const json& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v.is_boolean();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string();
  } else if constexpr (std::is_unsigned_v<T>) {
    return v.is_number_unsigned() && v.get<uint64_t>() <= std::numeric_limits<T>::max();
  } else {
    static_assert(std::is_same_v<T, int64_t>);
    return v.is_number_unsigned() ? v.get<uint64_t>() <= uint64_t{INT64_MAX} : v.is_number_integer();
  }
}

// Field access that reports, rather than throws, on a missing or mistyped field.
template <typename T>
Status get_field(const json& j, const char* name, T* out) {
  auto it = j.find(name);
  if (it == j.end()) return Status::invalid(std::string("missing field '") + name + "'");
  if (!holds<T>(*it)) return Status::invalid(std::string("field '") + name + "' has the wrong type");
  *out = it->template get<T>();
  return Status::ok();
}

Status record_from_json(const json& j, Record* r) {
  if (!j.is_object()) return Status::invalid("record is not a map");
  Status s;
  if (!(s = get_field(j, "k", &r->key))) return s;
  auto it = j.find("v");
  if (it == j.end() || !it->is_binary()) return Status::invalid("record field 'v' is missing or not binary");
  const auto& bin = it->get_binary();
  r->value.assign(bin.begin(), bin.end());
  if (!(s = get_field(j, "ts", &r->version.timestamp_us))) return s;
  if (!(s = get_field(j, "c", &r->version.coordinator_id))) return s;
  if (!(s = get_field(j, "d", &r->tombstone))) return s;
  if (!(s = get_field(j, "dt", &r->local_deletion_time_ms))) return s;
  if (r->tombstone && !r->value.empty()) return Status::invalid("tombstone carries a value");
  return Status::ok();
}

struct Encoder {
  json& j;
  void operator()(const WriteRequest& m) {
    j["id"] = m.request_id;
    j["r"] = record_to_json(m.record);
    if (m.owner != 0) j["o"] = m.owner;
  }
  void operator()(const WriteReply& m) {
    j["id"] = m.request_id;
    j["ok"] = m.ok;
    j["err"] = m.error;
  }
  void operator()(const ReadRequest& m) {
    j["id"] = m.request_id;
    j["k"] = m.key;
    j["dg"] = m.digest_only;
  }
  void operator()(const ReadReply& m) {
    j["id"] = m.request_id;
    j["r"] = m.record ? record_to_json(*m.record) : json(nullptr);
    j["dg"] = m.digest_only;
    j["h"] = m.digest;
  }
  void operator()(const Ping& m) { j["seq"] = m.seq; }
  void operator()(const Pong& m) { j["seq"] = m.seq; }
  void operator()(const MerkleTreeRequest& m) {
    tree_to_json(m.exchange_id, m.tree);
    j["lv"] = m.level;
    j["ix"] = m.indices;
  }
  void operator()(const MerkleTreeReply& m) {
    reply_to_json(m.exchange_id, m.ok, m.error);
    j["hs"] = m.hashes;
  }
  void operator()(const MerkleSync& m) {
    tree_to_json(m.exchange_id, m.tree);
    j["lf"] = m.leaves;
    j["rs"] = records_to_json(m.records);
  }
  void operator()(const MerkleSyncReply& m) {
    reply_to_json(m.exchange_id, m.ok, m.error);
    j["rs"] = records_to_json(m.records);
  }

  void tree_to_json(uint64_t exchange_id, const MerkleTreeId& t) {
    j["id"] = exchange_id;
    j["ri"] = t.range_index;
    j["l"] = t.left;
    j["r"] = t.right;
    j["dp"] = t.depth;
  }
  void reply_to_json(uint64_t exchange_id, bool ok, const std::string& error) {
    j["id"] = exchange_id;
    j["ok"] = ok;
    j["err"] = error;
  }
  static json records_to_json(const std::vector<Record>& records) {
    json out = json::array();
    for (const Record& r : records) out.push_back(record_to_json(r));
    return out;
  }
};

// The fields every Merkle request carries: which exchange, which tree.
template <typename M>
Status merkle_tree_from_json(const json& j, M* m) {
  Status s;
  if (!(s = get_field(j, "id", &m->exchange_id))) return s;
  if (!(s = get_field(j, "ri", &m->tree.range_index))) return s;
  if (!(s = get_field(j, "l", &m->tree.left))) return s;
  if (!(s = get_field(j, "r", &m->tree.right))) return s;
  return get_field(j, "dp", &m->tree.depth);
}

template <typename M>
Status merkle_reply_from_json(const json& j, M* m) {
  Status s;
  if (!(s = get_field(j, "id", &m->exchange_id))) return s;
  if (!(s = get_field(j, "ok", &m->ok))) return s;
  return get_field(j, "err", &m->error);
}

Status u64s_from_json(const json& j, const char* name, std::vector<uint64_t>* out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_array()) return Status::invalid(std::string("field '") + name + "' is missing or not an array");
  out->reserve(it->size());
  for (const json& v : *it) {
    if (!holds<uint64_t>(v)) return Status::invalid(std::string("field '") + name + "' holds a non-u64 element");
    out->push_back(v.get<uint64_t>());
  }
  return Status::ok();
}

Status records_from_json(const json& j, std::vector<Record>* out) {
  auto it = j.find("rs");
  if (it == j.end() || !it->is_array()) return Status::invalid("field 'rs' is missing or not an array");
  out->resize(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    if (Status s = record_from_json((*it)[i], &(*out)[i]); !s) return Status::invalid("rs[" + std::to_string(i) + "]: " + s.message());
  }
  return Status::ok();
}

Status decode_typed(const std::string& type, const json& j, Body* out) {
  Status s;
  if (type == "write") {
    WriteRequest m;
    if (!(s = get_field(j, "id", &m.request_id))) return s;
    auto it = j.find("r");
    if (it == j.end()) return Status::invalid("missing field 'r'");
    if (!(s = record_from_json(*it, &m.record))) return s;
    if (j.contains("o") && !(s = get_field(j, "o", &m.owner))) return s;
    *out = std::move(m);
  } else if (type == "write_reply") {
    WriteReply m;
    if (!(s = get_field(j, "id", &m.request_id))) return s;
    if (!(s = get_field(j, "ok", &m.ok))) return s;
    if (!(s = get_field(j, "err", &m.error))) return s;
    *out = std::move(m);
  } else if (type == "read") {
    ReadRequest m;
    if (!(s = get_field(j, "id", &m.request_id))) return s;
    if (!(s = get_field(j, "k", &m.key))) return s;
    if (!(s = get_field(j, "dg", &m.digest_only))) return s;
    *out = std::move(m);
  } else if (type == "read_reply") {
    ReadReply m;
    if (!(s = get_field(j, "id", &m.request_id))) return s;
    if (!(s = get_field(j, "dg", &m.digest_only))) return s;
    if (!(s = get_field(j, "h", &m.digest))) return s;
    auto it = j.find("r");
    if (it == j.end()) return Status::invalid("missing field 'r'");
    if (!it->is_null()) {
      Record r;
      if (!(s = record_from_json(*it, &r))) return s;
      m.record = std::move(r);
    }
    *out = std::move(m);
  } else if (type == "ping") {
    Ping m;
    if (!(s = get_field(j, "seq", &m.seq))) return s;
    *out = m;
  } else if (type == "pong") {
    Pong m;
    if (!(s = get_field(j, "seq", &m.seq))) return s;
    *out = m;
  } else if (type == "merkle_tree") {
    MerkleTreeRequest m;
    if (!(s = merkle_tree_from_json(j, &m))) return s;
    if (!(s = get_field(j, "lv", &m.level))) return s;
    if (!(s = u64s_from_json(j, "ix", &m.indices))) return s;
    *out = std::move(m);
  } else if (type == "merkle_tree_reply") {
    MerkleTreeReply m;
    if (!(s = merkle_reply_from_json(j, &m))) return s;
    if (!(s = u64s_from_json(j, "hs", &m.hashes))) return s;
    *out = std::move(m);
  } else if (type == "merkle_sync") {
    MerkleSync m;
    if (!(s = merkle_tree_from_json(j, &m))) return s;
    if (!(s = u64s_from_json(j, "lf", &m.leaves))) return s;
    if (!(s = records_from_json(j, &m.records))) return s;
    *out = std::move(m);
  } else if (type == "merkle_sync_reply") {
    MerkleSyncReply m;
    if (!(s = merkle_reply_from_json(j, &m))) return s;
    if (!(s = records_from_json(j, &m.records))) return s;
    *out = std::move(m);
  } else {
    return Status::invalid("unknown message type '" + type + "'");
  }
  return Status::ok();
}

}  // namespace

std::string_view message_type_name(const Body& body) {
  static constexpr std::string_view kNames[] = {"write",       "write_reply",       "read",        "read_reply",
                                                 "ping",        "pong",              "merkle_tree", "merkle_tree_reply",
                                                 "merkle_sync", "merkle_sync_reply"};
  static_assert(std::size(kNames) == std::variant_size_v<Body>);
  return kNames[body.index()];
}

std::string encode_frame(const Envelope& env) {
  json j = json::object();
  j["t"] = message_type_name(env.body);
  j["from"] = env.from;
  std::visit(Encoder{j}, env.body);
  std::vector<uint8_t> body = json::to_msgpack(j);
  FL_ASSERT(body.size() <= kMaxFrameBytes);
  std::string out;
  out.reserve(4 + body.size());
  uint32_t n = static_cast<uint32_t>(body.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(reinterpret_cast<const char*>(body.data()), body.size());
  return out;
}

Status decode_body(std::string_view bytes, Envelope* out) {
  json j = json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (j.is_discarded()) return Status::invalid("body is not valid MessagePack");
  if (!j.is_object()) return Status::invalid("body is not a map");
  std::string type;
  Status s;
  if (!(s = get_field(j, "t", &type))) return s;
  if (!(s = get_field(j, "from", &out->from))) return s;
  if (out->from == 0) return Status::invalid("field 'from' is 0");
  s = decode_typed(type, j, &out->body);
  if (!s) return Status::invalid("message '" + type + "': " + s.message());
  return Status::ok();
}

FrameDecoder::Result FrameDecoder::next(Envelope* out) {
  if (!error_.empty()) return Result::kBad;
  if (buffer_.size() - offset_ < 4) return Result::kNeedMore;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  uint32_t n = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  if (n > kMaxFrameBytes) {
    error_ = "frame length " + std::to_string(n) + " exceeds the maximum " + std::to_string(kMaxFrameBytes);
    return Result::kBad;
  }
  if (buffer_.size() - offset_ - 4 < n) return Result::kNeedMore;
  Status s = decode_body(std::string_view(buffer_).substr(offset_ + 4, n), out);
  if (!s) {
    error_ = s.message();
    return Result::kBad;
  }
  offset_ += 4 + n;
  // Compact once the consumed prefix dominates, so memory stays bounded.
  if (offset_ > 65536 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return Result::kGood;
}

}  // namespace faultline
