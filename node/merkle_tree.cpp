#include "node/merkle_tree.h"

#include <algorithm>

#include "core/assert.h"

namespace faultline {

namespace {
__extension__ typedef unsigned __int128 U128;
}  // namespace

MerkleTree::MerkleTree(TokenRange range, int depth, BugSet bugs) : range_(range), depth_(depth), bugs_(bugs) {
  reset(depth);
}

void MerkleTree::reset(int depth) {
  FL_ASSERT(depth >= kMerkleDepthMin);
  FL_ASSERT(depth <= kMerkleDepthMax);
  depth_ = depth;
  nodes_.assign(size_t{2} << depth, 0);
  sums_.assign(size_t{1} << depth, 0);
  nodes_.shrink_to_fit();
  sums_.shrink_to_fit();
  clear();
}

void MerkleTree::clear() {
  const size_t leaves = size_t{1} << depth_;
  std::fill(nodes_.begin() + static_cast<ptrdiff_t>(leaves), nodes_.end(), 0);
  keys_ = 0;
  rehash();
}

void MerkleTree::rehash() {
  const size_t leaves = size_t{1} << depth_;
  for (size_t i = leaves - 1; i >= 1; --i) {
    nodes_[i] = merkle_inner_hash(nodes_[2 * i], nodes_[2 * i + 1]);
    sums_[i] = (2 * i < leaves ? sums_[2 * i] + sums_[2 * i + 1] : nodes_[2 * i] + nodes_[2 * i + 1]);
  }
}

void MerkleTree::fold_to(int depth) {
  FL_ASSERT(depth >= kMerkleDepthMin);
  FL_ASSERT(depth < depth_);
  std::vector<uint64_t> leaves(size_t{1} << depth);
  for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = sum(depth, i);
  const uint64_t keys = keys_;
  reset(depth);
  std::copy(leaves.begin(), leaves.end(), nodes_.begin() + static_cast<ptrdiff_t>(leaves.size()));
  keys_ = keys;
  rehash();
}

uint64_t MerkleTree::hash(int level, uint64_t index) const {
  FL_ASSERT(level >= 0);
  FL_ASSERT(level <= depth_);
  FL_ASSERT(index < (uint64_t{1} << level));
  return nodes_[(size_t{1} << level) + index];
}

uint64_t MerkleTree::sum(int level, uint64_t index) const {
  FL_ASSERT(level >= 0);
  FL_ASSERT(level <= depth_);
  FL_ASSERT(index < (uint64_t{1} << level));
  const size_t i = (size_t{1} << level) + index;
  return level == depth_ ? nodes_[i] : sums_[i];
}

void MerkleTree::set_leaf(size_t leaf, uint64_t value) {
  size_t i = (size_t{1} << depth_) + leaf;
  nodes_[i] = value;
  i /= 2;
  if (i >= 1) {
    nodes_[i] = merkle_inner_hash(nodes_[2 * i], nodes_[2 * i + 1]);
    sums_[i] = nodes_[2 * i] + nodes_[2 * i + 1];
  }
  for (i /= 2; i >= 1; i /= 2) {
    nodes_[i] = merkle_inner_hash(nodes_[2 * i], nodes_[2 * i + 1]);
    sums_[i] = sums_[2 * i] + sums_[2 * i + 1];
  }
}

void MerkleTree::add(Token t, uint64_t record_hash) {
  const size_t leaf = leaf_of(t);
  set_leaf(leaf, nodes_[(size_t{1} << depth_) + leaf] + record_hash);
  ++keys_;
}

void MerkleTree::subtract(Token t, uint64_t record_hash) {
  const size_t leaf = leaf_of(t);
  set_leaf(leaf, nodes_[(size_t{1} << depth_) + leaf] - record_hash);
  --keys_;
}

// Seeded bug merkle-leaf-off-by-one (docs/bugzoo.md).
size_t MerkleTree::leaf_off_by_one(Token t) const {
  FL_ASSERT(range_.contains(t));
  const uint64_t offset = t - range_.left - 1;  // mod 2^64
  const U128 size = range_.left == range_.right ? (U128(1) << 64) : U128(range_.right - range_.left);
  return static_cast<size_t>((U128(offset) * ((U128(1) << depth_) - 1)) / size);
}

namespace {

// The deepest depth <= depth_max at which `trees` trees fit in kMerkleTreesBytesMax.
int depth_max_for_memory(int depth_max, size_t trees) {
  FL_ASSERT(depth_max >= kMerkleDepthMin);
  FL_ASSERT(depth_max <= kMerkleDepthMax);
  int depth = depth_max;
  while (depth > kMerkleDepthMin && trees * merkle_tree_bytes(depth) > kMerkleTreesBytesMax) --depth;
  return depth;
}

size_t replicated_ranges(const Ring& ring, NodeId self) {
  size_t n = 0;
  for (size_t i = 0; i < ring.ranges().size(); ++i) {
    const std::vector<NodeId> replicas = ring.replicas_of_range(i);
    n += std::find(replicas.begin(), replicas.end(), self) != replicas.end() ? 1 : 0;
  }
  return n;
}

}  // namespace

MerkleTrees::MerkleTrees(const Ring& ring, NodeId self, int depth_max, BugSet bugs)
    : ring_(ring), depth_max_(depth_max_for_memory(depth_max, replicated_ranges(ring, self))), bugs_(bugs) {
  const std::vector<TokenRange> ranges = ring_.ranges();
  trees_.resize(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    const std::vector<NodeId> replicas = ring_.replicas_of_range(i);
    if (std::find(replicas.begin(), replicas.end(), self) == replicas.end()) continue;
    range_indices_.push_back(i);
    trees_[i] = std::make_unique<MerkleTree>(ranges[i], kMerkleDepthMin, bugs_);
  }
}

int MerkleTrees::fitting_depth(const MerkleTree& t) const {
  const int wanted = merkle_depth_for_keys(t.keys(), depth_max_);
  return wanted > t.depth() || wanted + 1 < t.depth() ? wanted : t.depth();
}

MerkleTree* MerkleTrees::tree(size_t range_index) {
  return range_index < trees_.size() ? trees_[range_index].get() : nullptr;
}

const MerkleTree* MerkleTrees::tree(size_t range_index) const {
  return range_index < trees_.size() ? trees_[range_index].get() : nullptr;
}

MerkleTree* MerkleTrees::tree_for(const Record& r) { return tree(ring_.range_index(token_of(r.key))); }

void MerkleTrees::replace(const std::optional<Record>& before, const std::optional<Record>& after) {
  // A node stores only keys it replicates, but a stray record (a ring change,
  // a bug elsewhere) must not crash it: records outside every tree are not
  // covered by anti-entropy.
  if (before) {
    if (MerkleTree* t = tree_for(*before)) t->subtract(token_of(before->key), merkle_record_hash(*before));
  }
  if (after) {
    if (MerkleTree* t = tree_for(*after)) t->add(token_of(after->key), merkle_record_hash(*after));
  }
}

void MerkleTrees::clear() {
  for (size_t i : range_indices_) trees_[i]->clear();
}

std::unique_ptr<MerkleTrees> make_merkle_trees(const NodeConfig& config) {
  if (!config.modes.anti_entropy) return nullptr;
  return std::make_unique<MerkleTrees>(Ring(config.ring_nodes(), config.vnodes, config.rf), config.id,
                                       config.modes.merkle_depth, config.bug_set());
}

TreeStore::TreeStore(Store* inner, std::unique_ptr<MerkleTrees> trees) : inner_(inner), trees_(std::move(trees)) {
  FL_ASSERT(inner_ != nullptr);
}

Status TreeStore::apply(const Record& r, bool* changed, std::optional<Record>* replaced) {
  if (!trees_) return inner_->apply(r, changed, replaced);
  std::optional<Record> before;
  bool won = false;
  Status s = inner_->apply(r, &won, &before);
  if (changed) *changed = won;
  if (!s || !won) return s;
  // A corrupt stored copy comes back empty: it was never in the tree (rebuild
  // skips nothing it could read; see rebuild), so only the new record is added.
  trees_->replace(before, r);
  if (replaced) *replaced = std::move(before);
  return s;
}

Status TreeStore::purge(const Record& expected, bool* removed) {
  if (removed) *removed = false;
  std::optional<Record> before;
  if (trees_) {
    if (Status g = inner_->get(expected.key, &before); !g) return g;
  }
  bool gone = false;
  Status s = inner_->purge(expected, &gone);
  if (removed) *removed = gone;
  if (s && gone && trees_) trees_->replace(before, std::nullopt);
  return s;
}

Status TreeStore::rebuild() {
  if (!trees_) return Status::ok();
  for (size_t i : trees_->range_indices()) trees_->tree(i)->reset(kMerkleDepthMin);
  // The first scan counts each range's keys (and fills the shallow trees);
  // fit then builds each tree at its depth from a scan of its range.
  if (Status s = inner_->for_each([&](const Record& r) { trees_->replace(std::nullopt, r); }); !s) return s;
  for (size_t i : trees_->range_indices()) {
    if (Status s = fit(i); !s) return s;
  }
  return Status::ok();
}

Status TreeStore::fit(size_t range_index) {
  FL_ASSERT(trees_ != nullptr);
  MerkleTree* t = trees_->tree(range_index);
  FL_ASSERT(t != nullptr);
  const int depth = trees_->fitting_depth(*t);
  if (depth < t->depth()) t->fold_to(depth);
  if (depth <= t->depth()) return Status::ok();
  MerkleTree deeper(t->range(), depth, t->bugs());
  const auto add = [&](const Record& r) { deeper.add(token_of(r.key), merkle_record_hash(r)); };
  for (const auto& [first, last] : merkle_leaf_tokens(t->range(), 0, 0)) {
    if (Status s = inner_->for_each_in_tokens(first, last, add); !s) return s;
  }
  *t = std::move(deeper);
  return Status::ok();
}

Status TreeStore::for_each_in_leaves(const TokenRange& range, int depth, const std::vector<uint64_t>& leaves,
                                     const std::function<void(const Record&)>& fn) {
  for (uint64_t leaf : leaves) {
    for (const auto& [first, last] : merkle_leaf_tokens(range, leaf, depth)) {
      if (Status s = inner_->for_each_in_tokens(first, last, fn); !s) return s;
    }
  }
  return Status::ok();
}

}  // namespace faultline
