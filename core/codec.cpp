#include "core/codec.h"

#include <array>
#include <limits>
#include <optional>

#include "core/assert.h"
#include "core/merkle_hash.h"
#include "core/msgpack.h"

namespace faultline {

namespace {

using msgpack::Reader;
using msgpack::Writer;

// ---- encoding: every map's keys in byte order, as nlohmann's std::map-backed
// objects write them, so frames are byte-identical to to_msgpack's.

void write_record(Writer& w, const Record& r) {
  w.map(6);
  w.str("c"), w.uint(r.version.coordinator_id);
  w.str("d"), w.boolean(r.tombstone);
  w.str("dt"), w.sint(r.local_deletion_time_ms);
  w.str("k"), w.str(r.key);
  w.str("ts"), w.sint(r.version.timestamp_us);
  w.str("v"), w.bin(r.value);
}

void write_records(Writer& w, const std::vector<Record>& records) {
  w.array(static_cast<uint32_t>(records.size()));
  for (const Record& r : records) write_record(w, r);
}

void write_u64s(Writer& w, const std::vector<uint64_t>& v) {
  w.array(static_cast<uint32_t>(v.size()));
  for (uint64_t x : v) w.uint(x);
}

struct Encoder {
  Writer& w;
  NodeId from;
  std::string_view type;

  void from_field() { w.str("from"), w.uint(from); }
  void type_field() { w.str("t"), w.str(type); }

  void operator()(const WriteRequest& m) {
    w.map(m.owner != 0 ? 5 : 4);
    from_field();
    w.str("id"), w.uint(m.request_id);
    if (m.owner != 0) w.str("o"), w.uint(m.owner);
    w.str("r"), write_record(w, m.record);
    type_field();
  }
  void operator()(const WriteReply& m) {
    w.map(5);
    w.str("err"), w.str(m.error);
    from_field();
    w.str("id"), w.uint(m.request_id);
    w.str("ok"), w.boolean(m.ok);
    type_field();
  }
  void operator()(const ReadRequest& m) {
    w.map(5);
    w.str("dg"), w.boolean(m.digest_only);
    from_field();
    w.str("id"), w.uint(m.request_id);
    w.str("k"), w.str(m.key);
    type_field();
  }
  void operator()(const ReadReply& m) {
    w.map(6);
    w.str("dg"), w.boolean(m.digest_only);
    from_field();
    w.str("h"), w.uint(m.digest);
    w.str("id"), w.uint(m.request_id);
    w.str("r");
    if (m.record) write_record(w, *m.record);
    else w.nil();
    type_field();
  }
  void operator()(const Ping& m) { seq(m.seq); }
  void operator()(const Pong& m) { seq(m.seq); }
  void operator()(const MerkleTreeRequest& m) {
    w.map(9);
    w.str("dp"), w.uint(m.tree.depth);
    from_field();
    w.str("id"), w.uint(m.exchange_id);
    w.str("ix"), write_u64s(w, m.indices);
    w.str("l"), w.uint(m.tree.left);
    w.str("lv"), w.uint(m.level);
    w.str("r"), w.uint(m.tree.right);
    w.str("ri"), w.uint(m.tree.range_index);
    type_field();
  }
  void operator()(const MerkleTreeReply& m) {
    w.map(7);
    w.str("dp"), w.uint(m.depth);
    w.str("err"), w.str(m.error);
    from_field();
    w.str("hs"), write_u64s(w, m.hashes);
    w.str("id"), w.uint(m.exchange_id);
    w.str("ok"), w.boolean(m.ok);
    type_field();
  }
  void operator()(const MerkleSync& m) {
    w.map(9 + (m.after ? 2 : 0) + (m.upto ? 2 : 0));
    if (m.after) w.str("ak"), w.str(m.after->key), w.str("at"), w.uint(m.after->token);
    w.str("dp"), w.uint(m.tree.depth);
    from_field();
    w.str("id"), w.uint(m.exchange_id);
    w.str("l"), w.uint(m.tree.left);
    w.str("lf"), write_u64s(w, m.leaves);
    w.str("r"), w.uint(m.tree.right);
    w.str("ri"), w.uint(m.tree.range_index);
    w.str("rs"), write_records(w, m.records);
    type_field();
    upto(m.upto);
  }
  void operator()(const MerkleSyncReply& m) {
    w.map(6 + (m.upto ? 2 : 0));
    w.str("err"), w.str(m.error);
    from_field();
    w.str("id"), w.uint(m.exchange_id);
    w.str("ok"), w.boolean(m.ok);
    w.str("rs"), write_records(w, m.records);
    type_field();
    upto(m.upto);
  }
  void upto(const std::optional<SyncCursor>& c) {
    if (c) w.str("uk"), w.str(c->key), w.str("ut"), w.uint(c->token);
  }

  void seq(uint64_t s) {
    w.map(3);
    from_field();
    w.str("seq"), w.uint(s);
    type_field();
  }
};

// ---- decoding. decode_body's parse of the body's map checks, as it skips
// each value, that the body is one well-formed MessagePack value; everything
// after reads inside values so checked, so a read that fails means a value
// of another type, never truncated input.

// The entries of one map: each key and where its value starts. A key that
// appears twice means its last value (as nlohmann's decoder keeps it).
class Fields {
 public:
  enum class Parse { kOk, kNotAMap, kKeyNotAString, kMalformed };

  // Reads the map at `pos`: its keys, and where each value starts; *end (if
  // given) is where the map ends.
  Parse parse(std::string_view bytes, size_t pos, size_t* end = nullptr) {
    bytes_ = bytes;
    n_ = 0;
    more_.clear();
    Reader r(bytes, pos);
    uint32_t n = 0;
    if (!r.map_header(&n)) return Parse::kNotAMap;
    for (uint32_t i = 0; i < n; ++i) {
      Entry e;
      if (!r.str(&e.key)) return Parse::kKeyNotAString;
      e.pos = r.pos();
      if (!r.skip()) return Parse::kMalformed;
      if (n_ < inline_.size()) inline_[n_++] = e;
      else more_.push_back(e);
    }
    if (end) *end = r.pos();
    return Parse::kOk;
  }

  // A reader at the value of `key`, or nullopt when the key is absent.
  std::optional<Reader> find(std::string_view key) const {
    for (size_t i = more_.size(); i-- > 0;) {
      if (more_[i].key == key) return Reader(bytes_, more_[i].pos);
    }
    for (size_t i = n_; i-- > 0;) {
      if (inline_[i].key == key) return Reader(bytes_, inline_[i].pos);
    }
    return std::nullopt;
  }

 private:
  struct Entry {
    std::string_view key;
    size_t pos = 0;
  };
  std::string_view bytes_;
  std::array<Entry, 12> inline_;  // every message's own fields fit; extras spill
  size_t n_ = 0;
  std::vector<Entry> more_;
};

// One typed read. Integers must fit T exactly: a float, a negative number
// or an out-of-range integer is the wrong type (a "from" of 2^32 + 1 must
// not become node 1).
bool read_value(Reader& r, bool* out) { return r.boolean(out); }
bool read_value(Reader& r, int64_t* out) { return r.sint(out); }
bool read_value(Reader& r, std::string* out) {
  std::string_view s;
  if (!r.str(&s)) return false;
  out->assign(s);
  return true;
}
template <typename T>
  requires std::is_unsigned_v<T>
bool read_value(Reader& r, T* out) {
  uint64_t v = 0;
  if (!r.uint(&v) || v > std::numeric_limits<T>::max()) return false;
  *out = static_cast<T>(v);
  return true;
}

// Field access that reports, rather than throws, on a missing or mistyped field.
template <typename T>
Status get_field(const Fields& f, const char* name, T* out) {
  std::optional<Reader> r = f.find(name);
  if (!r) return Status::invalid(std::string("missing field '") + name + "'");
  if (!read_value(*r, out)) return Status::invalid(std::string("field '") + name + "' has the wrong type");
  return Status::ok();
}

Status read_record(std::string_view bytes, size_t pos, Record* r) {
  Fields f;
  switch (f.parse(bytes, pos)) {
    case Fields::Parse::kOk: break;
    case Fields::Parse::kNotAMap: return Status::invalid("record is not a map");
    case Fields::Parse::kKeyNotAString: return Status::invalid("record has a key that is not a string");
    case Fields::Parse::kMalformed: return Status::invalid("record is not valid MessagePack");  // checked before: never
  }
  Status s;
  if (!(s = get_field(f, "k", &r->key))) return s;
  std::optional<Reader> v = f.find("v");
  std::string_view bin;
  if (!v || !v->bin(&bin)) return Status::invalid("record field 'v' is missing or not binary");
  r->value.assign(bin);
  if (!(s = get_field(f, "ts", &r->version.timestamp_us))) return s;
  if (!(s = get_field(f, "c", &r->version.coordinator_id))) return s;
  if (!(s = get_field(f, "d", &r->tombstone))) return s;
  if (!(s = get_field(f, "dt", &r->local_deletion_time_ms))) return s;
  if (r->tombstone && !r->value.empty()) return Status::invalid("tombstone carries a value");
  return Status::ok();
}

// An optional sync cursor: both fields or neither.
Status cursor_fields(const Fields& f, const char* token, const char* key, std::optional<SyncCursor>* out) {
  if (!f.find(token) && !f.find(key)) return Status::ok();
  SyncCursor c;
  Status s;
  if (!(s = get_field(f, token, &c.token))) return s;
  if (!(s = get_field(f, key, &c.key))) return s;
  *out = std::move(c);
  return Status::ok();
}

// A tree depth from the wire: kMerkleDepthMin..kMerkleDepthMax, or 0 where
// `zero_allowed` (a refusal from a node that has no such tree).
Status depth_in_bounds(uint32_t depth, bool zero_allowed) {
  if ((depth == 0 && zero_allowed) || (depth >= kMerkleDepthMin && depth <= kMerkleDepthMax)) return Status::ok();
  return Status::invalid("field 'dp' is " + std::to_string(depth) + ", not a tree depth (" +
                         std::to_string(kMerkleDepthMin) + ".." + std::to_string(kMerkleDepthMax) +
                         (zero_allowed ? ", or 0 when refused)" : ")"));
}

// The fields every Merkle request carries: which exchange, which tree.
template <typename M>
Status merkle_tree_fields(const Fields& f, M* m) {
  Status s;
  if (!(s = get_field(f, "id", &m->exchange_id))) return s;
  if (!(s = get_field(f, "ri", &m->tree.range_index))) return s;
  if (!(s = get_field(f, "l", &m->tree.left))) return s;
  if (!(s = get_field(f, "r", &m->tree.right))) return s;
  if (!(s = get_field(f, "dp", &m->tree.depth))) return s;
  return depth_in_bounds(m->tree.depth, false);
}

template <typename M>
Status merkle_reply_fields(const Fields& f, M* m) {
  Status s;
  if (!(s = get_field(f, "id", &m->exchange_id))) return s;
  if (!(s = get_field(f, "ok", &m->ok))) return s;
  return get_field(f, "err", &m->error);
}

// An array field: its length, with `r` left at the first element.
std::optional<Reader> array_field(const Fields& f, const char* name, uint32_t* n) {
  std::optional<Reader> r = f.find(name);
  if (!r || !r->array_header(n)) return std::nullopt;
  return r;
}

Status u64s_field(const Fields& f, const char* name, std::vector<uint64_t>* out) {
  uint32_t n = 0;
  std::optional<Reader> r = array_field(f, name, &n);
  if (!r) return Status::invalid(std::string("field '") + name + "' is missing or not an array");
  out->reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t v = 0;
    if (!r->uint(&v)) return Status::invalid(std::string("field '") + name + "' holds a non-u64 element");
    out->push_back(v);
  }
  return Status::ok();
}

Status records_field(std::string_view bytes, const Fields& f, std::vector<Record>* out) {
  uint32_t n = 0;
  std::optional<Reader> r = array_field(f, "rs", &n);
  if (!r) return Status::invalid("field 'rs' is missing or not an array");
  out->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (Status s = read_record(bytes, r->pos(), &(*out)[i]); !s) {
      return Status::invalid("rs[" + std::to_string(i) + "]: " + s.message());
    }
    r->skip();
  }
  return Status::ok();
}

Status decode_typed(std::string_view type, std::string_view bytes, const Fields& f, Body* out) {
  Status s;
  if (type == "write") {
    WriteRequest m;
    if (!(s = get_field(f, "id", &m.request_id))) return s;
    std::optional<Reader> r = f.find("r");
    if (!r) return Status::invalid("missing field 'r'");
    if (!(s = read_record(bytes, r->pos(), &m.record))) return s;
    if (f.find("o") && !(s = get_field(f, "o", &m.owner))) return s;
    *out = std::move(m);
  } else if (type == "write_reply") {
    WriteReply m;
    if (!(s = get_field(f, "id", &m.request_id))) return s;
    if (!(s = get_field(f, "ok", &m.ok))) return s;
    if (!(s = get_field(f, "err", &m.error))) return s;
    *out = std::move(m);
  } else if (type == "read") {
    ReadRequest m;
    if (!(s = get_field(f, "id", &m.request_id))) return s;
    if (!(s = get_field(f, "k", &m.key))) return s;
    if (!(s = get_field(f, "dg", &m.digest_only))) return s;
    *out = std::move(m);
  } else if (type == "read_reply") {
    ReadReply m;
    if (!(s = get_field(f, "id", &m.request_id))) return s;
    if (!(s = get_field(f, "dg", &m.digest_only))) return s;
    if (!(s = get_field(f, "h", &m.digest))) return s;
    std::optional<Reader> r = f.find("r");
    if (!r) return Status::invalid("missing field 'r'");
    if (!r->nil()) {
      Record rec;
      if (!(s = read_record(bytes, r->pos(), &rec))) return s;
      m.record = std::move(rec);
    }
    *out = std::move(m);
  } else if (type == "ping") {
    Ping m;
    if (!(s = get_field(f, "seq", &m.seq))) return s;
    *out = m;
  } else if (type == "pong") {
    Pong m;
    if (!(s = get_field(f, "seq", &m.seq))) return s;
    *out = m;
  } else if (type == "merkle_tree") {
    MerkleTreeRequest m;
    if (!(s = merkle_tree_fields(f, &m))) return s;
    if (!(s = get_field(f, "lv", &m.level))) return s;
    if (!(s = u64s_field(f, "ix", &m.indices))) return s;
    *out = std::move(m);
  } else if (type == "merkle_tree_reply") {
    MerkleTreeReply m;
    if (!(s = merkle_reply_fields(f, &m))) return s;
    if (!(s = u64s_field(f, "hs", &m.hashes))) return s;
    if (!(s = get_field(f, "dp", &m.depth))) return s;
    if (!(s = depth_in_bounds(m.depth, !m.ok))) return s;
    *out = std::move(m);
  } else if (type == "merkle_sync") {
    MerkleSync m;
    if (!(s = merkle_tree_fields(f, &m))) return s;
    if (!(s = u64s_field(f, "lf", &m.leaves))) return s;
    if (!(s = records_field(bytes, f, &m.records))) return s;
    if (!(s = cursor_fields(f, "at", "ak", &m.after))) return s;
    if (!(s = cursor_fields(f, "ut", "uk", &m.upto))) return s;
    *out = std::move(m);
  } else if (type == "merkle_sync_reply") {
    MerkleSyncReply m;
    if (!(s = merkle_reply_fields(f, &m))) return s;
    if (!(s = records_field(bytes, f, &m.records))) return s;
    if (!(s = cursor_fields(f, "ut", "uk", &m.upto))) return s;
    *out = std::move(m);
  } else {
    return Status::invalid("unknown message type '" + escape_control(type) + "'");
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

namespace {

// The property checked at both ends of the wire: a frame we encode decodes
// back to the message it was made from.
[[maybe_unused]] bool decodes_to(std::string_view frame, const Envelope& env) {
  Envelope back;
  return decode_body(frame.substr(4), &back).is_ok() && back == env;
}

}  // namespace

Status encode_frame(const Envelope& env, std::string* out) {
  out->assign(4, '\0');  // the length, filled in below
  Writer w(out);
  std::visit(Encoder{w, env.from, message_type_name(env.body)}, env.body);
  const size_t n = out->size() - 4;
  if (n > kMaxFrameBytes) {
    out->clear();
    return Status::invalid("message '" + std::string(message_type_name(env.body)) + "' is " + std::to_string(n) +
                           " bytes, above the frame limit of " + std::to_string(kMaxFrameBytes));
  }
  for (int i = 0; i < 4; ++i) (*out)[i] = static_cast<char>(n >> (24 - 8 * i));
  FL_DEBUG_ASSERT(decodes_to(*out, env));
  return Status::ok();
}

std::string encode_frame(const Envelope& env) {
  std::string out;
  Status s = encode_frame(env, &out);
  FL_ASSERT_MSG(s.is_ok(), s.message().c_str());
  return out;
}

Status decode_body(std::string_view bytes, Envelope* out) {
  const Status malformed = Status::invalid("body is not valid MessagePack");
  Fields f;
  size_t end = 0;
  switch (f.parse(bytes, 0, &end)) {
    case Fields::Parse::kOk:
      if (end != bytes.size()) return malformed;
      break;
    case Fields::Parse::kNotAMap: {
      Reader whole(bytes);
      return whole.skip() && whole.at_end() ? Status::invalid("body is not a map") : malformed;
    }
    case Fields::Parse::kKeyNotAString: return Status::invalid("body is not a map of string keys");
    case Fields::Parse::kMalformed: return malformed;
  }
  std::string type;
  Status s;
  if (!(s = get_field(f, "t", &type))) return s;
  if (!(s = get_field(f, "from", &out->from))) return s;
  if (out->from == 0) return Status::invalid("field 'from' is 0");
  s = decode_typed(type, bytes, f, &out->body);
  if (!s) return Status::invalid("message '" + escape_control(type) + "': " + s.message());
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
  if (buffer_.size() - offset_ - 4 < size_t{n} + trailer_bytes_) return Result::kNeedMore;
  const std::string_view frame = std::string_view(buffer_).substr(offset_, 4 + size_t{n});
  Status s;
  if (check_) s = check_(frame, std::string_view(buffer_).substr(offset_ + 4 + n, trailer_bytes_));
  if (s) s = decode_body(frame.substr(4), out);
  if (!s) {
    error_ = s.message();
    return Result::kBad;
  }
  offset_ += 4 + n + trailer_bytes_;
  // Compact once the consumed prefix dominates, so memory stays bounded.
  if (offset_ > 65536 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return Result::kGood;
}

MessageLeg message_leg(const Body& body) {
  if (std::holds_alternative<WriteRequest>(body)) return MessageLeg::kWrite;
  if (std::holds_alternative<WriteReply>(body)) return MessageLeg::kAck;
  if (std::holds_alternative<ReadRequest>(body)) return MessageLeg::kRead;
  if (std::holds_alternative<ReadReply>(body)) return MessageLeg::kResponse;
  return MessageLeg::kOther;
}

}  // namespace faultline
