// Merkle hashing shared by the node's trees and the checker's recomputation
// (DESIGN.md, "Merkle hash"). Everything here is a pure function of its
// arguments so that two independent tree implementations agree bit for bit.
//
// - record hash = XXH64(seed kMerkleHashSeed) over: u32 LE key length, the key
//   bytes, u64 LE record_digest(record).
// - A tree covers one ring range (left, right] (the wrap-around range
//   included) with 2^depth leaves. The leaf of token t is
//   floor(offset * 2^depth / size) in 128-bit arithmetic, where
//   offset = (t - left - 1) mod 2^64 and size = (right - left) mod 2^64, or
//   2^64 when left == right (the whole ring).
// - leaf hash = sum mod 2^64 of the record hashes in the leaf (order
//   independent: an insert adds, a replace or remove subtracts); an empty
//   leaf is 0.
// - inner hash = XXH64(seed kMerkleHashSeed) of the left child's u64 LE then
//   the right child's u64 LE; inner nodes are hashed even over empty leaves.
//   The root (FL.MERKLE, final/*.json) is this hash at the tree's depth, so
//   it depends on where each record lies, not only on which records exist.
// - inner sum = left child + right child mod 2^64, which makes a node's sum
//   the sum of the record hashes under it: node (level l, index i) of a tree
//   of any depth >= l has the same sum as leaf i of a tree of depth l (the
//   leaves of depth l - 1 are the pairs of those of depth l, since
//   floor(floor(x) / 2) = floor(x / 2)). Folding is exact, so trees of
//   different depths compare at the smaller depth: the exchange compares sums.
// - depth: each tree is sized from the keys it covers (merkle_depth_for_keys),
//   so two replicas of a range may hold trees of different depths.
//
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ring.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

inline constexpr uint64_t kMerkleHashSeed = 0x6d65726b;  // "merk"
inline constexpr int kMerkleDepthMin = 1;
inline constexpr int kMerkleDepthMax = 20;  // as validate_plan: 2^20 leaves per range at most

uint64_t merkle_record_hash(const Record& r);
uint64_t merkle_inner_hash(uint64_t left_child, uint64_t right_child);

// The depth of a tree over `keys` records: ceil(log2(keys)), about one key
// per leaf (between a half and one), within kMerkleDepthMin..max_depth
// (max_depth itself in kMerkleDepthMin..kMerkleDepthMax).
int merkle_depth_for_keys(uint64_t keys, int max_depth);

// Leaf of token t in the tree of `range` with 2^depth leaves. t must lie in
// the range (asserted): callers pick the range with Ring::range_index.
size_t merkle_leaf_index(const TokenRange& range, Token t, int depth);

// The tokens of leaf `leaf` of the tree of `range` with 2^depth leaves
// (depth 0: the whole range) as at most two non-wrapping inclusive
// intervals (two when the leaf straddles token 2^64 - 1); none when the
// range has fewer tokens than leaves and this leaf holds none.
std::vector<std::pair<Token, Token>> merkle_leaf_tokens(const TokenRange& range, uint64_t leaf, int depth);

// The root over 2^depth leaf hashes given in leaf order (size must be a power
// of two, at least 2).
uint64_t merkle_root_of_leaves(const std::vector<uint64_t>& leaves);

// The wire and JSON form of a hash: 16 lowercase hex digits.
std::string merkle_hex(uint64_t h);
// Parses merkle_hex output; the error names `where`.
Status parse_merkle_hex(std::string_view s, std::string_view where, uint64_t* out);

}  // namespace faultline
