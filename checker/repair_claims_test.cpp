// repair-claims: a read_repaired claim must be what the replica then holds.
#include <gtest/gtest.h>

#include <fstream>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "repair-claims";

std::string repaired(const std::string& replica, int64_t ts, const std::string& extra = "") {
  return R"({"time":5,"node":"n1","event":"read_repaired","key":"k","replica":")" + replica +
         R"(","version":[)" + std::to_string(ts) + R"(,1],"tombstone":false)" + extra + "}";
}

// n1 logged `n1_events`, n3 `n3_events`; the history has `history`.
PropertyResult run(const std::vector<std::string>& n1_events, std::vector<NodeDump> dumps,
                   const std::vector<std::string>& n3_events = {}, HistoryBuilder history = HistoryBuilder()) {
  Plan plan = strong_plan();  // read repair blocking
  auto dir = temp_run_dir();
  history.quiesced();
  write_run_dir(dir, plan, history.ops(), dumps);
  for (const char* n : {"n1", "n2", "n3"}) {
    std::filesystem::create_directories(dir / "nodes" / n);
    std::ofstream out(dir / "nodes" / n / "events.jsonl");
    const std::string name = n;
    for (const std::string& e : name == "n1" ? n1_events : name == "n3" ? n3_events : std::vector<std::string>{}) {
      out << e << "\n";
    }
  }
  return property(check_run_dir(dir.string(), {{kId}}), kId);
}

std::vector<NodeDump> n3_holds(std::vector<Record> n3) { return {dump("n1", {}), dump("n2", {}), dump("n3", std::move(n3))}; }

// Goal: a claim the replica bears out (that version or a newer one) holds; a
// replica holding an older version breaks it (mutant repair-uses-stale-winner:
// the repair wrote the coordinator's own older copy).
TEST(RepairClaims, AClaimMustBeWhatTheReplicaHolds) {
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({rec("k", "x", V(5))})).outcome, PropertyOutcome::kHeld);
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({rec("k", "y", V(7))})).outcome, PropertyOutcome::kHeld);
  PropertyResult p = run({repaired("n3", 5)}, n3_holds({rec("k", "old", V(4))}));
  EXPECT_EQ(p.violations, 1);
  ASSERT_EQ(p.witnesses.size(), 1u);
  EXPECT_NE(p.witnesses[0].summary.find("n1 read_repaired n3"), std::string::npos) << p.witnesses[0].summary;
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({})).violations, 1);
}

// Goal: a newer tombstone the replica purged, a wipe of the replica after the
// claim, and a repair to a fallback for its owner are exempt.
TEST(RepairClaims, PurgesWipesAndHandoffsAreExempt) {
  const std::string purged = R"({"time":9,"node":"n3","event":"tombstone_purged","key":"k","version":[6,1]})";
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({}), {purged}).outcome, PropertyOutcome::kHeld);
  // After the purge a peer's read repair brought an older value back (sim
  // plan repair-then-purge-then-resurrection): a resurrection, not a false
  // claim; a purged tombstone older than the claim does not excuse it.
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({rec("k", "old", V(4))}), {purged}).outcome, PropertyOutcome::kHeld);
  const std::string older = R"({"time":9,"node":"n3","event":"tombstone_purged","key":"k","version":[4,1]})";
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({rec("k", "old", V(3))}), {older}).violations, 1);
  EXPECT_EQ(run({repaired("n3", 5, R"(,"owner":"n2")")}, n3_holds({})).outcome, PropertyOutcome::kHeld);
  HistoryBuilder wiped;
  wiped.fault("wipe", "start", R"("targets":["n3"])");
  EXPECT_EQ(run({repaired("n3", 5)}, n3_holds({}), {}, wiped).outcome, PropertyOutcome::kHeld);
}

}  // namespace
}  // namespace faultline::testing
