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
//
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
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

// Leaf of token t in the tree of `range` with 2^depth leaves. t must lie in
// the range (asserted): callers pick the range with Ring::range_index.
size_t merkle_leaf_index(const TokenRange& range, Token t, int depth);

// The root over 2^depth leaf hashes given in leaf order (size must be a power
// of two, at least 2).
uint64_t merkle_root_of_leaves(const std::vector<uint64_t>& leaves);

// The wire and JSON form of a hash: 16 lowercase hex digits.
std::string merkle_hex(uint64_t h);
// Parses merkle_hex output; the error names `where`.
Status parse_merkle_hex(std::string_view s, std::string_view where, uint64_t* out);

}  // namespace faultline
