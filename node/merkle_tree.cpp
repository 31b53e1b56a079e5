#include "node/merkle_tree.h"

#include <limits>

#include "core/assert.h"

namespace faultline {

namespace {
__extension__ typedef unsigned __int128 U128;
}  // namespace

MerkleTree::MerkleTree(TokenRange range, int depth, BugSet bugs) : range_(range), depth_(depth), bugs_(bugs) {
  FL_ASSERT(depth >= kMerkleDepthMin);
  FL_ASSERT(depth <= kMerkleDepthMax);
  nodes_.assign(size_t{2} << depth, 0);
  clear();
}

void MerkleTree::clear() {
  const size_t leaves = size_t{1} << depth_;
  std::fill(nodes_.begin() + static_cast<ptrdiff_t>(leaves), nodes_.end(), 0);
  for (size_t i = leaves - 1; i >= 1; --i) nodes_[i] = merkle_inner_hash(nodes_[2 * i], nodes_[2 * i + 1]);
}

uint64_t MerkleTree::hash(int level, uint64_t index) const {
  FL_ASSERT(level >= 0);
  FL_ASSERT(level <= depth_);
  FL_ASSERT(index < (uint64_t{1} << level));
  return nodes_[(size_t{1} << level) + index];
}

void MerkleTree::set_leaf(size_t leaf, uint64_t value) {
  size_t i = (size_t{1} << depth_) + leaf;
  nodes_[i] = value;
  for (i /= 2; i >= 1; i /= 2) nodes_[i] = merkle_inner_hash(nodes_[2 * i], nodes_[2 * i + 1]);
}

void MerkleTree::add(Token t, uint64_t record_hash) {
  const size_t leaf = leaf_of(t);
  set_leaf(leaf, nodes_[(size_t{1} << depth_) + leaf] + record_hash);
}

void MerkleTree::subtract(Token t, uint64_t record_hash) {
  const size_t leaf = leaf_of(t);
  set_leaf(leaf, nodes_[(size_t{1} << depth_) + leaf] - record_hash);
}

// Seeded bug merkle-leaf-off-by-one (docs/bugzoo.md).
size_t MerkleTree::leaf_off_by_one(Token t) const {
  FL_ASSERT(range_.contains(t));
  const uint64_t offset = t - range_.left - 1;  // mod 2^64
  const U128 size = range_.left == range_.right ? (U128(1) << 64) : U128(range_.right - range_.left);
  return static_cast<size_t>((U128(offset) * ((U128(1) << depth_) - 1)) / size);
}

std::vector<std::pair<Token, Token>> MerkleTree::leaf_tokens(uint64_t leaf) const {
  FL_ASSERT(leaf < leaf_count());
  // Leaf j holds the offsets o with j * size <= o * 2^depth < (j + 1) * size
  // (merkle_leaf_index inverted); token = left + 1 + o.
  const U128 size = range_.left == range_.right ? (U128(1) << 64) : U128(range_.right - range_.left);
  const U128 round_up = (U128(1) << depth_) - 1;
  const U128 lo = (U128(leaf) * size + round_up) >> depth_;
  const U128 end = (U128(leaf + 1) * size + round_up) >> depth_;
  if (end <= lo) return {};
  const Token first = range_.left + 1 + static_cast<uint64_t>(lo);
  const Token last = range_.left + 1 + static_cast<uint64_t>(end - 1);
  if (first <= last) return {{first, last}};
  return {{first, std::numeric_limits<Token>::max()}, {0, last}};
}

MerkleTrees::MerkleTrees(const Ring& ring, NodeId self, int depth, BugSet bugs)
    : ring_(ring), depth_(depth), bugs_(bugs) {
  const std::vector<TokenRange> ranges = ring_.ranges();
  trees_.resize(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    const std::vector<NodeId> replicas = ring_.replicas_of_range(i);
    if (std::find(replicas.begin(), replicas.end(), self) == replicas.end()) continue;
    range_indices_.push_back(i);
    trees_[i] = std::make_unique<MerkleTree>(ranges[i], depth, bugs_);
  }
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
  trees_->clear();
  return inner_->for_each([&](const Record& r) { trees_->replace(std::nullopt, r); });
}

Status TreeStore::for_each_in_leaves(const MerkleTree& tree, const std::vector<uint64_t>& leaves,
                                     const std::function<void(const Record&)>& fn) {
  for (uint64_t leaf : leaves) {
    for (const auto& [first, last] : tree.leaf_tokens(leaf)) {
      if (Status s = inner_->for_each_in_tokens(first, last, fn); !s) return s;
    }
  }
  return Status::ok();
}

}  // namespace faultline
