// Goal: pin the Merkle hash spec of DESIGN.md (record hash bytes, inner hash,
// leaf placement at the edges of a range and across the wrap-around), since
// the node and the checker compute it independently and must agree bit for bit.
//
// Property tests: on failure RapidCheck prints a reproduce string; replay with
//   RC_PARAMS="reproduce=<string>" core_test --gtest_filter=MerkleHash*
#include "core/merkle_hash.h"

#include <xxhash.h>

#include <cstring>
#include <limits>

#include "core/test_util.h"

namespace faultline {
namespace {

using test::fails_with;
using test::succeeds;

constexpr Token kMax = std::numeric_limits<Token>::max();

TEST(MerkleHash, RecordHashIsXxh64OverKeyLengthKeyAndDigest) {
  const Record r = test::value_record("k1", "v", {1700000000123456, 2});
  std::string bytes;
  const uint32_t len = 2;
  const uint64_t digest = record_digest(r);
  bytes.append(reinterpret_cast<const char*>(&len), 4);
  bytes.append("k1");
  bytes.append(reinterpret_cast<const char*>(&digest), 8);
  EXPECT_EQ(merkle_record_hash(r), XXH64(bytes.data(), bytes.size(), 0x6d65726b));
  EXPECT_NE(merkle_record_hash(r), merkle_record_hash(test::tombstone_record("k1", r.version)));
}

TEST(MerkleHash, InnerHashIsXxh64OverBothChildren) {
  const uint64_t a = 0x0102030405060708, b = 0x1112131415161718;
  unsigned char buf[16];
  std::memcpy(buf, &a, 8);
  std::memcpy(buf + 8, &b, 8);
  EXPECT_EQ(merkle_inner_hash(a, b), XXH64(buf, 16, 0x6d65726b));
  EXPECT_NE(merkle_inner_hash(a, b), merkle_inner_hash(b, a));
}

TEST(MerkleHash, LeafIndexCoversTheRangeEndsInclusiveRightExclusiveLeft) {
  const TokenRange r{100, 100 + 1024};
  EXPECT_EQ(merkle_leaf_index(r, 101, 10), 0u);
  EXPECT_EQ(merkle_leaf_index(r, 102, 10), 1u);
  EXPECT_EQ(merkle_leaf_index(r, 1124, 10), 1023u);  // the right end is in the last leaf
  EXPECT_EQ(merkle_leaf_index(r, 1124, 1), 1u);
  EXPECT_EQ(merkle_leaf_index(r, 612, 1), 0u);
  EXPECT_EQ(merkle_leaf_index(r, 613, 1), 1u);
}

TEST(MerkleHash, LeafIndexAcrossTheWrapAround) {
  const TokenRange wrap{kMax - 9, 10};  // 20 tokens: kMax-8 .. kMax, 0 .. 10
  EXPECT_EQ(merkle_leaf_index(wrap, kMax - 8, 1), 0u);
  EXPECT_EQ(merkle_leaf_index(wrap, kMax, 1), 0u);
  EXPECT_EQ(merkle_leaf_index(wrap, 0, 1), 0u);  // offset 9 of 20
  EXPECT_EQ(merkle_leaf_index(wrap, 1, 1), 1u);  // offset 10 of 20
  EXPECT_EQ(merkle_leaf_index(wrap, 10, 1), 1u);
}

TEST(MerkleHash, LeafIndexOfTheWholeRingUsesSizeTwoToThe64) {
  const TokenRange whole{5, 5};
  EXPECT_EQ(merkle_leaf_index(whole, 6, 4), 0u);
  EXPECT_EQ(merkle_leaf_index(whole, 5, 4), 15u);
  EXPECT_EQ(merkle_leaf_index(whole, 5 + (Token{1} << 63), 1), 0u);  // offset 2^63 - 1
  EXPECT_EQ(merkle_leaf_index(whole, 6 + (Token{1} << 63), 1), 1u);  // offset 2^63
}

RC_GTEST_PROP(MerkleHash, LeafIndexIsMonotoneInTheOffset, (Token left, Token right, Token a, Token b)) {
  const TokenRange r{left, right};
  RC_PRE(r.contains(a) && r.contains(b));
  const int depth = *rc::gen::inRange(kMerkleDepthMin, kMerkleDepthMax + 1);
  const bool a_first = (a - left - 1) <= (b - left - 1);
  const size_t la = merkle_leaf_index(r, a, depth), lb = merkle_leaf_index(r, b, depth);
  RC_ASSERT((a_first ? la <= lb : la >= lb));
}

RC_GTEST_PROP(MerkleHash, LeafTokensAreExactlyTheTokensOfThatLeaf, (Token left, Token right, Token t)) {
  const TokenRange range{left, right};
  RC_PRE(range.contains(t));
  const int depth = *rc::gen::inRange(kMerkleDepthMin, kMerkleDepthMax + 1);
  const auto leaf_of = [&](Token x) { return merkle_leaf_index(range, x, depth); };
  const size_t leaf = leaf_of(t);
  const std::vector<std::pair<Token, Token>> tokens = merkle_leaf_tokens(range, leaf, depth);
  bool inside = false;
  for (const auto& [first, last] : tokens) {
    inside = inside || (first <= t && t <= last);
    // The interval's ends belong to this leaf and their outer neighbours do not.
    RC_ASSERT(leaf_of(first) == leaf);
    RC_ASSERT(leaf_of(last) == leaf);
    // (A leaf split at the top of the token space continues across 2^64 - 1 -> 0.)
    const bool split = tokens.size() == 2;
    if (first != range.left + 1 && !(split && first == 0) && range.contains(first - 1)) {
      RC_ASSERT(leaf_of(first - 1) != leaf);
    }
    if (last != range.right && !(split && last == std::numeric_limits<Token>::max()) && range.contains(last + 1)) {
      RC_ASSERT(leaf_of(last + 1) != leaf);
    }
  }
  RC_ASSERT(inside);
}

TEST(MerkleHash, LeafTokensOfTheWrapAroundLeafSplitAtTheTop) {
  const TokenRange wrap{kMax - 9, 10};  // 20 tokens, 10 per leaf
  using P = std::vector<std::pair<Token, Token>>;
  EXPECT_EQ(merkle_leaf_tokens(wrap, 0, 1), (P{{kMax - 8, kMax}, {0, 0}}));
  EXPECT_EQ(merkle_leaf_tokens(wrap, 1, 1), (P{{1, 10}}));
  EXPECT_EQ(merkle_leaf_tokens(wrap, 0, 0), (P{{kMax - 8, kMax}, {0, 10}})) << "depth 0: the whole range";
  EXPECT_EQ(merkle_leaf_tokens({5, 5}, 0, 0), (P{{6, kMax}, {0, 5}})) << "the whole ring";
  EXPECT_EQ(merkle_leaf_tokens({kMax, kMax}, 0, 0), (P{{0, kMax}}));
  const TokenRange tiny{100, 102};  // 2 tokens, 8 leaves: most hold none
  int holding = 0;
  for (uint64_t leaf = 0; leaf < 8; ++leaf) holding += merkle_leaf_tokens(tiny, leaf, 3).empty() ? 0 : 1;
  EXPECT_EQ(holding, 2);
}

// Goal: about one key per leaf (ceil(log2(keys))), never outside the
// configured maximum or the spec's bounds.
TEST(MerkleHash, DepthForKeysIsCeilLog2WithinTheBounds) {
  EXPECT_EQ(merkle_depth_for_keys(0, 20), 1);
  EXPECT_EQ(merkle_depth_for_keys(1, 20), 1);
  EXPECT_EQ(merkle_depth_for_keys(2, 20), 1);
  EXPECT_EQ(merkle_depth_for_keys(3, 20), 2);
  EXPECT_EQ(merkle_depth_for_keys(4, 20), 2);
  EXPECT_EQ(merkle_depth_for_keys(5, 20), 3);
  EXPECT_EQ(merkle_depth_for_keys(1024, 20), 10);
  EXPECT_EQ(merkle_depth_for_keys(1025, 20), 11);
  EXPECT_EQ(merkle_depth_for_keys(500000, 20), 19);
  EXPECT_EQ(merkle_depth_for_keys(uint64_t{1} << 40, 20), 20);
  EXPECT_EQ(merkle_depth_for_keys(UINT64_MAX, 20), 20);
  EXPECT_EQ(merkle_depth_for_keys(1000, 4), 4) << "the configured maximum";
  EXPECT_EQ(merkle_depth_for_keys(0, 1), 1);
}

RC_GTEST_PROP(MerkleHash, DepthForKeysGivesBetweenHalfAndOneKeyPerLeaf, ()) {
  const uint64_t keys = *rc::gen::inRange<uint64_t>(3, (uint64_t{1} << kMerkleDepthMax) + 1);
  const int depth = merkle_depth_for_keys(keys, kMerkleDepthMax);
  RC_ASSERT(keys <= (uint64_t{1} << depth));
  RC_ASSERT(2 * keys > (uint64_t{1} << depth));
}

// Goal: the leaves of depth d - 1 are the pairs of those of depth d, the
// fact that makes node sums fold exactly to any shallower depth.
RC_GTEST_PROP(MerkleHash, LeavesOfOneDepthLessArePairs, (Token left, Token right, Token t)) {
  const TokenRange r{left, right};
  RC_PRE(r.contains(t));
  const int depth = *rc::gen::inRange(kMerkleDepthMin + 1, kMerkleDepthMax + 1);
  RC_ASSERT(merkle_leaf_index(r, t, depth - 1) == merkle_leaf_index(r, t, depth) / 2);
}

TEST(MerkleHash, RootOfLeavesHashesLevelByLevel) {
  const std::vector<uint64_t> leaves{1, 2, 3, 4};
  EXPECT_EQ(merkle_root_of_leaves(leaves),
            merkle_inner_hash(merkle_inner_hash(1, 2), merkle_inner_hash(3, 4)));
  EXPECT_EQ(merkle_root_of_leaves({0, 0}), merkle_inner_hash(0, 0));  // empty leaves are still hashed
}

TEST(MerkleHash, HexRoundTripsAndRejectsBadText) {
  EXPECT_EQ(merkle_hex(0xabc), "0000000000000abc");
  uint64_t h = 0;
  EXPECT_TRUE(succeeds(parse_merkle_hex("ffffffffffffffff", "root", &h)));
  EXPECT_EQ(h, kMax);
  EXPECT_TRUE(fails_with(parse_merkle_hex("FFFFFFFFFFFFFFFF", "ranges[0].root", &h), "ranges[0].root"));
  EXPECT_TRUE(fails_with(parse_merkle_hex("abc", "root", &h), "16 lowercase hex"));
}

}  // namespace
}  // namespace faultline
