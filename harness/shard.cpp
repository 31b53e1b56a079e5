#include "harness/shard.h"

#include <charconv>

#include <CLI/CLI.hpp>

#include "core/assert.h"

namespace faultline {

namespace {

// A decimal integer filling the whole text, or false.
bool parse_int(std::string_view text, int* out) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Status parse_shard(std::string_view text, Shard* out) {
  const std::string quoted = "'" + std::string(text) + "'";
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Status::invalid("expected K/N (shard K of N, e.g. 1/4), got " + quoted);
  Shard s;
  if (!parse_int(text.substr(0, slash), &s.index) || !parse_int(text.substr(slash + 1), &s.count)) {
    return Status::invalid("expected K/N with K and N whole numbers (e.g. 1/4), got " + quoted);
  }
  if (s.count < 1 || s.count > kShardCountMax) {
    return Status::invalid("N must be in 1.." + std::to_string(kShardCountMax) + ", got " + quoted);
  }
  if (s.index < 1 || s.index > s.count) {
    return Status::invalid("K must be in 1..N (shards are numbered from 1), got " + quoted);
  }
  *out = s;
  return Status::ok();
}

std::string to_string(const Shard& s) { return std::to_string(s.index) + "/" + std::to_string(s.count); }

void add_shard_option(CLI::App* app, std::optional<Shard>* out) {
  CLI::Validator valid(
      [](std::string& text) {
        Shard unused;
        Status s = parse_shard(text, &unused);
        return s ? std::string() : s.message();
      },
      "K/N", "shard");
  app->add_option_function<std::string>(
         "--shard",
         [out](const std::string& text) {
           Shard s;
           const Status parsed = parse_shard(text, &s);
           FL_ASSERT(parsed.is_ok());  // the validator ran first
           *out = s;
         },
         "run only shard K of N (1-based): item i of the list when i % N == K - 1; writes shard.json for "
         "`faultline merge`")
      ->check(valid);
}

bool shard_owns(const Shard& s, size_t i) {
  FL_ASSERT(s.count >= 1 && s.index >= 1 && s.index <= s.count);
  return i % static_cast<size_t>(s.count) == static_cast<size_t>(s.index - 1);
}

size_t shard_owned_count(const Shard& s, size_t total) {
  const size_t first = static_cast<size_t>(s.index - 1);
  return total <= first ? 0 : (total - first - 1) / static_cast<size_t>(s.count) + 1;
}

std::vector<size_t> shard_indices(const Shard& s, size_t total) {
  std::vector<size_t> mine;
  for (size_t i = static_cast<size_t>(s.index - 1); i < total; i += static_cast<size_t>(s.count)) {
    FL_ASSERT(shard_owns(s, i));
    mine.push_back(i);
  }
  return mine;
}

}  // namespace faultline
