// Shards: parsing K/N, and that the shards of a list partition it.
#include "harness/shard.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include <set>

namespace faultline {
namespace {

TEST(Shard, ParsesKOfN) {
  // Goal: the forms a CI matrix passes parse to the 1-based index and count.
  Shard s;
  ASSERT_TRUE(parse_shard("1/1", &s).is_ok());
  EXPECT_EQ(s, (Shard{1, 1}));
  ASSERT_TRUE(parse_shard("3/8", &s).is_ok());
  EXPECT_EQ(s, (Shard{3, 8}));
  EXPECT_EQ(to_string(s), "3/8");
  ASSERT_TRUE(parse_shard("10000/10000", &s).is_ok());
}

TEST(Shard, RejectsBadTextSayingWhy) {
  // Goal: every malformed value is an error that quotes it and says what is wrong.
  struct Bad {
    const char* text;
    const char* says;
  };
  const Bad bad[] = {{"", "expected K/N"},          {"3", "expected K/N"},
                     {"0/2", "K must be in 1..N"},   {"3/2", "K must be in 1..N"},
                     {"1/0", "N must be in 1..10000"}, {"0/0", "N must be in"},
                     {"a/2", "whole numbers"},       {"1/b", "whole numbers"},
                     {"-1/2", "whole numbers"},      {"1/2/3", "whole numbers"},
                     {" 1/2", "whole numbers"},      {"1/20000", "N must be in"},
                     {"1/99999999999", "whole numbers"}, {"+1/2", "whole numbers"}};
  for (const Bad& b : bad) {
    Shard s{7, 9};
    Status st = parse_shard(b.text, &s);
    ASSERT_FALSE(st.is_ok()) << b.text;
    EXPECT_NE(st.message().find(b.says), std::string::npos) << b.text << ": " << st.message();
    EXPECT_NE(st.message().find("'" + std::string(b.text) + "'"), std::string::npos) << st.message();
    EXPECT_EQ(s, (Shard{7, 9})) << "untouched on error";
  }
}

TEST(Shard, EveryItemInExactlyOneShard) {
  // Goal: for many N and list lengths, the shards partition the list, each
  // in ascending order, sizes differing by at most one, and shard_owns agrees.
  for (int n = 1; n <= 17; ++n) {
    for (size_t total : {size_t{0}, size_t{1}, size_t{5}, size_t{16}, size_t{38}, size_t{97}}) {
      std::vector<int> owners(total, 0);
      size_t smallest = total, largest = 0;
      for (int k = 1; k <= n; ++k) {
        const Shard s{k, n};
        std::vector<size_t> mine = shard_indices(s, total);
        smallest = std::min(smallest, mine.size());
        largest = std::max(largest, mine.size());
        for (size_t j = 0; j < mine.size(); ++j) {
          ASSERT_LT(mine[j], total);
          if (j > 0) {
            EXPECT_LT(mine[j - 1], mine[j]);
          }
          EXPECT_TRUE(shard_owns(s, mine[j]));
          ++owners[mine[j]];
        }
        for (size_t i = 0; i < total; ++i) {
          EXPECT_EQ(shard_owns(s, i), std::count(mine.begin(), mine.end(), i) == 1);
        }
      }
      for (size_t i = 0; i < total; ++i) EXPECT_EQ(owners[i], 1) << "item " << i << " of " << total << ", N " << n;
      if (total > 0) {
        EXPECT_LE(largest - smallest, 1u) << total << " items, N " << n;
      }
    }
  }
}

TEST(Shard, SelectKeepsOrder) {
  // Goal: shard_select picks the owned items in the list's own order.
  const std::vector<std::string> all = {"a", "b", "c", "d", "e"};
  EXPECT_EQ(shard_select(Shard{1, 2}, all), (std::vector<std::string>{"a", "c", "e"}));
  EXPECT_EQ(shard_select(Shard{2, 2}, all), (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(shard_select(Shard{1, 1}, all), all);
  EXPECT_TRUE(shard_select(Shard{3, 7}, std::vector<int>{1, 2}).empty());
}

TEST(Shard, OptionParsesAndRejects) {
  // Goal: --shard is parsed into the optional, absent stays empty, and a bad
  // value fails parsing with a message naming the problem.
  {
    CLI::App app;
    std::optional<Shard> shard;
    add_shard_option(&app, &shard);
    app.parse(std::vector<std::string>{"2/5", "--shard"});  // CLI11 parses a reversed vector
    ASSERT_TRUE(shard.has_value());
    EXPECT_EQ(*shard, (Shard{2, 5}));
  }
  {
    CLI::App app;
    std::optional<Shard> shard;
    add_shard_option(&app, &shard);
    app.parse(std::vector<std::string>{});
    EXPECT_FALSE(shard.has_value());
  }
  CLI::App app;
  std::optional<Shard> shard;
  add_shard_option(&app, &shard);
  try {
    app.parse(std::vector<std::string>{"3/2", "--shard"});
    FAIL() << "3/2 accepted";
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("K must be in 1..N"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(shard.has_value());
}

}  // namespace
}  // namespace faultline
