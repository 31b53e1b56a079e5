// The fast reader of one history operation line (simdjson's On-Demand API),
// for the checker's JSONL path. It takes only the lines the harness and the
// simulator write: one flat object of a client operation, with the known
// fields at most once each, ASCII strings without escapes, integers in range.
// It declines everything else (nemesis lines, unknown or repeated fields,
// escapes, non-ASCII or control bytes, floats, any malformation), and
// history_op_from_json_line then hands the line to the nlohmann reader
// (core/history.cpp), which stays the definition: an error's message, and
// what a line that is unusual but valid means, come from it alone. So the
// fast reader only has to agree with the reference on the lines it accepts;
// core/history_line_test.cpp checks that on generated and mutated lines.
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include <simdjson.h>

#include "core/history.h"

namespace faultline {

namespace {

namespace od = simdjson::ondemand;

// Bytes the fast reader leaves to the reference: escapes, control
// characters and anything not ASCII (UTF-8 validation and \u escapes are
// where JSON readers differ most).
bool plain_ascii(std::string_view line) {
  unsigned char bad = 0;
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    bad |= static_cast<unsigned char>((u < 0x20) | (u >= 0x80) | (u == '\\'));
  }
  return bad == 0;
}

// One field per bit, so that a repeated field (nlohmann keeps the last, a
// rule the fast reader does not reproduce) declines the line.
enum Field : uint32_t {
  kIndex = 1u << 0, kTime = 1u << 1, kProcess = 1u << 2, kType = 1u << 3, kF = 1u << 4, kKey = 1u << 5,
  kValue = 1u << 6, kVersion = 1u << 7, kTombstone = 1u << 8, kCl = 1u << 9, kNode = 1u << 10, kError = 1u << 11,
};

Field field_of(std::string_view k) {
  switch (k.size()) {
    case 1: return k == "f" ? kF : Field{};
    case 2: return k == "cl" ? kCl : Field{};
    case 3: return k == "key" ? kKey : Field{};
    case 4: return k == "time" ? kTime : k == "type" ? kType : k == "node" ? kNode : Field{};
    case 5: return k == "index" ? kIndex : k == "value" ? kValue : k == "error" ? kError : Field{};
    case 7: return k == "process" ? kProcess : k == "version" ? kVersion : Field{};
    case 9: return k == "tombstone" ? kTombstone : Field{};
    default: return Field{};
  }
}

// A non-negative integer that fits int64 (index, time, process).
bool get_count(od::value v, int64_t* out) {
  uint64_t u = 0;
  if (v.get_uint64().get(u) != simdjson::SUCCESS) return false;
  if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *out = static_cast<int64_t>(u);
  return true;
}

bool get_string(od::value v, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  out->assign(s.data(), s.size());
  return true;
}

// [timestamp_us, coordinator_id] in range (core/json_numbers.h).
bool get_version(od::value v, Version* out) {
  od::array a;
  if (v.get_array().get(a) != simdjson::SUCCESS) return false;
  uint64_t parts[2] = {0, 0};
  size_t n = 0;
  for (auto element : a) {
    od::value e;
    if (std::move(element).get(e) != simdjson::SUCCESS || n == 2) return false;
    if (e.get_uint64().get(parts[n]) != simdjson::SUCCESS) return false;
    ++n;
  }
  if (n != 2 || parts[0] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
      parts[1] > std::numeric_limits<NodeId>::max()) {
    return false;
  }
  out->timestamp_us = static_cast<int64_t>(parts[0]);
  out->coordinator_id = static_cast<NodeId>(parts[1]);
  return true;
}

bool get_type(od::value v, OpType* out) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return false;
  if (s == "invoke") *out = OpType::kInvoke;
  else if (s == "ok") *out = OpType::kOk;
  else if (s == "fail") *out = OpType::kFail;
  else if (s == "info") *out = OpType::kInfo;
  else return false;
  return true;
}

// value and version may be null, meaning absent (as the reference reads them).
// is_null consumes the value only when it is null.
bool is_null(od::value v, bool* null) { return v.is_null().get(*null) == simdjson::SUCCESS; }

bool read_field(Field field, od::value v, HistoryOp* op) {
  bool null = false;
  switch (field) {
    case kIndex: return get_count(v, &op->index);
    case kTime: return get_count(v, &op->time_ns);
    case kProcess: return get_count(v, &op->process);  // "nemesis": declined
    case kType: return get_type(v, &op->type);
    case kF: return get_string(v, &op->f);
    case kKey: return get_string(v, &op->key.emplace());
    case kValue:
      if (!is_null(v, &null)) return false;
      return null || get_string(v, &op->value.emplace());
    case kVersion:
      if (!is_null(v, &null)) return false;
      return null || get_version(v, &op->version.emplace());
    case kTombstone: return v.get_bool().get(op->tombstone) == simdjson::SUCCESS;
    case kCl: {
      std::string_view s;
      ConsistencyLevel cl;
      if (v.get_string().get(s) != simdjson::SUCCESS || !parse_consistency_level(s, &cl)) return false;
      op->cl = cl;
      return true;
    }
    case kNode: return get_string(v, &op->node);
    case kError: return get_string(v, &op->error);
  }
  return false;
}

// The reference's rules for a client operation, checked after the fields.
bool valid_client_op(const HistoryOp& op, uint32_t seen) {
  constexpr uint32_t kRequired = kIndex | kTime | kProcess | kType | kF | kKey;
  if ((seen & kRequired) != kRequired) return false;
  if (op.f != "read" && op.f != "write" && op.f != "delete") return false;
  if (op.f == "write" && !op.value) return false;
  if (op.tombstone && op.value) return false;
  if (op.type == OpType::kOk && op.f != "read" && !op.version) return false;
  return true;
}

// The parser and a padded copy of the line, one per thread.
struct FastReader {
  od::parser parser;
  std::string padded;
};

}  // namespace

bool history_op_from_json_line_fast(std::string_view line, HistoryOp* out) {
  if (!plain_ascii(line)) return false;
  thread_local FastReader reader;
  std::string& buf = reader.padded;
  if (buf.size() < line.size() + simdjson::SIMDJSON_PADDING) buf.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buf.data(), line.data(), line.size());
  od::document doc;
  if (reader.parser.iterate(buf.data(), line.size(), buf.size()).get(doc) != simdjson::SUCCESS) return false;
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  HistoryOp op;
  uint32_t seen = 0;
  for (auto member : obj) {
    od::field f;
    std::string_view name;
    if (std::move(member).get(f) != simdjson::SUCCESS || f.unescaped_key().get(name) != simdjson::SUCCESS) return false;
    const Field field = field_of(name);
    if (field == Field{} || (seen & field) != 0) return false;
    seen |= field;
    if (!read_field(field, f.value(), &op)) return false;
  }
  // Nothing may follow the object (current_location says OUT_OF_BOUNDS at
  // the end of the document).
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return false;
  if (!valid_client_op(op, seen)) return false;
  *out = std::move(op);
  return true;
}

}  // namespace faultline
