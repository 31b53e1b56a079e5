// Goal: command-line overrides land in the plan (over defaults or a plan
// file), bad values are rejected naming the option or field, and the
// printed --seed command rebuilds the same plan.
#include "harness/run.h"

#include "generators/plan_gen.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

namespace faultline {
namespace {

TEST(ResolvePlanTest, OverridesReplaceDefaults) {
  RunOverrides o;
  o.seed = 42;
  o.nodes = 3;
  o.rf = 2;
  o.clients = 4;
  o.rate = 50;
  o.duration_s = 1.5;
  o.keys = 7;
  o.read_cl = "ONE";
  o.write_cl = "ALL";
  Plan p;
  ASSERT_TRUE(resolve_plan(o, &p));
  EXPECT_EQ(p.seed, 42u);
  EXPECT_EQ(p.cluster.nodes, 3);
  EXPECT_EQ(p.cluster.rf, 2);
  EXPECT_EQ(p.workload.clients, 4);
  EXPECT_EQ(p.workload.rate, 50);
  EXPECT_EQ(p.workload.duration_ms, 1500);
  EXPECT_EQ(p.workload.keys, 7);
  EXPECT_EQ(p.workload.read_cl, ConsistencyLevel::kOne);
  EXPECT_EQ(p.workload.write_cl, ConsistencyLevel::kAll);
}

TEST(ResolvePlanTest, SeedReplayArgumentsRebuildTheSamePlan) {
  RunOverrides o;
  o.seed = 7;
  o.nodes = 4;
  o.duration_s = 2;
  o.write_cl = "ONE";
  Plan first;
  ASSERT_TRUE(resolve_plan(o, &first));
  std::string args = seed_replay_args(o, first.seed);
  EXPECT_EQ(args, "--seed 7 --nodes 4 --write-cl ONE --duration 2");
  Plan again;
  ASSERT_TRUE(resolve_plan(o, &again));
  EXPECT_EQ(plan_to_json(first), plan_to_json(again));
}

// Goal: no --seed keeps the default scenario (default modes plus
// anti-entropy, under partition, kill and pause; --faults none removes the
// faults); --seed N draws the plan of N (generators/) with the pinned options
// kept and the rest drawn within them.
TEST(ResolvePlanTest, SeedDrawsThePlanAndNoSeedKeepsTheDefaults) {
  RunOverrides o;
  o.duration_s = 3;
  Plan defaults;
  ASSERT_TRUE(resolve_plan(o, &defaults));
  std::set<std::string> kinds;
  for (const auto& f : defaults.faults) kinds.insert(f.kind);
  EXPECT_EQ(kinds, (std::set<std::string>{"partition", "kill", "pause"}));
  defaults.seed = 0;
  defaults.faults.clear();
  Plan expected;
  expected.workload.duration_ms = 3000;
  expected.modes.anti_entropy = true;
  EXPECT_EQ(plan_to_json(defaults), plan_to_json(expected));

  RunOverrides quiet = o;
  quiet.faults = "none";
  Plan no_faults;
  ASSERT_TRUE(resolve_plan(quiet, &no_faults));
  EXPECT_TRUE(no_faults.faults.empty());
  EXPECT_TRUE(no_faults.modes.anti_entropy);

  o.seed = 42;
  o.nodes = 3;
  Plan seeded;
  ASSERT_TRUE(resolve_plan(o, &seeded));
  Plan drawn;
  ASSERT_TRUE(plan_from_seed(42, PlanPins{.nodes = 3, .duration_ms = 3000}, &drawn));
  EXPECT_EQ(plan_to_json(seeded), plan_to_json(drawn));
  EXPECT_EQ(seeded.cluster.nodes, 3);
  EXPECT_EQ(seeded.workload.duration_ms, 3000);
}

TEST(ResolvePlanTest, BadValuesNameTheOptionOrField) {
  struct Case {
    RunOverrides o;
    const char* named;
  };
  std::vector<Case> cases(4);
  cases[0].o.read_cl = "MOST";
  cases[0].named = "--read-cl";
  cases[1].o.rf = 9;
  cases[1].named = "cluster.rf";
  cases[2].o.duration_s = -1;
  cases[2].named = "--duration";
  cases[3].o.plan_file = "/nonexistent/plan.json";
  cases[3].named = "/nonexistent/plan.json";
  for (const auto& c : cases) {
    Plan p;
    Status s = resolve_plan(c.o, &p);
    EXPECT_FALSE(s) << c.named;
    EXPECT_NE(s.message().find(c.named), std::string::npos) << s.message();
  }
}

// Goal: every mode switch reaches plan.modes, shows in the replay command,
// and a bad value is rejected naming its flag.
TEST(ResolvePlanTest, ModeSwitchesLandInThePlanAndTheReplayCommand) {
  RunOverrides o;
  o.modes = {{"--read-repair", "async"},  {"--digest-reads", "on"},     {"--hinted-handoff", "off"},
             {"--quorum", "sloppy"},      {"--anti-entropy", "on"},     {"--anti-entropy-interval-ms", "500"},
             {"--merkle-depth", "6"},     {"--gc-grace-ms", "3000"},    {"--hint-window-ms", "700"}};
  Plan p;
  ASSERT_TRUE(resolve_plan(o, &p));
  EXPECT_EQ(p.modes.read_repair, ReadRepair::kAsync);
  EXPECT_TRUE(p.modes.digest_reads);
  EXPECT_FALSE(p.modes.hinted_handoff);
  EXPECT_EQ(p.modes.quorum, QuorumMode::kSloppy);
  EXPECT_TRUE(p.modes.anti_entropy);
  EXPECT_EQ(p.modes.anti_entropy_interval_ms, 500);
  EXPECT_EQ(p.modes.merkle_depth, 6);
  EXPECT_EQ(p.modes.gc_grace_ms, 3000);
  EXPECT_EQ(p.modes.hint_window_ms, 700);
  EXPECT_NE(seed_replay_args(o, 1).find("--quorum sloppy --anti-entropy on"), std::string::npos);

  for (auto [flag, value, message] : {std::tuple{"--digest-reads", "yes", "--digest-reads: expected on or off, got 'yes'"},
                                      std::tuple{"--merkle-depth", "99", "--merkle-depth: must be between 1 and 20, got 99"},
                                      std::tuple{"--gc-grace-ms", "1s", "--gc-grace-ms: expected a number, got '1s'"}}) {
    RunOverrides bad;
    bad.modes = {{flag, value}};
    Status s = resolve_plan(bad, &p);
    EXPECT_EQ(s.message(), message) << flag;
  }
}

}  // namespace
}  // namespace faultline
