// Goal: the node's Merkle trees follow the hash spec (core/merkle_hash.h) and
// stay equal to a tree rebuilt from storage whatever sequence of writes,
// deletes, repairs (older and newer versions arriving in any order) and
// purges they saw, in memory and across a RocksDB restart.
//
// Property tests: on failure RapidCheck prints a reproduce string; replay with
//   RC_PARAMS="reproduce=<string>" node_test --gtest_filter=MerkleTree*
#include "node/merkle_tree.h"

#include <limits>

#include "core/test_util.h"
#include "node/mem_store.h"
#include "node/rocks_store.h"

namespace faultline {
namespace {

// Roots recomputed from scratch with core's spec functions only: the
// checker's way, independent of MerkleTree's incremental arithmetic.
std::vector<uint64_t> reference_roots(const MerkleTrees& trees, Store* store) {
  std::vector<uint64_t> out;
  for (size_t i : trees.range_indices()) {
    const MerkleTree* t = trees.tree(i);
    std::vector<uint64_t> leaves(t->leaf_count(), 0);
    EXPECT_TRUE(test::succeeds(store->for_each([&](const Record& r) {
      const Token tok = token_of(r.key);
      if (t->range().contains(tok)) leaves[merkle_leaf_index(t->range(), tok, t->depth())] += merkle_record_hash(r);
    })));
    out.push_back(merkle_root_of_leaves(leaves));
  }
  return out;
}

std::vector<uint64_t> roots(const MerkleTrees& trees) {
  std::vector<uint64_t> out;
  for (size_t i : trees.range_indices()) out.push_back(trees.tree(i)->root());
  return out;
}

const Ring kRing({1, 2, 3}, 4, 2);

TEST(MerkleTree, EmptyTreeHashesZeroLeavesUpToTheRoot) {
  MerkleTree t({10, 20}, 3);
  EXPECT_EQ(t.root(), merkle_root_of_leaves(std::vector<uint64_t>(8, 0)));
  t.add(11, 5);
  t.subtract(11, 5);
  EXPECT_EQ(t.root(), merkle_root_of_leaves(std::vector<uint64_t>(8, 0)));
}

RC_GTEST_PROP(MerkleTree, LeafTokensAreExactlyTheTokensOfThatLeaf, (Token left, Token right, Token t)) {
  const TokenRange range{left, right};
  RC_PRE(range.contains(t));
  const int depth = *rc::gen::inRange(kMerkleDepthMin, kMerkleDepthMax + 1);
  const MerkleTree tree(range, depth);
  const size_t leaf = tree.leaf_of(t);
  bool inside = false;
  for (const auto& [first, last] : tree.leaf_tokens(leaf)) {
    inside = inside || (first <= t && t <= last);
    // The interval's ends belong to this leaf and their outer neighbours do not.
    RC_ASSERT(tree.leaf_of(first) == leaf);
    RC_ASSERT(tree.leaf_of(last) == leaf);
    // (A leaf split at the top of the token space continues across 2^64 - 1 -> 0.)
    const bool split = tree.leaf_tokens(leaf).size() == 2;
    if (first != range.left + 1 && !(split && first == 0) && range.contains(first - 1)) {
      RC_ASSERT(tree.leaf_of(first - 1) != leaf);
    }
    if (last != range.right && !(split && last == std::numeric_limits<Token>::max()) && range.contains(last + 1)) {
      RC_ASSERT(tree.leaf_of(last + 1) != leaf);
    }
  }
  RC_ASSERT(inside);
}

TEST(MerkleTree, LeafTokensOfTheWrapAroundLeafSplitAtTheTop) {
  constexpr Token kMax = std::numeric_limits<Token>::max();
  const MerkleTree t({kMax - 9, 10}, 1);  // 20 tokens, 10 per leaf
  using P = std::vector<std::pair<Token, Token>>;
  EXPECT_EQ(t.leaf_tokens(0), (P{{kMax - 8, kMax}, {0, 0}}));
  EXPECT_EQ(t.leaf_tokens(1), (P{{1, 10}}));
  const MerkleTree tiny({100, 102}, 3);  // 2 tokens, 8 leaves: most hold none
  int holding = 0;
  for (uint64_t leaf = 0; leaf < 8; ++leaf) holding += tiny.leaf_tokens(leaf).empty() ? 0 : 1;
  EXPECT_EQ(holding, 2);
}

TEST(MerkleTree, TreesCoverExactlyTheRangesThisNodeReplicates) {
  const MerkleTrees trees(kRing, 2, 4);
  size_t expected = 0;
  for (size_t i = 0; i < kRing.ranges().size(); ++i) {
    auto reps = kRing.replicas_of_range(i);
    const bool mine = std::find(reps.begin(), reps.end(), 2u) != reps.end();
    expected += mine ? 1 : 0;
    EXPECT_EQ(trees.tree(i) != nullptr, mine) << "range " << i;
  }
  EXPECT_EQ(trees.range_indices().size(), expected);
}

// One step of the property below.
struct Op {
  enum Kind { kWrite, kDelete, kPurge } kind;
  int key;
  int64_t ts;
  std::string value;
};

rc::Gen<Op> gen_op() {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::element(Op::kWrite, Op::kDelete, Op::kPurge)),
                            rc::gen::set(&Op::key, rc::gen::inRange(0, 24)),
                            rc::gen::set(&Op::ts, rc::gen::inRange<int64_t>(1, 40)),
                            rc::gen::set(&Op::value, rc::gen::element<std::string>("a", "b", "c")));
}

void apply_op(TreeStore* s, const Op& op) {
  const std::string key = "k" + std::to_string(op.key);
  const Version v{op.ts, 1};
  if (op.kind == Op::kWrite) {
    EXPECT_TRUE(test::succeeds(s->apply(test::value_record(key, op.value, v))));
  } else if (op.kind == Op::kDelete) {
    EXPECT_TRUE(test::succeeds(s->apply(test::tombstone_record(key, v))));
  } else {
    // Purge whatever tombstone the key holds (a purge naming a stale version
    // must change nothing, which the next op may exercise).
    std::optional<Record> cur;
    EXPECT_TRUE(test::succeeds(s->get(key, &cur)));
    EXPECT_TRUE(test::succeeds(s->purge(cur && cur->tombstone ? *cur : test::tombstone_record(key, v))));
  }
}

RC_GTEST_PROP(MerkleTree, IncrementalTreeEqualsTreeRebuiltFromStorage, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  const int depth = *rc::gen::inRange(1, 6);
  MemStore mem;
  TreeStore incremental(&mem, std::make_unique<MerkleTrees>(kRing, 1, depth));
  for (const Op& op : ops) apply_op(&incremental, op);
  TreeStore rebuilt(&mem, std::make_unique<MerkleTrees>(kRing, 1, depth));
  RC_ASSERT(rebuilt.rebuild().is_ok());
  RC_ASSERT(roots(*incremental.trees()) == roots(*rebuilt.trees()));
  RC_ASSERT(roots(*incremental.trees()) == reference_roots(*incremental.trees(), &mem));
}

TEST(MerkleTree, RestartedRocksStoreRebuildsTheSameRoots) {
  test::TempDir dir;
  std::vector<uint64_t> before;
  {
    std::unique_ptr<RocksStore> rocks;
    ASSERT_TRUE(test::succeeds(RocksStore::open(dir.path(), false, &rocks)));
    TreeStore s(rocks.get(), std::make_unique<MerkleTrees>(kRing, 3, 6));
    for (int i = 0; i < 300; ++i) apply_op(&s, Op{Op::kWrite, i, 5, "v"});
    for (int i = 0; i < 300; i += 3) apply_op(&s, Op{Op::kDelete, i, 6, ""});
    for (int i = 0; i < 300; i += 6) apply_op(&s, Op{Op::kPurge, i, 6, ""});
    before = roots(*s.trees());
    EXPECT_EQ(before, reference_roots(*s.trees(), rocks.get()));
  }
  std::unique_ptr<RocksStore> rocks;
  ASSERT_TRUE(test::succeeds(RocksStore::open(dir.path(), false, &rocks)));
  EXPECT_EQ(rocks->count(), 300 - 50);
  TreeStore s(rocks.get(), std::make_unique<MerkleTrees>(kRing, 3, 6));
  ASSERT_TRUE(test::succeeds(s.rebuild()));
  EXPECT_EQ(roots(*s.trees()), before);
}

TEST(MerkleTree, RocksRangeScanVisitsExactlyTheTokensAsked) {
  test::TempDir dir;
  std::unique_ptr<RocksStore> rocks;
  ASSERT_TRUE(test::succeeds(RocksStore::open(dir.path(), false, &rocks)));
  MemStore mem;
  for (int i = 0; i < 200; ++i) {
    const Record r = test::value_record("k" + std::to_string(i), "v", {1, 1});
    ASSERT_TRUE(test::succeeds(rocks->apply(r)));
    ASSERT_TRUE(test::succeeds(mem.apply(r)));
  }
  const Token lo = Token{1} << 62, hi = Token{3} << 62;
  std::vector<std::string> from_rocks, from_mem;
  ASSERT_TRUE(test::succeeds(rocks->for_each_in_tokens(lo, hi, [&](const Record& r) { from_rocks.push_back(r.key); })));
  ASSERT_TRUE(test::succeeds(mem.for_each_in_tokens(lo, hi, [&](const Record& r) { from_mem.push_back(r.key); })));
  EXPECT_EQ(from_rocks, from_mem);
  EXPECT_GT(from_rocks.size(), 50u);
  EXPECT_LT(from_rocks.size(), 150u);
  for (const std::string& k : from_rocks) EXPECT_TRUE(token_of(k) >= lo && token_of(k) <= hi) << k;
}

}  // namespace
}  // namespace faultline
