// Merkle trees of the records this node replicates, kept up to date on every
// store change (the hash spec is core/merkle_hash.h; the exchange protocol is
// node/anti_entropy.h).
//
// - MerkleTree: one ring range (left, right], 2^depth leaves, in one flat
//   heap-ordered array (node (level l, index i) at 2^l + i; leaves at level
//   depth). An update rewrites one leaf and rehashes its depth ancestors, with
//   no allocation.
// - MerkleTrees: a tree per ring range this node replicates.
// - TreeStore: a Store decorator. Every apply (client write, replica write,
//   repair, hint replay, exchange merge) and every purge passes through it and
//   updates the leaf of that record: subtract the old record hash, add the new.
//   rebuild() recomputes every tree from storage (restart).
//
// Memory: a tree holds 2^(depth+1) u64, 16 KiB at depth 10, 16 MiB at the
// maximum depth 20, allocated when the trees are built.
//
// Thread-safety: none; the node's event loop owns all of it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/bugs.h"
#include "core/merkle_hash.h"
#include "core/node_config.h"
#include "core/ring.h"
#include "node/env.h"

namespace faultline {

class MerkleTree {
 public:
  // `bugs`: seeded bugs (core/bugs.h); empty in every real deployment.
  MerkleTree(TokenRange range, int depth, BugSet bugs = {});

  const TokenRange& range() const { return range_; }
  int depth() const { return depth_; }
  uint64_t leaf_count() const { return uint64_t{1} << depth_; }
  uint64_t root() const { return nodes_[1]; }
  // Hash of node `index` (0 .. 2^level - 1) at `level` (0 = root .. depth).
  uint64_t hash(int level, uint64_t index) const;

  size_t leaf_of(Token t) const {
    // Seeded bug merkle-leaf-off-by-one (docs/bugzoo.md).
    return bugs_.has(Bug::kMerkleLeafOffByOne) ? leaf_off_by_one(t) : merkle_leaf_index(range_, t, depth_);
  }
  // Leaf hashes are sums: adding and subtracting record hashes commute.
  void add(Token t, uint64_t record_hash);
  void subtract(Token t, uint64_t record_hash);
  void clear();

  // The tokens of `leaf` as at most two non-wrapping inclusive intervals
  // (two when the leaf straddles token 2^64 - 1); none when the range has
  // fewer tokens than leaves and this leaf holds none.
  std::vector<std::pair<Token, Token>> leaf_tokens(uint64_t leaf) const;

 private:
  void set_leaf(size_t leaf, uint64_t value);
  size_t leaf_off_by_one(Token t) const;

  TokenRange range_;
  int depth_;
  BugSet bugs_;
  std::vector<uint64_t> nodes_;  // size 2^(depth+1); nodes_[0] unused
};

class MerkleTrees {
 public:
  // A tree for every range of ring.ranges() whose replicas include `self`.
  MerkleTrees(const Ring& ring, NodeId self, int depth, BugSet bugs = {});

  int depth() const { return depth_; }
  // Indices into ring.ranges() of the replicated ranges, ascending.
  const std::vector<size_t>& range_indices() const { return range_indices_; }
  // Null when this node does not replicate range `range_index`.
  MerkleTree* tree(size_t range_index);
  const MerkleTree* tree(size_t range_index) const;
  const Ring& ring() const { return ring_; }

  // A record changed from `before` to `after` (either may be missing).
  void replace(const std::optional<Record>& before, const std::optional<Record>& after);
  void clear();

 private:
  MerkleTree* tree_for(const Record& r);

  const Ring ring_;
  const int depth_;
  const BugSet bugs_;  // seeded bugs (core/bugs.h), passed to every tree
  std::vector<size_t> range_indices_;
  std::vector<std::unique_ptr<MerkleTree>> trees_;  // by ring range index; null when not replicated
};

// Forwards to `inner` (not owned, must outlive it) and keeps `trees` (owned;
// null: anti-entropy off, a plain pass-through) in step with it.
// When Store grows a method, forward it here too.
class TreeStore final : public Store {
 public:
  TreeStore(Store* inner, std::unique_ptr<MerkleTrees> trees);

  // Null when anti-entropy is off.
  MerkleTrees* trees() { return trees_.get(); }
  const MerkleTrees* trees() const { return trees_.get(); }
  // Recomputes every tree from storage (one scan in token order).
  Status rebuild();
  // The records in `leaves` of `tree`, in leaf order.
  Status for_each_in_leaves(const MerkleTree& tree, const std::vector<uint64_t>& leaves,
                            const std::function<void(const Record&)>& fn);

  Status get(std::string_view key, std::optional<Record>* out) override { return inner_->get(key, out); }
  Status apply(const Record& r, bool* changed = nullptr, std::optional<Record>* replaced = nullptr) override;
  Status for_each(const std::function<void(const Record&)>& fn) override { return inner_->for_each(fn); }
  int64_t count() override { return inner_->count(); }
  Status for_each_in_tokens(Token first, Token last, const std::function<void(const Record&)>& fn) override {
    return inner_->for_each_in_tokens(first, last, fn);
  }
  Status purge(const Record& expected, bool* removed = nullptr) override;
  Status put_hint(const Hint& h) override { return inner_->put_hint(h); }
  Status delete_hint(uint64_t seq) override { return inner_->delete_hint(seq); }
  Status for_each_hint(const std::function<void(const Hint&)>& fn) override { return inner_->for_each_hint(fn); }

 private:
  Store* const inner_;
  const std::unique_ptr<MerkleTrees> trees_;
};

// The trees a node with `config` keeps: null when anti-entropy is off.
std::unique_ptr<MerkleTrees> make_merkle_trees(const NodeConfig& config);

}  // namespace faultline
