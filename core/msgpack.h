// A small MessagePack writer and reader for the peer protocol (core/codec.h),
// with no intermediate document: the writer appends to a string, the reader
// walks a byte span in place.
//
// The writer emits what nlohmann's to_msgpack emits for the same values
// (integers and lengths in their smallest encoding; codec_test checks the
// bytes against nlohmann), so docs/protocol.md's description holds.
//
// The reader accepts every MessagePack encoding of the types it is asked
// for (an integer in any width, a string as fixstr or str8/16/32). `skip`
// checks that one whole value is well formed, iteratively, so no input can
// recurse deep. Typed reads report a value of another type as false and do
// not move; they never read past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace faultline::msgpack {

class Writer {
 public:
  explicit Writer(std::string* out) : out_(*out) {}
  void map(uint32_t n);
  void array(uint32_t n);
  void str(std::string_view s);
  void bin(std::string_view b);
  void uint(uint64_t v);
  void sint(int64_t v);  // non-negative values are written as uint, as nlohmann does
  void boolean(bool v) { out_.push_back(v ? '\xc3' : '\xc2'); }
  void nil() { out_.push_back('\xc0'); }

 private:
  void byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void be(uint64_t v, int bytes);
  void header(uint32_t n, uint8_t fix_base, uint32_t fix_max, uint8_t code8, uint8_t code16, uint8_t code32);
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes, size_t pos = 0) : bytes_(bytes), pos_(pos) {}

  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  // Skips one complete, well-formed value; false (position unspecified) if
  // the bytes end early or hold a byte MessagePack never uses.
  bool skip();

  bool map_header(uint32_t* n);
  bool array_header(uint32_t* n);
  bool str(std::string_view* out);
  bool bin(std::string_view* out);
  bool uint(uint64_t* out);  // a non-negative integer, in any integer format
  bool sint(int64_t* out);   // an integer within int64
  bool boolean(bool* out);
  bool nil();

 private:
  // Reads an unsigned big-endian integer of `bytes` bytes at pos_ + 1 and
  // moves past the marker and it; false when the input ends first.
  bool be_after_marker(int bytes, uint64_t* out);
  bool take(size_t n, std::string_view* out);
  // Length of the str/bin/array/map whose marker is at pos_, per the family's
  // codes; moves past the marker and length.
  bool length(uint8_t fix_base, uint8_t fix_mask, uint8_t code8, uint8_t code16, uint8_t code32, uint32_t* n);
  // A str or bin: its length, then that many bytes.
  bool sized(uint8_t fix_base, uint8_t fix_mask, uint8_t code8, uint8_t code16, uint8_t code32, std::string_view* out);

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace faultline::msgpack
