// Sharding: one long command (ci, audit, bugzoo; later explore) split over N
// machines. Shard K of N (1-based, as CI matrices and `parallel:` number
// jobs) owns item i (0-based, in the unsharded command's own order) when
// i % N == K - 1: round-robin, so every shard gets a mix of the list's
// beginning and end and shard sizes differ by at most one. Each shard writes
// shard.json (harness/shard_manifest.h); `faultline merge` combines them.
//
// Pure functions; no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace CLI {
class App;
}

namespace faultline {

// Bound on N: a matrix wider than this is a typo (and each shard starts a
// cluster per item, so thousands of shards of a suite of 38 is pointless).
inline constexpr int kShardCountMax = 10000;
// The most items one sharded command may list (a bound on shard.json's
// items_total, which a merge trusts only after checking it).
inline constexpr size_t kShardItemsMax = 10000000;

struct Shard {
  int index = 1;  // K, 1..count
  int count = 1;  // N
  bool operator==(const Shard&) const = default;
};

// "K/N" -> Shard. Invalid, saying what is wrong, for anything but two
// decimal integers with 1 <= K <= N <= kShardCountMax.
Status parse_shard(std::string_view text, Shard* out);
// "K/N".
std::string to_string(const Shard& s);

// Adds `--shard K/N` to a subcommand, the same for every one: a bad value is
// a usage error (exit 254) naming the option; *out stays empty when not given.
void add_shard_option(CLI::App* app, std::optional<Shard>* out);

// Does shard s own item i (0-based)?
bool shard_owns(const Shard& s, size_t i);
// The items of `total` that s owns, ascending.
std::vector<size_t> shard_indices(const Shard& s, size_t total);
// How many of them, without listing them (total may come from a file).
size_t shard_owned_count(const Shard& s, size_t total);

// The items of `all` that s owns, in order.
template <typename T>
std::vector<T> shard_select(const Shard& s, const std::vector<T>& all) {
  std::vector<T> mine;
  for (size_t i : shard_indices(s, all.size())) mine.push_back(all[i]);
  return mine;
}

}  // namespace faultline
