#include "core/types.h"

#include <xxhash.h>

#include <charconv>

namespace faultline {

std::string Status::to_string() const {
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kInvalid: return "invalid: " + message_;
    case Code::kNotFound: return "not found: " + message_;
    case Code::kIo: return "io error: " + message_;
    case Code::kTimeout: return "timeout: " + message_;
    case Code::kUnavailable: return "unavailable: " + message_;
  }
  return message_;
}

std::string node_name(NodeId id) { return "n" + std::to_string(id); }

Status parse_node_name(std::string_view s, NodeId* out) {
  if (s.size() < 2 || s[0] != 'n') return Status::invalid("node name '" + std::string(s) + "' is not n<id>");
  uint32_t id = 0;
  auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size() || id == 0) {
    return Status::invalid("node name '" + std::string(s) + "' is not n<id> with id >= 1");
  }
  *out = id;
  return Status::ok();
}

std::string escape_control(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

Token token_of(std::string_view key) { return XXH64(key.data(), key.size(), 0); }

std::string Version::to_string() const {
  return "[" + std::to_string(timestamp_us) + "," + std::to_string(coordinator_id) + "]";
}

bool lww_wins(const Record& a, const Record& b) {
  if (a.version != b.version) return a.version > b.version;
  if (a.tombstone != b.tombstone) return a.tombstone;
  return a.value > b.value;
}

const Record& lww_merge(const Record& a, const Record& b) { return lww_wins(b, a) ? b : a; }

std::optional<Record> lww_merge(const std::optional<Record>& a, const std::optional<Record>& b) {
  if (!a) return b;
  if (!b) return a;
  return lww_merge(*a, *b);
}

uint64_t record_digest(const std::optional<Record>& r) {
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0x66616c74);
  if (!r) {
    const char none = 0;
    XXH64_update(st, &none, 1);
  } else {
    const char present = r->tombstone ? 2 : 1;
    XXH64_update(st, &present, 1);
    int64_t ts = r->version.timestamp_us;
    uint32_t id = r->version.coordinator_id;
    uint64_t len = r->value.size();
    XXH64_update(st, &ts, sizeof ts);
    XXH64_update(st, &id, sizeof id);
    XXH64_update(st, &len, sizeof len);
    XXH64_update(st, r->value.data(), r->value.size());
  }
  uint64_t h = XXH64_digest(st);
  XXH64_freeState(st);
  return h;
}

std::string_view to_string(ConsistencyLevel cl) {
  switch (cl) {
    case ConsistencyLevel::kAny: return "ANY";
    case ConsistencyLevel::kOne: return "ONE";
    case ConsistencyLevel::kTwo: return "TWO";
    case ConsistencyLevel::kQuorum: return "QUORUM";
    case ConsistencyLevel::kAll: return "ALL";
  }
  return "?";
}

Status parse_consistency_level(std::string_view s, ConsistencyLevel* out) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "ANY") *out = ConsistencyLevel::kAny;
  else if (u == "ONE") *out = ConsistencyLevel::kOne;
  else if (u == "TWO") *out = ConsistencyLevel::kTwo;
  else if (u == "QUORUM") *out = ConsistencyLevel::kQuorum;
  else if (u == "ALL") *out = ConsistencyLevel::kAll;
  else return Status::invalid("unknown consistency level '" + escape_control(s) + "' (ANY, ONE, TWO, QUORUM, ALL)");
  return Status::ok();
}

int required_acks(ConsistencyLevel cl, int rf) {
  switch (cl) {
    case ConsistencyLevel::kAny: return 1;
    case ConsistencyLevel::kOne: return 1;
    case ConsistencyLevel::kTwo: return 2;  // more than rf: the request is unavailable
    case ConsistencyLevel::kQuorum: return rf / 2 + 1;
    case ConsistencyLevel::kAll: return rf;
  }
  return rf;
}

}  // namespace faultline
