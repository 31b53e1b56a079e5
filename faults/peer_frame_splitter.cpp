#include "faults/peer_frame_splitter.h"

#include <cstdint>

#include "core/codec.h"

namespace faultline {

namespace {

constexpr size_t kLengthPrefixBytes = 4;

uint32_t big_endian_u32(const std::string& b) {
  return (uint32_t{static_cast<uint8_t>(b[0])} << 24) | (uint32_t{static_cast<uint8_t>(b[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[2])} << 8) | uint32_t{static_cast<uint8_t>(b[3])};
}

}  // namespace

size_t PeerFrameSplitter::next_unit_bytes() {
  if (!hello_done_) {
    if (framing_.hello_bytes == 0) {
      hello_done_ = true;
    } else {
      return buffer_.size() >= framing_.hello_bytes ? framing_.hello_bytes : 0;
    }
  }
  if (buffer_.size() < kLengthPrefixBytes) return 0;
  const uint32_t body = big_endian_u32(buffer_);
  if (body > kMaxFrameBytes) {
    passthrough_ = true;
    return 0;
  }
  const size_t unit = kLengthPrefixBytes + body + framing_.trailer_bytes;
  return buffer_.size() >= unit ? unit : 0;
}

void PeerFrameSplitter::feed(const char* data, size_t n, std::vector<Unit>* out) {
  if (passthrough_) {
    if (n > 0) out->push_back(Unit{std::string(data, n), MessageLeg::kOther});
    return;
  }
  buffer_.append(data, n);
  while (!passthrough_) {
    const size_t unit = next_unit_bytes();
    if (unit == 0) break;
    Unit u{buffer_.substr(0, unit), MessageLeg::kOther};
    if (hello_done_) {
      Envelope env;
      const std::string_view body(u.bytes.data() + kLengthPrefixBytes, unit - kLengthPrefixBytes - framing_.trailer_bytes);
      if (decode_body(body, &env)) u.leg = message_leg(env.body);
    }
    hello_done_ = true;
    buffer_.erase(0, unit);
    out->push_back(std::move(u));
  }
  if (passthrough_ && !buffer_.empty()) {
    out->push_back(Unit{std::move(buffer_), MessageLeg::kOther});
    buffer_.clear();
  }
}

}  // namespace faultline
