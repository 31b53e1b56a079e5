// Merkle trees of the records this node replicates, kept up to date on every
// store change (the hash spec is core/merkle_hash.h; the exchange protocol is
// node/anti_entropy.h).
//
// - MerkleTree: one ring range (left, right], 2^depth leaves, in two flat
//   heap-ordered arrays (node (level l, index i) at 2^l + i; leaves at level
//   depth): the hashes (leaf sums, XXH64 inner hashes: the root) and the
//   inner sums (what exchanges compare, exact across depths). An update
//   rewrites one leaf and both of its depth ancestors' values, with no
//   allocation. It counts the records it covers.
// - MerkleTrees: a tree per ring range this node replicates, each sized from
//   its own key count (merkle_depth_for_keys), at most depth_max(): the
//   configured merkle_depth, lowered so that all trees together stay within
//   kMerkleTreesBytesMax.
// - TreeStore: a Store decorator. Every apply (client write, replica write,
//   repair, hint replay, exchange merge) and every purge passes through it and
//   updates the leaf of that record: subtract the old record hash, add the new.
//   rebuild() recomputes every tree from storage (restart); fit() resizes one
//   tree whose key count has left its depth's band (anti-entropy calls it
//   before an exchange uses the tree, on either side, so writes never pay
//   for a resize).
//
// Memory: a tree of depth d holds 3 x 2^d u64 (merkle_tree_bytes): 24 KiB at
// depth 10, 24 MiB at the maximum depth 20; sized to the data, so a range of
// n keys costs about 24 to 48 bytes per key.
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

// All the trees of one node together stay within this (MerkleTrees::depth_max).
inline constexpr size_t kMerkleTreesBytesMax = size_t{128} << 20;

// The bytes of one tree of `depth`.
constexpr size_t merkle_tree_bytes(int depth) { return size_t{3} * sizeof(uint64_t) << depth; }

class MerkleTree {
 public:
  // `bugs`: seeded bugs (core/bugs.h); empty in every real deployment.
  MerkleTree(TokenRange range, int depth, BugSet bugs = {});

  const TokenRange& range() const { return range_; }
  int depth() const { return depth_; }
  BugSet bugs() const { return bugs_; }
  uint64_t leaf_count() const { return uint64_t{1} << depth_; }
  // The records added and not subtracted since the last clear.
  uint64_t keys() const { return keys_; }
  uint64_t root() const { return nodes_[1]; }
  // Hash of node `index` (0 .. 2^level - 1) at `level` (0 = root .. depth).
  uint64_t hash(int level, uint64_t index) const;
  // The sum of the record hashes under that node: what exchanges compare.
  uint64_t sum(int level, uint64_t index) const;

  size_t leaf_of(Token t) const {
    // Seeded bug merkle-leaf-off-by-one (docs/bugzoo.md).
    return bugs_.has(Bug::kMerkleLeafOffByOne) ? leaf_off_by_one(t) : merkle_leaf_index(range_, t, depth_);
  }
  // Leaf hashes are sums: adding and subtracting record hashes commute.
  void add(Token t, uint64_t record_hash);
  void subtract(Token t, uint64_t record_hash);
  // Empties the tree (keys() = 0), keeping its depth.
  void clear();
  // Empties the tree and gives it 2^depth leaves.
  void reset(int depth);
  // Makes this the tree of 2^depth leaves (depth < depth()) over the same
  // records, without reading them: the new leaf i is sum(depth, i).
  void fold_to(int depth);

 private:
  void set_leaf(size_t leaf, uint64_t value);
  // Recomputes every inner hash and sum from the leaves.
  void rehash();
  size_t leaf_off_by_one(Token t) const;

  TokenRange range_;
  int depth_;
  BugSet bugs_;
  std::vector<uint64_t> nodes_;  // size 2^(depth+1); nodes_[0] unused
  std::vector<uint64_t> sums_;   // size 2^depth: inner sums (leaf sums are in nodes_); sums_[0] unused
  uint64_t keys_ = 0;
};

class MerkleTrees {
 public:
  // A tree for every range of ring.ranges() whose replicas include `self`,
  // each of depth kMerkleDepthMin until sized (TreeStore::rebuild, fit).
  // `depth_max`: the configured maximum (modes.merkle_depth).
  MerkleTrees(const Ring& ring, NodeId self, int depth_max, BugSet bugs = {});

  // The configured maximum, lowered until every tree at this depth fits in
  // kMerkleTreesBytesMax.
  int depth_max() const { return depth_max_; }
  // The depth `t` should have for its key count: merkle_depth_for_keys when
  // that is deeper than t, or two or more levels shallower (a band, so that
  // a count going up and down across a power of two does not resize each
  // time); else t's own depth.
  int fitting_depth(const MerkleTree& t) const;
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
  const int depth_max_;
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
  // Recomputes every tree from storage and sizes it (one scan in token
  // order, then one per range that needs more than kMerkleDepthMin).
  Status rebuild();
  // Resizes the tree of range `range_index` (which must have one) to its
  // fitting_depth: a shallower tree folds (no reads), a deeper one is built
  // from a scan of the range and replaces the old only when the scan
  // succeeded (on error the old tree stays, correct at its old depth).
  Status fit(size_t range_index);
  // The records in `leaves` of the tree of `range` with 2^depth leaves, in
  // leaf order (any depth: the two sides of an exchange may hold different
  // ones).
  Status for_each_in_leaves(const TokenRange& range, int depth, const std::vector<uint64_t>& leaves,
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
