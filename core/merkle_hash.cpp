#include "core/merkle_hash.h"

// The state struct on the stack keeps hashing allocation-free (tree updates sit on the write path).
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <bit>
#include <charconv>
#include <cstring>

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
