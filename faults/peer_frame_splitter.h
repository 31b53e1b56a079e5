// PeerFrameSplitter: cuts one direction of a peer connection into its
// messages, so that the link proxy (faults/link_proxy.h) can hold each
// message for a latency drawn from its leg's distribution
// (core/link_latency.h, core/message_leg.h) instead of holding byte chunks.
//
// The stream is docs/protocol.md's: a hello of `hello_bytes` first (64 on
// an authenticated connection, node/peer_auth.h), then frames, each a 4-byte
// big-endian body length, the body, and `trailer_bytes` of tag (32 when
// authenticated). The hello is one unit of leg "other"; each frame with its
// trailer is one unit of the leg its decoded body is. A body that does not
// decode is still one unit, of leg "other" (the receiver will refuse it, as
// without the proxy). A length above kMaxFrameBytes ends the framing: from
// then on bytes pass as they arrive, leg "other", since the receiver closes
// such a connection anyway.
//
// Pure: no I/O, no clock. Thread-safety: none (one per connection
// direction, on the proxy's I/O thread).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/message_leg.h"

namespace faultline {

struct PeerFraming {
  size_t hello_bytes = 0;
  size_t trailer_bytes = 0;
};

class PeerFrameSplitter {
 public:
  struct Unit {
    std::string bytes;
    MessageLeg leg = MessageLeg::kOther;
  };

  explicit PeerFrameSplitter(PeerFraming framing) : framing_(framing) {}

  // Appends to *out every unit the bytes so far complete, in stream order;
  // a partial unit stays buffered.
  void feed(const char* data, size_t n, std::vector<Unit>* out);
  size_t buffered_bytes() const { return buffer_.size(); }

 private:
  // Bytes of the next unit, 0 while its length is unknown yet; sets
  // passthrough_ when the stream stops being frames.
  size_t next_unit_bytes();

  PeerFraming framing_;
  std::string buffer_;
  bool hello_done_ = false;
  bool passthrough_ = false;
};

}  // namespace faultline
