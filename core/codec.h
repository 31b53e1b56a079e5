// Peer protocol: the messages replicas exchange and their wire format.
//
// Wire format (docs/protocol.md): a frame is a 4-byte big-endian body length
// followed by that many bytes of MessagePack (core/msgpack.h; the same bytes as
// nlohmann's to_msgpack of the same map). The body
// is a map: {"t": <type name>, "from": <node id>, ...fields of the type}.
// A frame longer than kMaxFrameBytes, a body that is not valid MessagePack, or
// a body whose fields do not match its type is malformed: the decoder reports
// kBad with a reason and the connection is closed by its owner.
//
// Adding a message: add a struct, add it to Body, and extend encode/decode in
// codec.cpp. The round-trip property test covers every alternative of Body.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/message_leg.h"
#include "core/types.h"

namespace faultline {

inline constexpr uint32_t kMaxFrameBytes = 16 * 1024 * 1024;

// Coordinator -> replica: store this record (LWW merge with what is there).
// `owner` (sloppy quorum) is nonzero when the receiver is a fallback: it then
// keeps the record for that intended owner and hands it back later. On the
// wire "o" is present only when nonzero.
struct WriteRequest {
  uint64_t request_id = 0;
  Record record;
  NodeId owner = 0;
  bool operator==(const WriteRequest&) const = default;
};

// Replica -> coordinator.
struct WriteReply {
  uint64_t request_id = 0;
  bool ok = false;
  std::string error;
  bool operator==(const WriteReply&) const = default;
};

// Coordinator -> replica: what do you hold for key? With digest_only the
// replica answers with record_digest() instead of the record.
struct ReadRequest {
  uint64_t request_id = 0;
  std::string key;
  bool digest_only = false;
  bool operator==(const ReadRequest&) const = default;
};

// Replica -> coordinator. `record` is empty when the replica holds nothing.
struct ReadReply {
  uint64_t request_id = 0;
  std::optional<Record> record;
  bool digest_only = false;
  uint64_t digest = 0;
  bool operator==(const ReadReply&) const = default;
};

// Failure detector heartbeat and its answer.
struct Ping {
  uint64_t seq = 0;
  bool operator==(const Ping&) const = default;
};
struct Pong {
  uint64_t seq = 0;
  bool operator==(const Pong&) const = default;
};

// Merkle-tree anti-entropy (node/anti_entropy.h, docs/protocol.md). Every
// request names the range it means, so a responder whose ring differs
// answers ok=false instead of comparing apples with pears. Each side sizes
// its own tree from its own key count, so the two depths may differ: trees
// are compared through their node sums, which fold exactly
// (core/merkle_hash.h), at the smaller of the two depths. Responders keep no
// state between requests.
//
// Which tree a request means: ring range index, its bounds and a depth
// (merkle_tree: the sender's tree depth; merkle_sync: the depth the leaf
// indices are numbered at, the exchange's compare depth). On the wire its
// fields are flat in the message ("ri", "l", "r", "dp"); a "dp" outside
// kMerkleDepthMin..kMerkleDepthMax makes the frame malformed.
struct MerkleTreeId {
  uint32_t range_index = 0;
  Token left = 0;
  Token right = 0;
  uint32_t depth = 1;
  bool operator==(const MerkleTreeId&) const = default;
};

// Initiator -> replica: the node sums of tree nodes `indices` at `level`
// (0 = root; a node at level l has index 0 .. 2^l - 1), which must not be
// deeper than either tree.
struct MerkleTreeRequest {
  uint64_t exchange_id = 0;
  MerkleTreeId tree;
  uint32_t level = 0;
  std::vector<uint64_t> indices;
  bool operator==(const MerkleTreeRequest&) const = default;
};

// Replica -> initiator: hashes[i] is the sum of indices[i] of the request;
// `depth` ("dp") is the replica's tree depth (kMerkleDepthMin..Max; 0 only
// in a refusal from a node without that tree).
struct MerkleTreeReply {
  uint64_t exchange_id = 0;
  bool ok = false;
  std::string error;
  std::vector<uint64_t> hashes;
  uint32_t depth = 0;
  bool operator==(const MerkleTreeReply&) const = default;
};

// Initiator -> replica: the initiator's records in `leaves` (one page of the
// differing leaves). The replica answers with those of its own records in
// those leaves (read before it merges the ones it was sent) that win over, or
// are missing from, what it was sent.
//
// A page is bounded in bytes, so the records of its leaves may take several
// requests: records are ordered by (position of their token in the range,
// key), and a request covers those after `after` (absent: from the start)
// up to and including `upto` (absent: to the end of the leaves). The reply
// covers the same span, or stops earlier at its own `upto` when its records
// would exceed the budget; the initiator then asks again from there. On the
// wire a cursor is two fields, present only when set: "at"/"ak" (after),
// "ut"/"uk" (upto): token and key.
struct SyncCursor {
  Token token = 0;
  std::string key;
  bool operator==(const SyncCursor&) const = default;
};

struct MerkleSync {
  uint64_t exchange_id = 0;
  MerkleTreeId tree;
  std::vector<uint64_t> leaves;
  std::vector<Record> records;
  std::optional<SyncCursor> after;
  std::optional<SyncCursor> upto;
  bool operator==(const MerkleSync&) const = default;
};

struct MerkleSyncReply {
  uint64_t exchange_id = 0;
  bool ok = false;
  std::string error;
  std::vector<Record> records;
  std::optional<SyncCursor> upto;
  bool operator==(const MerkleSyncReply&) const = default;
};

using Body = std::variant<WriteRequest, WriteReply, ReadRequest, ReadReply, Ping, Pong, MerkleTreeRequest,
                          MerkleTreeReply, MerkleSync, MerkleSyncReply>;

struct Envelope {
  NodeId from = 0;
  Body body;
  bool operator==(const Envelope&) const = default;
};

std::string_view message_type_name(const Body& body);
// Which WARS leg the message is (core/message_leg.h): WriteRequest write,
// WriteReply ack, ReadRequest read, ReadReply response, the rest other.
MessageLeg message_leg(const Body& body);

// A complete frame: length prefix and body. A body longer than
// kMaxFrameBytes is refused (invalid), never sent: the node reports such a
// message as undeliverable instead of aborting.
Status encode_frame(const Envelope& env, std::string* out);
// For callers whose messages are within the limits by construction (tests,
// benchmarks, the simulator): asserts that encoding succeeded.
std::string encode_frame(const Envelope& env);

// Incremental frame parser: no I/O, answers good / bad / need-more (as Asio's
// HTTP example parser does). Feed it bytes as they arrive.
class FrameDecoder {
 public:
  enum class Result { kGood, kNeedMore, kBad };

  // Authenticated streams (node/peer_auth.h): every frame is followed by
  // `bytes` of trailer that `check` must accept, given the frame (length
  // prefix and body) and the trailer, before the body is decoded.
  using TrailerCheck = std::function<Status(std::string_view frame, std::string_view trailer)>;
  void expect_trailer(size_t bytes, TrailerCheck check) {
    trailer_bytes_ = bytes;
    check_ = std::move(check);
  }

  void feed(const char* data, size_t n) { buffer_.append(data, n); }
  // kGood: *out holds the next message. kBad: error() says why; the decoder
  // is then poisoned and keeps answering kBad.
  Result next(Envelope* out);
  const std::string& error() const { return error_; }
  size_t buffered_bytes() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
  std::string error_;
  size_t trailer_bytes_ = 0;
  TrailerCheck check_;
};

// Decode one body (without the length prefix). Exposed for tests and fuzzing.
Status decode_body(std::string_view bytes, Envelope* out);

}  // namespace faultline
