// Goal: the splitter cuts an authenticated peer stream into the hello and
// one unit per frame (with its tag), each with its message leg, however the
// bytes arrive; a body that does not decode is one "other" unit; a length
// above the limit turns the rest of the stream into pass-through.
#include "faults/peer_frame_splitter.h"

#include <gtest/gtest.h>

#include "core/codec.h"

namespace faultline {
namespace {

constexpr PeerFraming kAuthenticated{64, 32};

std::string frame_with_tag(const Body& body) { return encode_frame(Envelope{1, body}) + std::string(32, 't'); }

std::string stream() {
  return std::string(64, 'h') + frame_with_tag(WriteRequest{}) + frame_with_tag(ReadReply{}) +
         frame_with_tag(Ping{}) + frame_with_tag(WriteReply{});
}

std::vector<MessageLeg> legs_of(const std::vector<PeerFrameSplitter::Unit>& units) {
  std::vector<MessageLeg> legs;
  for (const auto& u : units) legs.push_back(u.leg);
  return legs;
}

const std::vector<MessageLeg> kStreamLegs = {MessageLeg::kOther, MessageLeg::kWrite, MessageLeg::kResponse,
                                             MessageLeg::kOther, MessageLeg::kAck};

TEST(PeerFrameSplitter, OneUnitPerMessageInOneChunkOrByteByByte) {
  const std::string s = stream();
  PeerFrameSplitter whole(kAuthenticated);
  std::vector<PeerFrameSplitter::Unit> units;
  whole.feed(s.data(), s.size(), &units);
  EXPECT_EQ(legs_of(units), kStreamLegs);
  std::string joined;
  for (const auto& u : units) joined += u.bytes;
  EXPECT_EQ(joined, s);
  EXPECT_EQ(units[0].bytes.size(), 64u);
  EXPECT_EQ(whole.buffered_bytes(), 0u);

  PeerFrameSplitter bytewise(kAuthenticated);
  std::vector<PeerFrameSplitter::Unit> again;
  for (char c : s) bytewise.feed(&c, 1, &again);
  ASSERT_EQ(again.size(), units.size());
  for (size_t i = 0; i < units.size(); ++i) EXPECT_EQ(again[i].bytes, units[i].bytes) << i;
  EXPECT_EQ(legs_of(again), kStreamLegs);
}

TEST(PeerFrameSplitter, UndecodableBodyIsOtherAndOversizedLengthPassesThrough) {
  PeerFrameSplitter plain(PeerFraming{});  // no hello, no tags
  std::vector<PeerFrameSplitter::Unit> units;
  const std::string junk = std::string("\0\0\0\3", 4) + "xyz";
  const std::string read = encode_frame(Envelope{2, ReadRequest{}});
  plain.feed((junk + read).data(), junk.size() + read.size(), &units);
  EXPECT_EQ(legs_of(units), (std::vector<MessageLeg>{MessageLeg::kOther, MessageLeg::kRead}));

  PeerFrameSplitter big(PeerFraming{});
  units.clear();
  const std::string oversized = std::string("\xff\xff\xff\xff", 4) + "abc";
  big.feed(oversized.data(), oversized.size(), &units);
  big.feed("de", 2, &units);
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units[0].bytes, oversized);
  EXPECT_EQ(units[1].bytes, "de");
  EXPECT_EQ(big.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace faultline
