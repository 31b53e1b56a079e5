// Fuzz target: core/resp.h's RespParser as the node runs it (inline commands
// allowed). Whatever the bytes, it answers good / bad / need-more without
// crashing, and the answers do not depend on how the stream is chunked (the
// first byte picks a chunk size), which checks the resumable parser against
// one fed everything at once. A good value re-encodes to bytes that parse
// back to it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/resp.h"
#include "fuzz/fuzz_util.h"

namespace {

using faultline::RespParser;
using faultline::RespValue;

struct Outcome {
  std::vector<RespValue> values;
  RespParser::Result last = RespParser::Result::kNeedMore;
};

Outcome parse(std::string_view bytes, size_t chunk) {
  RespParser p(true, 1 << 20);
  Outcome o;
  for (size_t pos = 0; pos < bytes.size() && o.last != RespParser::Result::kBad; pos += chunk) {
    p.feed(bytes.substr(pos, chunk));
    RespValue v;
    while ((o.last = p.next(&v)) == RespParser::Result::kGood) o.values.push_back(std::move(v));
  }
  return o;
}

// Simple strings and errors, at any depth, have CR and LF rewritten by the
// encoder, so they do not round-trip byte for byte (found by this target:
// a simple string holding LF inside an array).
bool has_line_text(const RespValue& v) {
  if (v.type == RespValue::Type::kError || v.type == RespValue::Type::kSimple) return true;
  for (const RespValue& e : v.elements) {
    if (has_line_text(e)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 16;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = parse(bytes, bytes.size() + 1);
  const Outcome chunked = parse(bytes, chunk);
  FUZZ_CHECK(whole.last == chunked.last);
  FUZZ_CHECK(whole.values == chunked.values);
  for (const RespValue& v : whole.values) {
    if (has_line_text(v)) continue;
    RespParser again;
    again.feed(faultline::resp_encode(v));
    RespValue back;
    FUZZ_CHECK(again.next(&back) == RespParser::Result::kGood);
    FUZZ_CHECK(back == v);
  }
  return 0;
}
