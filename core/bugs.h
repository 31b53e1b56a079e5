// The seeded-bug catalogue (DESIGN.md "Seeded-bug catalogue"): one
// class of production bug per entry, re-introduced with
// `faultline-node --bug NAME` (or `faultline run --bug NAME`) in the mechanism
// where the real bug lived. Each switch site names its bug in a one-line
// comment; docs/bugzoo.md ("The bugs") says where each lives, what it does
// and which public reports it mirrors.
//
// Off by default and free when off: a Replica tests one bit of a BugSet.
#pragma once

#include <bitset>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace faultline {

enum class Bug : size_t {
  kBlockingRepairEarlyReply,     // blocking read repair replies before repair acks
  kDigestIgnoresVersion,         // digest ignores version or tombstone
  kAsyncRepairWhenBlocking,      // async repair when blocking was asked
  kHintDeletedBeforeAck,         // hint deleted before the target acknowledges
  kHintCountsTowardQuorum,       // hint counted toward QUORUM
  kHintReplayedAfterGcGrace,     // hint replayed after gc_grace
  kMerkleSkipsWraparound,        // Merkle exchange skips the wrap-around range
  kMerkleLeafOffByOne,           // Merkle leaf range off by one at its end
  kRepairSkipsTreeUpdate,        // repair does not update the tree
  kTombstonePurgedWhileDown,     // tombstone purged while a replica is down
  kEqualVersionsDiverge,         // equal versions resolved differently on different replicas
  kSloppyFallbackCountsPrimary,  // sloppy fallback counted as primary
  kCount
};

struct BugInfo {
  Bug bug;
  std::string_view name;  // the --bug NAME
  std::string_view what;  // one line, as DESIGN.md words it
};

// Every bug, in enum order.
std::span<const BugInfo> bug_catalogue();
std::optional<Bug> bug_from_name(std::string_view name);
std::string_view bug_name(Bug bug);

class BugSet {
 public:
  // Invalid, naming the first unknown name and listing the known ones.
  static Status parse(const std::vector<std::string>& names, BugSet* out);
  bool has(Bug bug) const { return bits_.test(static_cast<size_t>(bug)); }
  void add(Bug bug) { bits_.set(static_cast<size_t>(bug)); }
  bool empty() const { return bits_.none(); }

 private:
  std::bitset<static_cast<size_t>(Bug::kCount)> bits_;
};

}  // namespace faultline
