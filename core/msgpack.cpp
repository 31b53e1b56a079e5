#include "core/msgpack.h"

#include <bit>
#include <limits>

namespace faultline::msgpack {

void Writer::be(uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) byte(static_cast<uint8_t>(v >> (8 * i)));
}

void Writer::header(uint32_t n, uint8_t fix_base, uint32_t fix_max, uint8_t code8, uint8_t code16, uint8_t code32) {
  if (fix_max > 0 && n <= fix_max) {
    byte(static_cast<uint8_t>(fix_base | n));
  } else if (code8 != 0 && n <= 0xff) {
    byte(code8);
    be(n, 1);
  } else if (n <= 0xffff) {
    byte(code16);
    be(n, 2);
  } else {
    byte(code32);
    be(n, 4);
  }
}

void Writer::map(uint32_t n) { header(n, 0x80, 15, 0, 0xde, 0xdf); }
void Writer::array(uint32_t n) { header(n, 0x90, 15, 0, 0xdc, 0xdd); }

void Writer::str(std::string_view s) {
  header(static_cast<uint32_t>(s.size()), 0xa0, 31, 0xd9, 0xda, 0xdb);
  out_.append(s);
}

void Writer::bin(std::string_view b) {
  header(static_cast<uint32_t>(b.size()), 0, 0, 0xc4, 0xc5, 0xc6);
  out_.append(b);
}

void Writer::uint(uint64_t v) {
  if (v < 0x80) return byte(static_cast<uint8_t>(v));
  const int bytes = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffff ? 4 : 8;
  byte(static_cast<uint8_t>(0xcc + std::countr_zero(static_cast<unsigned>(bytes))));  // uint8..uint64
  be(v, bytes);
}

void Writer::sint(int64_t v) {
  if (v >= 0) return uint(static_cast<uint64_t>(v));
  if (v >= -32) return byte(static_cast<uint8_t>(v));  // negative fixint
  const int bytes = v >= INT8_MIN ? 1 : v >= INT16_MIN ? 2 : v >= INT32_MIN ? 4 : 8;
  byte(static_cast<uint8_t>(0xd0 + std::countr_zero(static_cast<unsigned>(bytes))));  // int8..int64
  be(static_cast<uint64_t>(v), bytes);
}

bool Reader::be_after_marker(int bytes, uint64_t* out) {
  if (bytes_.size() - pos_ < 1 + static_cast<size_t>(bytes)) return false;
  uint64_t v = 0;
  for (int i = 1; i <= bytes; ++i) v = (v << 8) | static_cast<uint8_t>(bytes_[pos_ + i]);
  pos_ += 1 + bytes;
  *out = v;
  return true;
}

bool Reader::take(size_t n, std::string_view* out) {
  if (bytes_.size() - pos_ < n) return false;
  *out = bytes_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::length(uint8_t fix_base, uint8_t fix_mask, uint8_t code8, uint8_t code16, uint8_t code32, uint32_t* n) {
  if (at_end()) return false;
  const uint8_t m = static_cast<uint8_t>(bytes_[pos_]);
  if (fix_mask != 0 && (m & ~fix_mask) == fix_base) {
    *n = m & fix_mask;
    ++pos_;
    return true;
  }
  const size_t start = pos_;
  uint64_t v = 0;
  bool ok = false;
  if (m == code8 && code8 != 0) ok = be_after_marker(1, &v);
  else if (m == code16) ok = be_after_marker(2, &v);
  else if (m == code32) ok = be_after_marker(4, &v);
  if (!ok) {
    pos_ = start;
    return false;
  }
  *n = static_cast<uint32_t>(v);
  return true;
}

bool Reader::map_header(uint32_t* n) { return length(0x80, 0x0f, 0, 0xde, 0xdf, n); }
bool Reader::array_header(uint32_t* n) { return length(0x90, 0x0f, 0, 0xdc, 0xdd, n); }

bool Reader::sized(uint8_t fix_base, uint8_t fix_mask, uint8_t code8, uint8_t code16, uint8_t code32,
                   std::string_view* out) {
  const size_t start = pos_;
  uint32_t n = 0;
  if (length(fix_base, fix_mask, code8, code16, code32, &n) && take(n, out)) return true;
  pos_ = start;
  return false;
}

bool Reader::str(std::string_view* out) { return sized(0xa0, 0x1f, 0xd9, 0xda, 0xdb, out); }
bool Reader::bin(std::string_view* out) { return sized(0, 0, 0xc4, 0xc5, 0xc6, out); }

bool Reader::sint(int64_t* out) {
  if (at_end()) return false;
  const size_t start = pos_;
  const uint8_t m = static_cast<uint8_t>(bytes_[pos_]);
  if (m < 0x80 || m >= 0xe0) {  // positive or negative fixint
    *out = static_cast<int8_t>(m);
    ++pos_;
    return true;
  }
  uint64_t v = 0;
  if (m >= 0xcc && m <= 0xcf) {  // uint8..uint64
    if (!be_after_marker(1 << (m - 0xcc), &v)) return false;
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      pos_ = start;
      return false;
    }
    *out = static_cast<int64_t>(v);
    return true;
  }
  if (m >= 0xd0 && m <= 0xd3) {  // int8..int64: sign-extend from the width
    const int bytes = 1 << (m - 0xd0);
    if (!be_after_marker(bytes, &v)) return false;
    const int shift = 64 - 8 * bytes;
    *out = static_cast<int64_t>(v << shift) >> shift;
    return true;
  }
  return false;
}

bool Reader::uint(uint64_t* out) {
  if (at_end()) return false;
  const uint8_t m = static_cast<uint8_t>(bytes_[pos_]);
  if (m >= 0xcc && m <= 0xcf) return be_after_marker(1 << (m - 0xcc), out);
  const size_t start = pos_;
  int64_t v = 0;
  if (!sint(&v)) return false;
  if (v < 0) {
    pos_ = start;
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

bool Reader::boolean(bool* out) {
  if (at_end()) return false;
  const uint8_t m = static_cast<uint8_t>(bytes_[pos_]);
  if (m != 0xc2 && m != 0xc3) return false;
  *out = m == 0xc3;
  ++pos_;
  return true;
}

bool Reader::nil() {
  if (at_end() || static_cast<uint8_t>(bytes_[pos_]) != 0xc0) return false;
  ++pos_;
  return true;
}

bool Reader::skip() {
  uint64_t pending = 1;  // values still to skip; a map entry counts two
  while (pending > 0) {
    --pending;
    if (at_end()) return false;
    const uint8_t m = static_cast<uint8_t>(bytes_[pos_]);
    uint64_t v = 0;
    uint32_t n = 0;
    std::string_view ignored;
    if (m < 0x80 || m >= 0xe0 || m == 0xc0 || m == 0xc2 || m == 0xc3) {
      ++pos_;
    } else if (m <= 0x8f || m == 0xde || m == 0xdf) {
      if (!map_header(&n)) return false;
      pending += 2 * uint64_t{n};
    } else if (m <= 0x9f || m == 0xdc || m == 0xdd) {
      if (!array_header(&n)) return false;
      pending += n;
    } else if (m <= 0xbf || (m >= 0xd9 && m <= 0xdb)) {
      if (!str(&ignored)) return false;
    } else if (m >= 0xc4 && m <= 0xc6) {
      if (!bin(&ignored)) return false;
    } else if (m >= 0xc7 && m <= 0xc9) {  // ext8/16/32: length, type byte, data
      if (!be_after_marker(1 << (m - 0xc7), &v) || !take(1 + v, &ignored)) return false;
    } else if (m == 0xca || m == 0xcb) {  // float32, float64
      if (!take(m == 0xca ? 5 : 9, &ignored)) return false;
    } else if (m >= 0xcc && m <= 0xd3) {  // uint8..64, int8..64
      if (!be_after_marker(1 << ((m - 0xcc) % 4), &v)) return false;
    } else if (m >= 0xd4 && m <= 0xd8) {  // fixext 1..16: type byte and data
      if (!take(2 + (size_t{1} << (m - 0xd4)), &ignored)) return false;
    } else {  // 0xc1: never used
      return false;
    }
  }
  return true;
}

}  // namespace faultline::msgpack
