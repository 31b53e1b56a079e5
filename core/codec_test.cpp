// Goal: every peer message survives encode_frame -> FrameDecoder unchanged,
// however the bytes are chunked, and malformed input of every kind is
// reported as kBad with a reason (never a crash, never a silent misread).
//
// Property tests: on failure RapidCheck prints a reproduce string; replay with
//   RC_PARAMS="reproduce=<string>" core_test --gtest_filter=Codec*
#include "core/codec.h"

#include <nlohmann/json.hpp>

#include <utility>

#include "core/merkle_hash.h"
#include "core/test_util.h"

namespace faultline {

// Counterexamples print as the message type and the frame's bytes.
inline void showValue(const Envelope& e, std::ostream& os) {
  os << message_type_name(e.body) << " from n" << e.from << ": " << rc::toString(encode_frame(e));
}

namespace {

using nlohmann::json;
using test::fails_with;
using test::gen_bytes;
using test::gen_optional;
using Result = FrameDecoder::Result;

// Records as they travel between replicas: any key and value bytes, any
// version, deletion times.
rc::Gen<Record> gen_wire_record() {
  const auto versions = rc::gen::build<Version>(rc::gen::set(&Version::timestamp_us),
                                                rc::gen::set(&Version::coordinator_id));
  return rc::gen::mapcat(gen_bytes(), [versions](std::string key) {
    return test::gen_record(std::move(key), versions, gen_bytes());
  });
}

// One generator per alternative of Body: adding a message without one here
// fails to compile, so the round-trip property always covers every message.
template <typename T>
rc::Gen<T> gen_message();
template <>
rc::Gen<WriteRequest> gen_message() {
  return rc::gen::build<WriteRequest>(rc::gen::set(&WriteRequest::request_id),
                                      rc::gen::set(&WriteRequest::record, gen_wire_record()),
                                      rc::gen::set(&WriteRequest::owner));
}
template <>
rc::Gen<WriteReply> gen_message() {
  return rc::gen::build<WriteReply>(rc::gen::set(&WriteReply::request_id), rc::gen::set(&WriteReply::ok),
                                    rc::gen::set(&WriteReply::error));
}
template <>
rc::Gen<ReadRequest> gen_message() {
  return rc::gen::build<ReadRequest>(rc::gen::set(&ReadRequest::request_id), rc::gen::set(&ReadRequest::key, gen_bytes()),
                                     rc::gen::set(&ReadRequest::digest_only));
}
template <>
rc::Gen<ReadReply> gen_message() {
  return rc::gen::build<ReadReply>(rc::gen::set(&ReadReply::request_id),
                                   rc::gen::set(&ReadReply::record, gen_optional(gen_wire_record())),
                                   rc::gen::set(&ReadReply::digest_only), rc::gen::set(&ReadReply::digest));
}
template <>
rc::Gen<Ping> gen_message() {
  return rc::gen::build<Ping>(rc::gen::set(&Ping::seq));
}
template <>
rc::Gen<Pong> gen_message() {
  return rc::gen::build<Pong>(rc::gen::set(&Pong::seq));
}
rc::Gen<MerkleTreeId> gen_tree_id() {
  using T = MerkleTreeId;
  return rc::gen::build<T>(rc::gen::set(&T::range_index), rc::gen::set(&T::left), rc::gen::set(&T::right),
                           rc::gen::set(&T::depth, rc::gen::inRange<uint32_t>(kMerkleDepthMin, kMerkleDepthMax + 1)));
}
template <>
rc::Gen<MerkleTreeRequest> gen_message() {
  using M = MerkleTreeRequest;
  return rc::gen::build<M>(rc::gen::set(&M::exchange_id), rc::gen::set(&M::tree, gen_tree_id()),
                           rc::gen::set(&M::level), rc::gen::set(&M::indices));
}
template <>
rc::Gen<MerkleTreeReply> gen_message() {
  using M = MerkleTreeReply;
  // A refusal may carry depth 0 (no tree); an answer carries its tree's depth.
  return rc::gen::mapcat(rc::gen::arbitrary<bool>(), [](bool ok) {
    return rc::gen::build<M>(rc::gen::set(&M::exchange_id), rc::gen::set(&M::ok, rc::gen::just(ok)),
                             rc::gen::set(&M::error), rc::gen::set(&M::hashes),
                             rc::gen::set(&M::depth, rc::gen::inRange<uint32_t>(ok ? kMerkleDepthMin : 0,
                                                                                 kMerkleDepthMax + 1)));
  });
}
rc::Gen<std::optional<SyncCursor>> gen_cursor() {
  return gen_optional(rc::gen::build<SyncCursor>(rc::gen::set(&SyncCursor::token), rc::gen::set(&SyncCursor::key, gen_bytes())));
}
template <>
rc::Gen<MerkleSync> gen_message() {
  using M = MerkleSync;
  return rc::gen::build<M>(rc::gen::set(&M::exchange_id), rc::gen::set(&M::tree, gen_tree_id()), rc::gen::set(&M::leaves),
                           rc::gen::set(&M::records, rc::gen::container<std::vector<Record>>(gen_wire_record())),
                           rc::gen::set(&M::after, gen_cursor()), rc::gen::set(&M::upto, gen_cursor()));
}
template <>
rc::Gen<MerkleSyncReply> gen_message() {
  using M = MerkleSyncReply;
  return rc::gen::build<M>(rc::gen::set(&M::exchange_id), rc::gen::set(&M::ok), rc::gen::set(&M::error),
                           rc::gen::set(&M::records, rc::gen::container<std::vector<Record>>(gen_wire_record())),
                           rc::gen::set(&M::upto, gen_cursor()));
}

template <size_t... I>
rc::Gen<Body> gen_body(std::index_sequence<I...>) {
  return rc::gen::oneOf(rc::gen::cast<Body>(gen_message<std::variant_alternative_t<I, Body>>())...);
}

rc::Gen<Envelope> gen_envelope() {
  return rc::gen::build<Envelope>(rc::gen::set(&Envelope::from, rc::gen::positive<NodeId>()),
                                  rc::gen::set(&Envelope::body, gen_body(std::make_index_sequence<std::variant_size_v<Body>>())));
}

std::string concat_frames(const std::vector<Envelope>& envs) {
  std::string bytes;
  for (const auto& e : envs) bytes += encode_frame(e);
  return bytes;
}

// A frame around an arbitrary body, for malformed input.
std::string frame_of(const std::string& body) {
  const uint32_t n = static_cast<uint32_t>(body.size());
  std::string out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                     static_cast<char>(n)};
  return out + body;
}

std::string msgpack_of(const json& j) {
  const auto bytes = json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

json wire_record_json() {
  return {{"k", "key"}, {"v", json::binary({'x'})}, {"ts", 5}, {"c", 1}, {"d", false}, {"dt", 0}};
}

// Decodes one frame that must be rejected, checks the reason, and checks the
// decoder stays poisoned even when a good frame follows.
void expect_bad_frame(const std::string& frame, std::string_view reason) {
  FrameDecoder dec;
  dec.feed(frame.data(), frame.size());
  Envelope env;
  ASSERT_EQ(dec.next(&env), Result::kBad) << "expected: " << reason;
  EXPECT_NE(dec.error().find(reason), std::string::npos) << "error '" << dec.error() << "' lacks '" << reason << "'";
  const std::string error = dec.error();
  const std::string good = encode_frame({1, Ping{1}});
  dec.feed(good.data(), good.size());
  EXPECT_EQ(dec.next(&env), Result::kBad);
  EXPECT_EQ(dec.error(), error);
}

RC_GTEST_PROP(Codec, EveryMessageRoundTrips, ()) {
  const Envelope env = *gen_envelope();
  const std::string frame = encode_frame(env);
  FrameDecoder dec;
  dec.feed(frame.data(), frame.size());
  Envelope back;
  RC_ASSERT(dec.next(&back) == Result::kGood);
  RC_ASSERT(back == env);
  RC_ASSERT(dec.buffered_bytes() == 0u);
  RC_ASSERT(dec.next(&back) == Result::kNeedMore);
  // local_deletion_time_ms is not part of Record's ==, but it travels.
  if (const auto* w = std::get_if<WriteRequest>(&env.body)) {
    RC_ASSERT(std::get<WriteRequest>(back.body).record.local_deletion_time_ms == w->record.local_deletion_time_ms);
  }
}

// The encoder is hand-written (core/msgpack.h); docs/protocol.md promises
// the bytes nlohmann's to_msgpack writes for the same map. Decoding with
// nlohmann and encoding again must give the frame's body back byte for byte.
RC_GTEST_PROP(Codec, BodiesAreWhatNlohmannWrites, ()) {
  const Envelope env = *gen_envelope();
  const std::string body = encode_frame(env).substr(4);
  RC_ASSERT(msgpack_of(json::from_msgpack(body)) == body);
}

RC_GTEST_PROP(Codec, FramesSurviveAnyChunking, ()) {
  const auto envs = *rc::gen::container<std::vector<Envelope>>(gen_envelope());
  const auto chunks = *rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(1, 40));
  std::vector<Envelope> back;
  FrameDecoder dec;
  RC_ASSERT(test::feed_in_chunks(&dec, concat_frames(envs), chunks, &back) == Result::kNeedMore);
  RC_ASSERT(back == envs);
  RC_ASSERT(dec.buffered_bytes() == 0u);
}

RC_GTEST_PROP(Codec, ArbitraryBytesNeverCrashTheDecoder, ()) {
  const std::string body = *gen_bytes();
  Envelope env;
  (void)decode_body(body, &env);
  FrameDecoder dec;
  dec.feed(body.data(), body.size());
  while (dec.next(&env) == Result::kGood) {
  }
}

// Valid bodies with a few bytes overwritten reach deep into the decoder
// (inside records, arrays, lengths that now overrun): never a crash, and
// anything accepted is structurally MessagePack nlohmann reads as well.
RC_GTEST_PROP(Codec, MutatedBodiesNeverCrashTheDecoder, ()) {
  std::string body = encode_frame(*gen_envelope()).substr(4);
  const auto edits = *rc::gen::container<std::vector<std::pair<size_t, char>>>(
      rc::gen::pair(rc::gen::arbitrary<size_t>(), rc::gen::arbitrary<char>()));
  for (const auto& [at, byte] : edits) body[at % body.size()] = byte;
  Envelope env;
  if (decode_body(body, &env)) {
    RC_ASSERT(!json::from_msgpack(body, true, false).is_discarded());
  }
}

TEST(Codec, FramesFedOneByteAtATime) {
  const std::vector<Envelope> envs = {
      {1, Ping{7}},
      {2, WriteRequest{9, Record{"k", std::string("\0\xff", 2), {1700000000000001, 2}, false, 0}}},
      {3, ReadReply{9, std::nullopt, true, 0xdeadbeef}},
      {3, ReadReply{10, Record{"k", "", {5, 3}, true, 1234}, false, 0}},
  };
  const std::string bytes = concat_frames(envs);
  FrameDecoder dec;
  std::vector<Envelope> back;
  for (size_t i = 0; i < bytes.size(); ++i) {
    dec.feed(&bytes[i], 1);
    Envelope env;
    const Result r = dec.next(&env);
    ASSERT_NE(r, Result::kBad) << dec.error();
    if (r == Result::kGood) back.push_back(env);
  }
  EXPECT_EQ(back, envs);
}

TEST(Codec, ManyFramesInOneBuffer) {
  // Enough bytes that the decoder compacts its buffer between frames.
  std::vector<Envelope> envs;
  for (uint64_t i = 0; i < 5000; ++i) envs.push_back({static_cast<NodeId>(1 + i % 5), Pong{i}});
  const std::string bytes = concat_frames(envs);
  FrameDecoder dec;
  std::vector<Envelope> back;
  const size_t half = bytes.size() / 2 + 3;  // mid-frame
  ASSERT_EQ(test::feed_in_chunks(&dec, bytes, {half}, &back), Result::kNeedMore);
  EXPECT_EQ(back, envs);
}

TEST(Codec, EmptyAndBinaryValuesAndTombstonesRoundTrip) {
  for (const Record& r : {Record{"k", "", {1, 1}, false, 0}, Record{"", std::string(1000, '\0'), {1, 1}, false, 0},
                          Record{"k", "", {1, 1}, true, 99}}) {
    const Envelope env{4, WriteRequest{1, r}};
    Envelope back;
    const std::string frame = encode_frame(env);
    ASSERT_TRUE(test::succeeds(decode_body(std::string_view(frame).substr(4), &back)));
    EXPECT_EQ(back, env);
  }
}

// docs/protocol.md lists these keys per message; keep the two in step.
TEST(Codec, BodyFieldsAreAsDocumented) {
  auto keys = [](const Envelope& env) {
    const std::string frame = encode_frame(env);
    const json j = json::from_msgpack(frame.substr(4));
    std::vector<std::string> out;
    for (const auto& [k, v] : j.items()) out.push_back(k);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys({1, WriteRequest{}}), (V{"from", "id", "r", "t"}));
  EXPECT_EQ(keys({1, WriteRequest{1, Record{}, 3}}), (V{"from", "id", "o", "r", "t"})) << "owner only when set";
  EXPECT_EQ(keys({1, WriteReply{}}), (V{"err", "from", "id", "ok", "t"}));
  EXPECT_EQ(keys({1, ReadRequest{}}), (V{"dg", "from", "id", "k", "t"}));
  EXPECT_EQ(keys({1, ReadReply{}}), (V{"dg", "from", "h", "id", "r", "t"}));
  EXPECT_EQ(keys({1, Ping{}}), (V{"from", "seq", "t"}));
  EXPECT_EQ(keys({1, Pong{}}), (V{"from", "seq", "t"}));
  EXPECT_EQ(keys({1, MerkleTreeRequest{}}), (V{"dp", "from", "id", "ix", "l", "lv", "r", "ri", "t"}));
  EXPECT_EQ(keys({1, MerkleTreeReply{}}), (V{"dp", "err", "from", "hs", "id", "ok", "t"}));
  EXPECT_EQ(keys({1, MerkleSync{}}), (V{"dp", "from", "id", "l", "lf", "r", "ri", "rs", "t"}));
  EXPECT_EQ(keys({1, MerkleSyncReply{}}), (V{"err", "from", "id", "ok", "rs", "t"}));
  MerkleSync paged;
  paged.after = SyncCursor{1, "a"};
  paged.upto = SyncCursor{2, "b"};
  EXPECT_EQ(keys({1, paged}), (V{"ak", "at", "dp", "from", "id", "l", "lf", "r", "ri", "rs", "t", "uk", "ut"}))
      << "cursors only when set";
  MerkleSyncReply paged_reply;
  paged_reply.upto = SyncCursor{2, "b"};
  EXPECT_EQ(keys({1, paged_reply}), (V{"err", "from", "id", "ok", "rs", "t", "uk", "ut"}));
  const json w = json::from_msgpack(encode_frame({1, WriteRequest{}}).substr(4));
  EXPECT_EQ(w["t"], "write");
  std::vector<std::string> record_keys;
  for (const auto& [k, v] : w["r"].items()) record_keys.push_back(k);
  EXPECT_EQ(record_keys, (V{"c", "d", "dt", "k", "ts", "v"}));
  EXPECT_TRUE(w["r"]["v"].is_binary());
}

// The example frame of docs/protocol.md, byte for byte.
TEST(Codec, PingFrameIsAsDocumented) {
  const std::string expected("\x00\x00\x00\x13\x83\xa4" "from" "\x01\xa3" "seq" "\x07\xa1t\xa4" "ping", 23);
  EXPECT_EQ(encode_frame({1, Ping{7}}), expected);
}

TEST(Codec, LengthPrefixIsFourBytesBigEndian) {
  const std::string frame = encode_frame({1, Ping{1}});
  const size_t n = frame.size() - 4;
  EXPECT_EQ(frame.substr(0, 4), (std::string{0, 0, static_cast<char>(n >> 8), static_cast<char>(n)}));
}

TEST(Codec, PartialFrameNeedsMore) {
  const std::string frame = encode_frame({1, Ping{1}});
  FrameDecoder dec;
  Envelope env;
  EXPECT_EQ(dec.next(&env), Result::kNeedMore);
  dec.feed(frame.data(), frame.size() - 1);
  EXPECT_EQ(dec.next(&env), Result::kNeedMore);
  EXPECT_EQ(dec.buffered_bytes(), frame.size() - 1);
  // A length of exactly the maximum is legal; the decoder just waits for it.
  FrameDecoder big;
  const std::string header = {0x01, 0x00, 0x00, 0x00};
  static_assert(kMaxFrameBytes == 0x01000000);
  big.feed(header.data(), header.size());
  EXPECT_EQ(big.next(&env), Result::kNeedMore);
}

TEST(Codec, OversizeLengthIsBad) {
  expect_bad_frame(std::string{0x01, 0x00, 0x00, 0x01}, "exceeds the maximum 16777216");
  expect_bad_frame(std::string{'\xff', '\xff', '\xff', '\xff'}, "frame length 4294967295");
}

TEST(Codec, GarbageIsBad) {
  expect_bad_frame(frame_of("\xc1"), "not valid MessagePack");  // 0xc1 is never used
  expect_bad_frame(frame_of(""), "not valid MessagePack");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", 1}, {"seq", 1}}) + "x"), "not valid MessagePack");
  expect_bad_frame(frame_of(msgpack_of(json::array({1, 2}))), "body is not a map");
}

TEST(Codec, MissingOrMistypedFieldsAreBad) {
  expect_bad_frame(frame_of(msgpack_of({{"from", 1}, {"seq", 1}})), "missing field 't'");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"seq", 1}})), "missing field 'from'");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", 1}})), "message 'ping': missing field 'seq'");
  expect_bad_frame(frame_of(msgpack_of({{"t", 7}, {"from", 1}})), "field 't' has the wrong type");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", "n1"}, {"seq", 1}})), "field 'from' has the wrong type");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", 1}, {"seq", "1"}})), "field 'seq' has the wrong type");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", 1}, {"seq", 1.5}})), "field 'seq' has the wrong type");
  expect_bad_frame(frame_of(msgpack_of({{"t", "write_reply"}, {"from", 1}, {"id", 1}, {"ok", 1}, {"err", ""}})),
                   "field 'ok' has the wrong type");
  expect_bad_frame(frame_of(msgpack_of({{"t", "read"}, {"from", 1}, {"id", -1}, {"k", "a"}, {"dg", false}})),
                   "field 'id' has the wrong type");
  json rec = wire_record_json();
  rec["v"] = "x";  // a string, not binary
  expect_bad_frame(frame_of(msgpack_of({{"t", "write"}, {"from", 1}, {"id", 1}, {"r", rec}})), "record field 'v'");
  expect_bad_frame(frame_of(msgpack_of({{"t", "write"}, {"from", 1}, {"id", 1}, {"r", 5}})), "record is not a map");
  expect_bad_frame(frame_of(msgpack_of({{"t", "write"}, {"from", 1}, {"id", 1}})), "message 'write': missing field 'r'");
}

// A depth a tree cannot have is a malformed frame naming the field, never
// an assertion further on: requests and answers carry 1..20, a refusal may
// carry 0.
TEST(Codec, MerkleDepthsOutsideTheTreeBoundsAreBad) {
  const json tree = {{"t", "merkle_tree"}, {"from", 1}, {"id", 1}, {"ri", 0}, {"l", 1}, {"r", 2}, {"lv", 0}, {"ix", {0}}};
  const json sync = {{"t", "merkle_sync"}, {"from", 1}, {"id", 1}, {"ri", 0}, {"l", 1}, {"r", 2}, {"lf", {0}},
                     {"rs", json::array()}};
  const json reply = {{"t", "merkle_tree_reply"}, {"from", 1}, {"id", 1}, {"ok", true}, {"err", ""}, {"hs", {5}}};
  for (const json& base : {tree, sync, reply}) {
    json m = base;
    expect_bad_frame(frame_of(msgpack_of(m)), "missing field 'dp'");
    for (int64_t bad : {0, kMerkleDepthMax + 1, 1000}) {
      m["dp"] = bad;
      expect_bad_frame(frame_of(msgpack_of(m)), "field 'dp' is " + std::to_string(bad) + ", not a tree depth");
    }
    m["dp"] = -1;
    expect_bad_frame(frame_of(msgpack_of(m)), "field 'dp' has the wrong type");
    for (int64_t good : {kMerkleDepthMin, kMerkleDepthMax}) {
      m["dp"] = good;
      Envelope env;
      EXPECT_TRUE(test::succeeds(decode_body(msgpack_of(m), &env))) << m.dump();
    }
  }
  json refusal = reply;
  refusal["ok"] = false;
  refusal["dp"] = 0;
  Envelope env;
  EXPECT_TRUE(test::succeeds(decode_body(msgpack_of(refusal), &env)));
  EXPECT_EQ(std::get<MerkleTreeReply>(env.body).depth, 0u);
  refusal["dp"] = kMerkleDepthMax + 1;
  expect_bad_frame(frame_of(msgpack_of(refusal)), "not a tree depth");
}

TEST(Codec, FromMustBeAValidNodeId) {
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", 0}, {"seq", 1}})), "field 'from' is 0");
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", -1}, {"seq", 1}})), "field 'from' has the wrong type");
  // Must not wrap around to node 1.
  expect_bad_frame(frame_of(msgpack_of({{"t", "ping"}, {"from", (uint64_t{1} << 32) + 1}, {"seq", 1}})),
                   "field 'from' has the wrong type");
}

// A sender may use any width for an integer and any string format; the
// decoder reads the value, not the encoding.
TEST(Codec, AnyIntegerAndStringWidthIsAccepted) {
  // {"from": uint32 1, "seq": uint64 7, "t": str8 "ping"}
  const std::string body("\x83\xa4" "from" "\xce\x00\x00\x00\x01" "\xa3" "seq" "\xcf\x00\x00\x00\x00\x00\x00\x00\x07"
                         "\xa1t" "\xd9\x04" "ping", 32);
  Envelope env;
  ASSERT_TRUE(test::succeeds(decode_body(body, &env)));
  EXPECT_EQ(env, (Envelope{1, Ping{7}}));
  // A non-negative integer in a signed format (int16 7) is an unsigned 7.
  const std::string signed_seq("\x83\xa4" "from" "\x01" "\xa3" "seq" "\xd1\x00\x07" "\xa1t" "\xa4" "ping", 21);
  ASSERT_TRUE(test::succeeds(decode_body(signed_seq, &env)));
  EXPECT_EQ(env, (Envelope{1, Ping{7}}));
}

TEST(Codec, NonStringKeysAndDeepNestingAreBad) {
  expect_bad_frame(frame_of(std::string("\x81\x01\x02", 3)), "body is not a map of string keys");
  json rec = wire_record_json();
  const std::string good = msgpack_of({{"t", "write"}, {"from", 1}, {"id", 1}, {"r", rec}});
  // The record map with an integer key 1 -> 2 added: six entries become seven.
  std::string record = msgpack_of(rec);
  ASSERT_EQ(static_cast<uint8_t>(record[0]), 0x86);
  record[0] = '\x87';
  record += std::string("\x01\x02", 2);
  expect_bad_frame(frame_of(msgpack_of({{"t", "write"}, {"from", 1}, {"id", 1}}).replace(0, 1, "\x84") + "\xa1r" + record),
                   "record has a key that is not a string");
  // A million nested arrays: rejected without recursing a million deep.
  const std::string deep = std::string(1000000, '\x91') + "\xc0";
  expect_bad_frame(frame_of(deep), "body is not a map");
  expect_bad_frame(frame_of(std::string(1000000, '\x91')), "not valid MessagePack");
}

TEST(Codec, UnknownTypeIsBad) {
  expect_bad_frame(frame_of(msgpack_of({{"t", "gossip"}, {"from", 1}})), "unknown message type 'gossip'");
}

TEST(Codec, TombstoneWithValueIsBad) {
  json rec = wire_record_json();
  rec["d"] = true;
  expect_bad_frame(frame_of(msgpack_of({{"t", "write"}, {"from", 1}, {"id", 1}, {"r", rec}})),
                   "tombstone carries a value");
  expect_bad_frame(frame_of(msgpack_of({{"t", "read_reply"}, {"from", 1}, {"id", 1}, {"r", rec}, {"dg", false}, {"h", 0}})),
                   "message 'read_reply': tombstone carries a value");
}

TEST(Codec, UnknownExtraFieldsAreIgnored) {
  Envelope env;
  ASSERT_TRUE(test::succeeds(decode_body(msgpack_of({{"t", "ping"}, {"from", 2}, {"seq", 3}, {"future", true}}), &env)));
  EXPECT_EQ(env, (Envelope{2, Ping{3}}));
}

TEST(Codec, MessageTypeNames) {
  EXPECT_EQ(message_type_name(WriteRequest{}), "write");
  EXPECT_EQ(message_type_name(WriteReply{}), "write_reply");
  EXPECT_EQ(message_type_name(ReadRequest{}), "read");
  EXPECT_EQ(message_type_name(ReadReply{}), "read_reply");
  EXPECT_EQ(message_type_name(Ping{}), "ping");
  EXPECT_EQ(message_type_name(Pong{}), "pong");
}

}  // namespace
}  // namespace faultline

namespace faultline {
namespace {

// Goal: a message over the frame limit is refused as a value; it
// used to abort the node (a SET of just over 16 MiB, or a hint holding one).
TEST(Codec, MessageOverTheFrameLimitIsRefusedNotAborted) {
  WriteRequest w;
  w.record = Record{"k", std::string(kMaxFrameBytes, 'x'), {1, 1}, false, 0};
  std::string frame = "stale";
  Status s = encode_frame({1, w}, &frame);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("above the frame limit"), std::string::npos) << s.message();
  EXPECT_TRUE(frame.empty());
}

// Goal: with a trailer expected (authenticated peer streams), every frame's
// trailer is checked before its body is decoded, and a bad one poisons the
// stream.
TEST(Codec, TrailerIsCheckedBeforeTheBodyIsDecoded) {
  const std::string frame = encode_frame({1, Ping{1}});
  FrameDecoder dec;
  std::vector<std::string> seen;
  dec.expect_trailer(2, [&](std::string_view f, std::string_view t) {
    seen.emplace_back(f);
    return t == "ok" ? Status::ok() : Status::invalid("bad trailer");
  });
  const std::string good = frame + "ok";
  dec.feed(good.data(), good.size() - 1);
  Envelope env;
  EXPECT_EQ(dec.next(&env), Result::kNeedMore) << "the trailer is part of the frame";
  dec.feed(good.data() + good.size() - 1, 1);
  EXPECT_EQ(dec.next(&env), Result::kGood);
  EXPECT_EQ(seen, std::vector<std::string>{frame});
  const std::string bad = frame + "no";
  dec.feed(bad.data(), bad.size());
  EXPECT_EQ(dec.next(&env), Result::kBad);
  EXPECT_EQ(dec.error(), "bad trailer");
}

}  // namespace
}  // namespace faultline
