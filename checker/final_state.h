// FinalState: what the cluster holds after quiesce, from final/<node>.json.
// Per key, the last-write-wins merge over every node's dump (what a perfect
// anti-entropy round would converge to) and which node holds which record, so
// a witness can say where a write went missing.
//
// Memory: O(keys x nodes); loaded before the history is streamed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/node_dump.h"
#include "core/plan.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

struct KeyFinalState {
  std::optional<Record> merged;  // absent: no node holds the key (or its tombstone)
  std::vector<std::pair<std::string, Record>> holders;  // (node, record), dump order
};

class FinalState {
 public:
  // Merges `dumps`; a later dump never changes what an earlier one merged
  // except through lww_merge, so the order of dumps does not matter.
  static FinalState from_dumps(const std::vector<NodeDump>& dumps);
  // Reads every final/*.json under `run_dir`. Missing or empty final/, an
  // unreadable dump, a dump of a node the plan does not have, a record
  // whose version names a coordinator the plan does not have, or a node of
  // the plan without its dump is an error naming the file (a partial final
  // state would turn a node's missing dump into lost writes).
  static Status load(const std::string& run_dir, const Plan& plan, FinalState* out);
  // What load() does with files already in memory: `files` maps each
  // final/<node>.json's path (as errors name it) to its text, in the order
  // load() reads them (sorted by path); `dir` is final/'s path, for the
  // errors about missing dumps.
  static Status load_texts(const std::string& dir, const std::vector<std::pair<std::string, std::string_view>>& files,
                           const Plan& plan, FinalState* out);

  // Null when no node holds the key.
  const KeyFinalState* find(const std::string& key) const;
  const std::vector<std::string>& nodes() const { return nodes_; }
  // Every key any node holds, with what it holds.
  const std::unordered_map<std::string, KeyFinalState>& keys() const { return keys_; }
  // The node's dumped Merkle roots (absent when it reported null, as with
  // anti-entropy off, or was not dumped) and its pending hints (none for a
  // node not dumped).
  const std::optional<std::vector<RangeRoot>>& merkle_roots(const std::string& node) const;
  const std::vector<PendingHint>& hints(const std::string& node) const;

 private:
  struct NodeExtras {
    std::optional<std::vector<RangeRoot>> merkle_roots;
    std::vector<PendingHint> hints;
  };

  std::unordered_map<std::string, KeyFinalState> keys_;
  std::vector<std::string> nodes_;
  std::unordered_map<std::string, NodeExtras> extras_;
};

}  // namespace faultline
