#include "core/merkle_hash.h"

// The state struct on the stack keeps hashing allocation-free (tree updates sit on the write path).
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "core/assert.h"

namespace faultline {
namespace {

// The spec fixes little-endian encodings; we only build on little-endian hosts.
static_assert(std::endian::native == std::endian::little, "merkle hashes assume a little-endian host");

__extension__ typedef unsigned __int128 U128;

}  // namespace

uint64_t merkle_record_hash(const Record& r) {
  FL_ASSERT(r.key.size() <= UINT32_MAX);
  const uint32_t key_len = static_cast<uint32_t>(r.key.size());
  const uint64_t digest = record_digest(r);
  XXH64_state_t st;
  XXH64_reset(&st, kMerkleHashSeed);
  XXH64_update(&st, &key_len, sizeof key_len);
  XXH64_update(&st, r.key.data(), r.key.size());
  XXH64_update(&st, &digest, sizeof digest);
  return XXH64_digest(&st);
}

uint64_t merkle_inner_hash(uint64_t left_child, uint64_t right_child) {
  unsigned char buf[16];
  std::memcpy(buf, &left_child, 8);
  std::memcpy(buf + 8, &right_child, 8);
  return XXH64(buf, sizeof buf, kMerkleHashSeed);
}

int merkle_depth_for_keys(uint64_t keys, int max_depth) {
  FL_ASSERT(max_depth >= kMerkleDepthMin);
  FL_ASSERT(max_depth <= kMerkleDepthMax);
  // ceil(log2(keys)) for keys >= 2: the bit width of keys - 1.
  const int wanted = keys <= 1 ? 0 : std::bit_width(keys - 1);
  return std::clamp(wanted, kMerkleDepthMin, max_depth);
}

size_t merkle_leaf_index(const TokenRange& range, Token t, int depth) {
  FL_ASSERT(depth >= kMerkleDepthMin);
  FL_ASSERT(depth <= kMerkleDepthMax);
  FL_ASSERT(range.contains(t));
  const uint64_t offset = t - range.left - 1;  // mod 2^64
  const U128 size = range.left == range.right ? (U128(1) << 64) : U128(range.right - range.left);
  const U128 leaf = (U128(offset) << depth) / size;
  FL_ASSERT(leaf < (U128(1) << depth));
  return static_cast<size_t>(leaf);
}

std::vector<std::pair<Token, Token>> merkle_leaf_tokens(const TokenRange& range, uint64_t leaf, int depth) {
  FL_ASSERT(depth >= 0);
  FL_ASSERT(depth <= kMerkleDepthMax);
  FL_ASSERT(leaf < (uint64_t{1} << depth));
  // Leaf j holds the offsets o with j * size <= o * 2^depth < (j + 1) * size
  // (merkle_leaf_index inverted); token = left + 1 + o.
  const U128 size = range.left == range.right ? (U128(1) << 64) : U128(range.right - range.left);
  const U128 round_up = (U128(1) << depth) - 1;
  const U128 lo = (U128(leaf) * size + round_up) >> depth;
  const U128 end = (U128(leaf + 1) * size + round_up) >> depth;
  if (end <= lo) return {};
  const Token first = range.left + 1 + static_cast<uint64_t>(lo);
  const Token last = range.left + 1 + static_cast<uint64_t>(end - 1);
  if (first <= last) return {{first, last}};
  return {{first, std::numeric_limits<Token>::max()}, {0, last}};
}

uint64_t merkle_root_of_leaves(const std::vector<uint64_t>& leaves) {
  FL_ASSERT(leaves.size() >= 2);
  FL_ASSERT(std::has_single_bit(leaves.size()));
  std::vector<uint64_t> level = leaves;
  while (level.size() > 1) {
    for (size_t i = 0; i < level.size() / 2; ++i) level[i] = merkle_inner_hash(level[2 * i], level[2 * i + 1]);
    level.resize(level.size() / 2);
  }
  return level[0];
}

std::string merkle_hex(uint64_t h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kDigits[h & 0xf];
  return out;
}

Status parse_merkle_hex(std::string_view s, std::string_view where, uint64_t* out) {
  bool lower_hex = s.size() == 16;
  for (char c : s) lower_hex = lower_hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!lower_hex) {
    return Status::invalid(std::string(where) + ": '" + std::string(s) + "' is not 16 lowercase hex digits");
  }
  std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return Status::ok();
}

}  // namespace faultline
