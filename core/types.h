// Keys, tokens, versions, records and consistency levels: the vocabulary every
// part of faultline shares.
//
// Invariants:
// - A Version is (timestamp_us, coordinator_id), compared lexicographically.
// - LWW: the record with the greater version wins; at an equal version a
//   tombstone beats a value, and between two values (or two tombstones) the
//   greater value bytes win, so merge is commutative, associative and
//   idempotent and every replica resolves a tie the same way.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace faultline {

using NodeId = uint32_t;  // 1..N; printed as "n<id>"
using Token = uint64_t;   // position on the ring: 64-bit xxHash of the key

std::string node_name(NodeId id);                       // 3 -> "n3"
Status parse_node_name(std::string_view s, NodeId* out);  // "n3" -> 3

Token token_of(std::string_view key);

// `s` with CR, LF and every other control byte (and DEL) written as \xNN,
// and a backslash as \\, so that bytes from a client or peer can go into an
// error reply or a log line without starting a new reply or line.
std::string escape_control(std::string_view s);

struct Version {
  int64_t timestamp_us = 0;
  NodeId coordinator_id = 0;

  auto operator<=>(const Version&) const = default;
  bool operator==(const Version&) const = default;
  bool is_zero() const { return timestamp_us == 0 && coordinator_id == 0; }
  std::string to_string() const;  // "[1700000000123456,2]"
};

struct Record {
  std::string key;
  std::string value;  // empty for a tombstone
  Version version;
  bool tombstone = false;
  // Milliseconds of the local realtime clock when the tombstone was written;
  // used only for gc_grace purges, not part of the digest.
  int64_t local_deletion_time_ms = 0;

  bool operator==(const Record& o) const {
    return key == o.key && value == o.value && version == o.version &&
           tombstone == o.tombstone;
  }
};

// True when `a` wins over `b` under last-write-wins (see invariants above).
bool lww_wins(const Record& a, const Record& b);
// The winner of a and b; a missing record always loses.
const Record& lww_merge(const Record& a, const Record& b);
std::optional<Record> lww_merge(const std::optional<Record>& a,
                                const std::optional<Record>& b);

// Digest of what a read returns: value, version and tombstone flag (a missing
// record has its own digest). Used by digest reads and Merkle leaves.
uint64_t record_digest(const std::optional<Record>& r);

enum class ConsistencyLevel { kAny, kOne, kTwo, kQuorum, kAll };

std::string_view to_string(ConsistencyLevel cl);
Status parse_consistency_level(std::string_view s, ConsistencyLevel* out);
// Acknowledgements the coordinator needs for `cl` with replication factor rf.
// ANY needs one acknowledgement from anyone, a stored hint included.
int required_acks(ConsistencyLevel cl, int rf);

}  // namespace faultline
