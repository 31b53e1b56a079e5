// Goal: the node's Merkle trees follow the hash spec (core/merkle_hash.h) and
// stay equal to a tree rebuilt from storage whatever sequence of writes,
// deletes, repairs (older and newer versions arriving in any order), purges
// and resizes they saw, in memory and across a RocksDB restart; a tree folded
// to a shallower depth is the tree built at that depth; each tree is sized
// from its key count within the configured maximum and the memory bound.
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

// A tree of `range` at `depth` over records at tokens `tokens` (hash = token * 7 + 1).
MerkleTree tree_over(const TokenRange& range, int depth, const std::vector<Token>& tokens) {
  MerkleTree t(range, depth);
  for (Token tok : tokens) t.add(tok, tok * 7 + 1);
  return t;
}

// Every hash and sum of two trees of the same depth.
void expect_same_tree(const MerkleTree& a, const MerkleTree& b) {
  RC_ASSERT(a.depth() == b.depth());
  RC_ASSERT(a.keys() == b.keys());
  for (int level = 0; level <= a.depth(); ++level) {
    for (uint64_t i = 0; i < (uint64_t{1} << level); ++i) {
      RC_ASSERT(a.hash(level, i) == b.hash(level, i));
      RC_ASSERT(a.sum(level, i) == b.sum(level, i));
    }
  }
}

rc::Gen<std::pair<TokenRange, std::vector<Token>>> gen_range_and_tokens() {
  return rc::gen::mapcat(rc::gen::pair(rc::gen::arbitrary<Token>(), rc::gen::arbitrary<Token>()), [](auto lr) {
    const TokenRange range{lr.first, lr.second};
    auto in_range = rc::gen::suchThat(rc::gen::arbitrary<Token>(), [range](Token t) { return range.contains(t); });
    return rc::gen::pair(rc::gen::just(range), rc::gen::container<std::vector<Token>>(in_range));
  });
}

// Goal: folding is exact: a tree folded from depth d to d' is, hash for
// hash and sum for sum, the tree built over the same records at d'; and
// node sums at level l are the leaves of depth l (what lets trees of two
// depths compare).
RC_GTEST_PROP(MerkleTree, FoldedTreeIsTheTreeBuiltAtTheSmallerDepth, ()) {
  const auto [range, tokens] = *gen_range_and_tokens();
  const int depth = *rc::gen::inRange(kMerkleDepthMin + 1, 11);
  const int to = *rc::gen::inRange(kMerkleDepthMin, depth);
  MerkleTree folded = tree_over(range, depth, tokens);
  const MerkleTree direct = tree_over(range, to, tokens);
  for (uint64_t i = 0; i < direct.leaf_count(); ++i) RC_ASSERT(folded.sum(to, i) == direct.hash(to, i));
  folded.fold_to(to);
  expect_same_tree(folded, direct);
  const Token more = range.right;  // still updates as a tree of its new depth
  MerkleTree direct_after = direct;
  folded.add(more, 99);
  direct_after.add(more, 99);
  expect_same_tree(folded, direct_after);
}

TEST(MerkleTree, ResetEmptiesAndResizes) {
  MerkleTree t = tree_over({10, 1000}, 3, {11, 500, 999});
  EXPECT_EQ(t.keys(), 3u);
  EXPECT_EQ(t.sum(0, 0), (11 * 7 + 1) + (500 * 7 + 1) + (999 * 7 + 1));
  t.reset(6);
  EXPECT_EQ(t.depth(), 6);
  EXPECT_EQ(t.keys(), 0u);
  EXPECT_EQ(t.root(), merkle_root_of_leaves(std::vector<uint64_t>(64, 0)));
  EXPECT_EQ(t.sum(0, 0), 0u);
}

// Goal: a tree's depth follows its key count (about one key per leaf) with
// a band against flapping, and never beyond the configured maximum.
TEST(MerkleTree, FittingDepthGrowsAtOnceAndShrinksOnlyTwoLevelsDown) {
  const MerkleTrees trees(kRing, 1, 12);
  EXPECT_EQ(trees.depth_max(), 12);
  const TokenRange wide{0, Token{1} << 40};
  const auto fitting = [&](int depth, uint64_t keys) {
    MerkleTree t(wide, depth);
    for (uint64_t i = 0; i < keys; ++i) t.add(i + 1, 1);
    return trees.fitting_depth(t);
  };
  EXPECT_EQ(fitting(1, 0), 1);
  EXPECT_EQ(fitting(1, 1000), 10);
  EXPECT_EQ(fitting(10, 1025), 11);
  EXPECT_EQ(fitting(10, 512), 10) << "one level shallower: kept";
  EXPECT_EQ(fitting(10, 257), 10);
  EXPECT_EQ(fitting(10, 256), 8) << "two levels: folded";
  EXPECT_EQ(fitting(10, 100000), 12) << "the configured maximum";
  EXPECT_EQ(fitting(12, 100000), 12);
}

TEST(MerkleTree, DepthMaxKeepsAllTreesWithinTheMemoryBound) {
  const Ring many({1, 2, 3, 4, 5}, 64, 3);  // 192 of 320 ranges on node 1
  const MerkleTrees trees(many, 1, kMerkleDepthMax);
  const size_t n = trees.range_indices().size();
  EXPECT_LE(n * merkle_tree_bytes(trees.depth_max()), kMerkleTreesBytesMax);
  EXPECT_GT(n * merkle_tree_bytes(trees.depth_max() + 1), kMerkleTreesBytesMax);
  EXPECT_LT(trees.depth_max(), kMerkleDepthMax);
  const Ring two({1, 2}, 1, 2);
  EXPECT_EQ(MerkleTrees(two, 1, kMerkleDepthMax).depth_max(), kMerkleDepthMax) << "two trees fit at the maximum";
  EXPECT_EQ(MerkleTrees(kRing, 1, kMerkleDepthMax).depth_max(), kMerkleDepthMax - 1) << "nine do not";
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

// The records of `store` in each tree's range, by range.
std::vector<uint64_t> key_counts(const MerkleTrees& trees, Store* store) {
  std::vector<uint64_t> out;
  for (size_t i : trees.range_indices()) {
    uint64_t n = 0;
    EXPECT_TRUE(test::succeeds(store->for_each([&](const Record& r) { n += trees.tree(i)->range().contains(token_of(r.key)); })));
    out.push_back(n);
  }
  return out;
}

std::vector<uint64_t> tree_keys(const MerkleTrees& trees) {
  std::vector<uint64_t> out;
  for (size_t i : trees.range_indices()) out.push_back(trees.tree(i)->keys());
  return out;
}

RC_GTEST_PROP(MerkleTree, IncrementalTreeEqualsTreeRebuiltFromStorage, ()) {
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  const int depth_max = *rc::gen::inRange(1, 6);
  // Resizes between the ops, at random: a resized tree keeps following the store.
  const auto fit_after = *rc::gen::container<std::vector<bool>>(ops.size(), rc::gen::arbitrary<bool>());
  MemStore mem;
  TreeStore incremental(&mem, std::make_unique<MerkleTrees>(kRing, 1, depth_max));
  for (size_t i = 0; i < ops.size(); ++i) {
    apply_op(&incremental, ops[i]);
    if (!fit_after[i]) continue;
    for (size_t ri : incremental.trees()->range_indices()) RC_ASSERT(incremental.fit(ri).is_ok());
  }
  RC_ASSERT(roots(*incremental.trees()) == reference_roots(*incremental.trees(), &mem));
  RC_ASSERT(tree_keys(*incremental.trees()) == key_counts(*incremental.trees(), &mem));
  TreeStore rebuilt(&mem, std::make_unique<MerkleTrees>(kRing, 1, depth_max));
  RC_ASSERT(rebuilt.rebuild().is_ok());
  RC_ASSERT(roots(*rebuilt.trees()) == reference_roots(*rebuilt.trees(), &mem));
  for (size_t ri : rebuilt.trees()->range_indices()) {
    const MerkleTree& t = *rebuilt.trees()->tree(ri);
    RC_ASSERT(t.depth() == merkle_depth_for_keys(t.keys(), depth_max));
  }
}

// Goal: fit() grows a tree from a scan of its range when its keys outgrow
// it and folds it when they shrink to a quarter, and the resized tree is
// the one a rebuild makes.
TEST(MerkleTree, FitResizesAsTheKeyCountCrossesItsBand) {
  MemStore mem;
  TreeStore s(&mem, std::make_unique<MerkleTrees>(kRing, 1, 12));
  const size_t ri = s.trees()->range_indices().front();
  const MerkleTree& t = *s.trees()->tree(ri);
  for (int i = 0; i < 2000; ++i) apply_op(&s, Op{Op::kWrite, i, 5, "v"});
  EXPECT_EQ(t.depth(), 1) << "writes alone never resize";
  const uint64_t keys = t.keys();
  ASSERT_GT(keys, 100u);
  ASSERT_TRUE(test::succeeds(s.fit(ri)));
  EXPECT_EQ(t.depth(), merkle_depth_for_keys(keys, 12));
  EXPECT_EQ(t.keys(), keys);
  TreeStore rebuilt(&mem, std::make_unique<MerkleTrees>(kRing, 1, 12));
  ASSERT_TRUE(test::succeeds(rebuilt.rebuild()));
  EXPECT_EQ(t.root(), rebuilt.trees()->tree(ri)->root());
  // Purge all but an eighth: the tree folds by three levels, equal to a rebuild.
  for (int i = 0; i < 2000; ++i) {
    if (i % 8 == 0) continue;
    apply_op(&s, Op{Op::kDelete, i, 6, ""});
    apply_op(&s, Op{Op::kPurge, i, 6, ""});
  }
  const int before = t.depth();
  ASSERT_TRUE(test::succeeds(s.fit(ri)));
  EXPECT_EQ(t.depth(), merkle_depth_for_keys(t.keys(), 12));
  EXPECT_LE(t.depth(), before - 2);
  TreeStore again(&mem, std::make_unique<MerkleTrees>(kRing, 1, 12));
  ASSERT_TRUE(test::succeeds(again.rebuild()));
  EXPECT_EQ(t.root(), again.trees()->tree(ri)->root());
  EXPECT_EQ(roots(*s.trees()), reference_roots(*s.trees(), &mem));
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
    for (size_t ri : s.trees()->range_indices()) ASSERT_TRUE(test::succeeds(s.fit(ri)));
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
