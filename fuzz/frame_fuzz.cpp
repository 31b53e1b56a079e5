// Fuzz target: the peer protocol's FrameDecoder and MessagePack body decoder
// (core/codec.h, core/msgpack.h). Bytes from a peer are decoded without
// crashing; a body that decodes re-encodes to a frame that decodes to the
// same message (the encoder and decoder agree), and the decoder gives the
// same answers however the stream is chunked.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/codec.h"
#include "fuzz/fuzz_util.h"

namespace {

using faultline::Envelope;
using faultline::FrameDecoder;

std::vector<Envelope> decode_stream(std::string_view bytes, size_t chunk, FrameDecoder::Result* last) {
  FrameDecoder d;
  std::vector<Envelope> out;
  *last = FrameDecoder::Result::kNeedMore;
  for (size_t pos = 0; pos < bytes.size() && *last != FrameDecoder::Result::kBad; pos += chunk) {
    const std::string_view piece = bytes.substr(pos, chunk);
    d.feed(piece.data(), piece.size());
    Envelope env;
    while ((*last = d.next(&env)) == FrameDecoder::Result::kGood) out.push_back(env);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The whole input as one body.
  Envelope env;
  if (faultline::decode_body(bytes, &env)) {
    std::string frame;
    FUZZ_CHECK(faultline::encode_frame(env, &frame).is_ok());
    Envelope back;
    FUZZ_CHECK(faultline::decode_body(std::string_view(frame).substr(4), &back).is_ok());
    FUZZ_CHECK(back == env);
  }
  // The input as a stream of frames, whole and in 7-byte pieces.
  FrameDecoder::Result whole_last, chunked_last;
  const std::vector<Envelope> whole = decode_stream(bytes, bytes.size() + 1, &whole_last);
  const std::vector<Envelope> chunked = decode_stream(bytes, 7, &chunked_last);
  FUZZ_CHECK(whole_last == chunked_last);
  FUZZ_CHECK(whole == chunked);
  return 0;
}
