#include "core/bugs.h"

#include <array>

namespace faultline {
namespace {

constexpr std::array<BugInfo, static_cast<size_t>(Bug::kCount)> kCatalogue{{
    {Bug::kBlockingRepairEarlyReply, "blocking-repair-early-reply", "blocking read repair replies before repair acks"},
    {Bug::kDigestIgnoresVersion, "digest-ignores-version", "digest ignores version or tombstone"},
    {Bug::kAsyncRepairWhenBlocking, "async-repair-when-blocking", "async repair when blocking was asked"},
    {Bug::kHintDeletedBeforeAck, "hint-deleted-before-ack", "hint deleted before the target acknowledges"},
    {Bug::kHintCountsTowardQuorum, "hint-counts-toward-quorum", "hint counted toward QUORUM"},
    {Bug::kHintReplayedAfterGcGrace, "hint-replayed-after-gc-grace", "hint replayed after gc_grace"},
    {Bug::kMerkleSkipsWraparound, "merkle-skips-wraparound", "Merkle exchange skips the wrap-around range"},
    {Bug::kMerkleLeafOffByOne, "merkle-leaf-off-by-one", "Merkle leaf range off by one at its end"},
    {Bug::kRepairSkipsTreeUpdate, "repair-skips-tree-update", "repair does not update the tree"},
    {Bug::kTombstonePurgedWhileDown, "tombstone-purged-while-down", "tombstone purged while a replica is down"},
    {Bug::kEqualVersionsDiverge, "equal-versions-diverge",
     "equal versions resolved differently on different replicas"},
    {Bug::kSloppyFallbackCountsPrimary, "sloppy-fallback-counts-primary", "sloppy fallback counted as primary"},
}};

}  // namespace

std::span<const BugInfo> bug_catalogue() { return kCatalogue; }

std::optional<Bug> bug_from_name(std::string_view name) {
  for (const BugInfo& b : kCatalogue) {
    if (b.name == name) return b.bug;
  }
  return std::nullopt;
}

std::string_view bug_name(Bug bug) { return kCatalogue[static_cast<size_t>(bug)].name; }

Status BugSet::parse(const std::vector<std::string>& names, BugSet* out) {
  BugSet set;
  for (const std::string& n : names) {
    std::optional<Bug> b = bug_from_name(n);
    if (!b) {
      std::string known;
      for (const BugInfo& i : kCatalogue) known += (known.empty() ? "" : ", ") + std::string(i.name);
      return Status::invalid("unknown seeded bug '" + n + "' (known: " + known + ")");
    }
    set.add(*b);
  }
  *out = set;
  return Status::ok();
}

}  // namespace faultline
