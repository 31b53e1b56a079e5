// Goal: each Jepsen partition kind cuts exactly the links it names, and a
// seeded pick always yields targets its kind accepts.
#include "faults/partition.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace faultline {
namespace {

const std::vector<std::string> kFive = {"n1", "n2", "n3", "n4", "n5"};

// Who node x hears, itself included.
std::set<std::string> hears(const Grudge& g, const std::string& x) {
  std::set<std::string> out;
  for (const auto& n : kFive) {
    if (!link_cut(g, n, x)) out.insert(n);
  }
  return out;
}

TEST(Partition, OneIsolatesItsTargetBothWays) {
  Grudge g;
  ASSERT_TRUE(partition_grudge("one", {"n3"}, kFive, &g));
  EXPECT_EQ(hears(g, "n3"), (std::set<std::string>{"n3"}));
  EXPECT_EQ(hears(g, "n1"), (std::set<std::string>{"n1", "n2", "n4", "n5"}));
}

TEST(Partition, HalvesCutsMinorityFromMajority) {
  Grudge g;
  ASSERT_TRUE(partition_grudge("halves", {"n1", "n4"}, kFive, &g));
  EXPECT_EQ(hears(g, "n1"), (std::set<std::string>{"n1", "n4"}));
  EXPECT_EQ(hears(g, "n2"), (std::set<std::string>{"n2", "n3", "n5"}));
}

TEST(Partition, MajoritiesRingGivesEveryNodeADistinctMajority) {
  Grudge g;
  ASSERT_TRUE(partition_grudge("majorities-ring", {}, kFive, &g));
  std::set<std::set<std::string>> seen;
  for (const auto& n : kFive) {
    std::set<std::string> h = hears(g, n);
    EXPECT_EQ(h.size(), 3u) << n;
    EXPECT_TRUE(h.count(n)) << n;
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), kFive.size());
  EXPECT_EQ(hears(g, "n1"), (std::set<std::string>{"n5", "n1", "n2"}));
}

TEST(Partition, BridgeHearsBothSidesWhichDoNotHearEachOther) {
  Grudge g;
  ASSERT_TRUE(partition_grudge("bridge", {"n3", "n1", "n2"}, kFive, &g));
  EXPECT_EQ(hears(g, "n3").size(), 5u);
  EXPECT_EQ(hears(g, "n1"), (std::set<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(hears(g, "n4"), (std::set<std::string>{"n3", "n4", "n5"}));
}

TEST(Partition, OneWayCutsOnlyTheNamedDirection) {
  Grudge g;
  ASSERT_TRUE(partition_grudge("one-way", {"n1", "n2"}, kFive, &g));
  EXPECT_FALSE(link_cut(g, "n2", "n1"));  // n1 hears n2
  EXPECT_TRUE(link_cut(g, "n1", "n2"));   // n2 does not hear n1
  EXPECT_EQ(g.size(), 1u);
}

TEST(Partition, BadTargetsAreRejectedNamingTheKind) {
  Grudge g;
  Status s = partition_grudge("one", {"n1", "n2"}, kFive, &g);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("partition one"), std::string::npos) << s.message();
  EXPECT_FALSE(partition_grudge("halves", kFive, kFive, &g));
  EXPECT_FALSE(partition_grudge("one", {"n9"}, kFive, &g));
  EXPECT_FALSE(partition_grudge("one-way", {"n1", "n1"}, kFive, &g));
  s = partition_grudge("two", {}, kFive, &g);
  EXPECT_NE(s.message().find("unknown partition kind 'two'"), std::string::npos) << s.message();
}

TEST(Partition, PickedTargetsFitTheirKind) {
  Rng rng(test::test_seed());
  for (size_t n = 3; n <= 7; ++n) {
    std::vector<std::string> nodes;
    for (size_t i = 1; i <= n; ++i) nodes.push_back("n" + std::to_string(i));
    for (auto kind : kPartitionKinds) {
      Grudge g;
      auto targets = pick_partition_targets(kind, nodes, &rng);
      EXPECT_TRUE(partition_grudge(kind, targets, nodes, &g)) << kind << " on " << n << " nodes";
      EXPECT_FALSE(g.empty()) << kind << " on " << n << " nodes cuts nothing";
    }
  }
}

}  // namespace
}  // namespace faultline
