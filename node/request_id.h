// Request ids: which part of a node waits for the reply to a request it sent.
//
// A write_reply or read_reply names its request by the id the requester chose
// (docs/protocol.md, "Request ids"); the replier echoes it and never looks
// inside. The requester puts the owner of the request in the top byte and a
// sequence number of the owner's below it, so that Replica::on_message
// routes every reply with one switch on the owner to the one table that
// waits for it, instead of offering it to each table in turn. Each owner
// numbers its own requests, so ids of different owners never collide.
//
// A reply whose top byte names no owner (id 0 of an async read repair, whose
// replies nobody waits for; a stray or forged id) is ignored: the top byte
// comes from a peer, so it is checked, never asserted.
#pragma once

#include <cstdint>

#include "core/assert.h"

namespace faultline {

enum class RequestOwner : uint8_t {
  kNone = 0,         // nobody waits for the reply (async read repair)
  kClientWrite = 1,  // a write this node coordinates (Replica)
  kClientRead = 2,   // a read this node coordinates, data or digest (Replica)
  kReadRepair = 3,   // a blocking read repair's write; its sequence is its read's
  kHintReplay = 4,   // a hint or handoff record replayed to its target (Hints)
};

inline constexpr int kRequestOwnerShift = 56;
inline constexpr uint64_t kRequestSeqMax = (uint64_t{1} << kRequestOwnerShift) - 1;

// The id of request `seq` of `owner`. A sequence beyond 2^56 - 1 would take
// a node billions of years of requests: asserted, not handled.
inline uint64_t request_id(RequestOwner owner, uint64_t seq) {
  FL_ASSERT(owner != RequestOwner::kNone);
  FL_ASSERT(seq <= kRequestSeqMax);
  return (uint64_t{static_cast<uint8_t>(owner)} << kRequestOwnerShift) | seq;
}

// The owner an id names; kNone for a top byte no owner uses.
inline RequestOwner request_owner(uint64_t id) {
  const uint64_t top = id >> kRequestOwnerShift;
  return top <= static_cast<uint8_t>(RequestOwner::kHintReplay) ? static_cast<RequestOwner>(top) : RequestOwner::kNone;
}

inline uint64_t request_seq(uint64_t id) { return id & kRequestSeqMax; }

}  // namespace faultline
