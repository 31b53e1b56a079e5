#include "core/bugs.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/node_config.h"
#include "core/plan.h"

namespace faultline {
namespace {

TEST(Bugs, CatalogueHasTwelveUniqueNamesInEnumOrder) {
  std::set<std::string_view> names;
  size_t i = 0;
  for (const BugInfo& b : bug_catalogue()) {
    EXPECT_EQ(static_cast<size_t>(b.bug), i++);
    EXPECT_TRUE(names.insert(b.name).second) << b.name;
    EXPECT_EQ(bug_from_name(b.name), b.bug);
    EXPECT_EQ(bug_name(b.bug), b.name);
  }
  EXPECT_EQ(names.size(), 12u);
}

TEST(Bugs, ParseKeepsKnownNamesAndRejectsUnknownOnesNamingThem) {
  BugSet set;
  ASSERT_TRUE(BugSet::parse({"hint-counts-toward-quorum", "merkle-skips-wraparound"}, &set).is_ok());
  EXPECT_TRUE(set.has(Bug::kHintCountsTowardQuorum));
  EXPECT_TRUE(set.has(Bug::kMerkleSkipsWraparound));
  EXPECT_FALSE(set.has(Bug::kAsyncRepairWhenBlocking));
  Status s = BugSet::parse({"hint-counts-toward-quorum", "nope"}, &set);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("'nope'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("merkle-leaf-off-by-one"), std::string::npos) << s.message();
  BugSet empty;
  ASSERT_TRUE(BugSet::parse({}, &empty).is_ok());
  EXPECT_TRUE(empty.empty());
}

TEST(Bugs, PlanAndNodeConfigRejectUnknownBugNames) {
  Plan p;
  p.bugs = {"not-a-bug"};
  Status s = validate_plan(p);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("bugs: unknown seeded bug 'not-a-bug'"), std::string::npos) << s.message();

  NodeConfig c;
  c.id = 1;
  c.client_port = 1;
  c.peer_port = 2;
  c.rf = 1;
  c.data_dir = "/tmp/unused";
  c.cluster_secret = generate_cluster_secret();
  c.bugs = {"not-a-bug"};
  NodeConfig back;
  s = node_config_from_json(node_config_to_json(c), &back);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("bugs: unknown seeded bug 'not-a-bug'"), std::string::npos) << s.message();
  c.bugs = {"equal-versions-diverge"};
  s = node_config_from_json(node_config_to_json(c), &back);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_TRUE(back.bug_set().has(Bug::kEqualVersionsDiverge));
}

}  // namespace
}  // namespace faultline
