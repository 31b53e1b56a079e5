// ReplyQueue: keeps a client connection's replies in request order although
// the requests complete out of order (a QUORUM write may finish after a later
// PING). Each request reserves a slot when it is read; its reply fills the
// slot; only the filled prefix is sent. This is what makes pipelining
// (redis-benchmark -P, MULTI-less batching) correct. No I/O.
//
// Thread-safety: none; one event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "core/assert.h"

namespace faultline {

class ReplyQueue {
 public:
  using Slot = uint64_t;

  Slot reserve() {
    slots_.emplace_back();
    return first_ + slots_.size() - 1;
  }

  // Fills a reserved slot with its encoded reply ("" sends nothing).
  void fill(Slot s, std::string bytes) {
    FL_ASSERT(s >= first_);
    FL_ASSERT(s < first_ + slots_.size());
    auto& slot = slots_[s - first_];
    FL_ASSERT(!slot.has_value());
    slot = std::move(bytes);
  }

  // Moves the replies of the filled prefix, in order, to the end of *out.
  // Returns how many slots it took.
  size_t take_ready(std::string* out) {
    size_t n = 0;
    while (!slots_.empty() && slots_.front().has_value()) {
      out->append(*slots_.front());
      slots_.pop_front();
      ++first_;
      ++n;
    }
    return n;
  }

  // Slots reserved and not yet taken.
  size_t pending() const { return slots_.size(); }

 private:
  std::deque<std::optional<std::string>> slots_;
  Slot first_ = 0;  // slot number of slots_.front()
};

}  // namespace faultline
