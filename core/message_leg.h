// Which leg of Probabilistically Bounded Staleness's WARS model a peer
// message is (model/wars.h): W, a coordinator's write to a replica; A, the
// replica's acknowledgement; R, a read request; S, its response. Everything
// else (failure detector pings, Merkle exchanges) is "other". Plans set a
// latency distribution per leg (core/link_latency.h); the simulator and the
// link proxy classify each message with one table, message_leg() in
// core/codec.h (this header stays light: plan.h includes it).
//
// Every WriteRequest is the write leg, whoever sends it: a coordinator's
// write, a read repair, a hint replay or a sloppy-quorum handoff all travel
// as a write does on a real network. Likewise every WriteReply is an ack.
#pragma once

#include <string_view>

namespace faultline {

enum class MessageLeg { kWrite, kAck, kRead, kResponse, kOther };
inline constexpr int kMessageLegCount = 5;

// The plan's field names: "write", "ack", "read", "response", "other".
inline std::string_view to_string(MessageLeg leg) {
  constexpr std::string_view kNames[kMessageLegCount] = {"write", "ack", "read", "response", "other"};
  return kNames[static_cast<int>(leg)];
}

}  // namespace faultline
