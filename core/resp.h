// RESP2 (the Redis serialization protocol): values, an incremental parser and
// encoders. The node parses client commands with it; the harness parses the
// node's replies with it. No I/O.
//
// The parser accepts every RESP2 type (simple string, error, integer, bulk
// string, array, and the null bulk string and null array) and, at the top
// level, Redis's inline commands ("PING\r\n"), as redis-server does. Limits
// (kMaxBulkBytes, kMaxArrayElements, kMaxDepth, kMaxInlineBytes) bound memory
// on hostile input; exceeding one is a protocol error (kBad).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace faultline {

// The text of the RESP error a node answers for a failed request (without
// the leading '-'): "UNAVAILABLE ...", "TIMEOUT ..." or "ERR ...". Anything
// but unavailable and invalid leaves the outcome unknown, so it is a
// TIMEOUT. node/commands.cpp answers with it; the simulator records it.
std::string status_error_text(const Status& s);

struct RespValue {
  enum class Type { kSimple, kError, kInteger, kBulk, kNull, kArray, kNullArray };
  Type type = Type::kNull;
  std::string str;        // kSimple, kError, kBulk
  int64_t integer = 0;    // kInteger
  std::vector<RespValue> elements;  // kArray

  static RespValue simple(std::string s) { return {Type::kSimple, std::move(s), 0, {}}; }
  static RespValue error(std::string s) { return {Type::kError, std::move(s), 0, {}}; }
  static RespValue integer_value(int64_t i) { return {Type::kInteger, {}, i, {}}; }
  static RespValue bulk(std::string s) { return {Type::kBulk, std::move(s), 0, {}}; }
  static RespValue null() { return {Type::kNull, {}, 0, {}}; }
  static RespValue array(std::vector<RespValue> e) { return {Type::kArray, {}, 0, std::move(e)}; }

  bool operator==(const RespValue&) const = default;
};

std::string resp_encode(const RespValue& v);
// A command as redis-cli sends it: an array of bulk strings.
std::string resp_encode_command(const std::vector<std::string>& args);

// Incremental and linear: the parser resumes where the last call stopped (a
// partly received array keeps the elements already parsed, a bulk string
// whose header was read waits only for its bytes, a line is searched for its
// end only in bytes not searched yet), so a value that arrives a byte at a
// time costs O(its size) in total, not O(size^2).
class RespParser {
 public:
  enum class Result { kGood, kNeedMore, kBad };
  static constexpr int64_t kMaxBulkBytes = 64 * 1024 * 1024;
  static constexpr int64_t kMaxArrayElements = 1024 * 1024;
  static constexpr int kMaxDepth = 8;
  static constexpr size_t kMaxInlineBytes = 64 * 1024;

  // allow_inline: accept inline commands at the top level (server side).
  // bulk_bytes_max: the longest bulk string accepted (the node passes its
  // client_query_buffer_bytes_max; the harness more for FL.DUMP replies).
  explicit RespParser(bool allow_inline = false, int64_t bulk_bytes_max = kMaxBulkBytes)
      : allow_inline_(allow_inline), bulk_bytes_max_(bulk_bytes_max) {}

  void feed(const char* data, size_t n) { buffer_.append(data, n); }
  void feed(std::string_view s) { buffer_.append(s); }
  // kGood: *out holds the next value. kBad: error() says why and where
  // (byte offset in the stream); the parser keeps answering kBad.
  Result next(RespValue* out);
  const std::string& error() const { return error_; }
  // What the parser holds for values not yet returned: bytes not parsed yet
  // plus the parts of a value already parsed (each element counted with its
  // in-memory overhead). A server bounds this per client.
  size_t buffered_bytes() const { return buffer_.size() - pos_ + held_bytes_; }

 private:
  enum class Step { kValue, kOpened, kNeedMore, kBad };
  // An array whose header was read and whose elements are still arriving.
  struct Open {
    RespValue array;
    int64_t remaining = 0;
  };
  Step step(RespValue* out);
  Step parse_inline(RespValue* out);
  Step read_line(std::string_view* line);
  Step fail(size_t at, std::string why);
  void compact();

  bool allow_inline_;
  int64_t bulk_bytes_max_;
  std::string buffer_;
  size_t pos_ = 0;               // the first byte of buffer_ not consumed
  size_t line_scanned_ = 0;      // buffer_[pos_, line_scanned_) holds no line end
  int64_t bulk_len_ = -1;        // >= 0: a bulk header was read, its bytes start at pos_
  std::vector<Open> open_;       // arrays being filled, outermost first
  size_t held_bytes_ = 0;        // bytes of the elements in open_
  uint64_t consumed_total_ = 0;  // bytes consumed before buffer_[0], for error offsets
  std::string error_;
};

}  // namespace faultline
