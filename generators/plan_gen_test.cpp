// Goal: plans drawn from a seed are exact (same seed and pins -> the same
// plan.json bytes), always valid (validate_plan, and every fault decodes as
// the nemesis reads it), honour pinned options, and shrink toward small
// plans: fewer nodes, keys, faults, shorter faults and runs.
#include "generators/plan_gen.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/ring.h"
#include "core/test_util.h"
#include "faults/schedule.h"

namespace faultline {
namespace {

// Bound on the seeds tried while looking for a plan with some feature.
constexpr uint64_t kSeedsToSearchMax = 1000;
constexpr int kShrinkStepsMax = 100000;

Plan drawn(uint64_t seed, const PlanPins& pins = {}) {
  Plan p;
  Status s = plan_from_seed(seed, pins, &p);
  EXPECT_TRUE(s) << "seed " << seed << ": " << s.message();
  return p;
}

// Everything a run needs from a drawn plan, as RapidCheck assertions.
void check_runnable(const Plan& p) {
  RC_ASSERT(validate_plan(p).is_ok());
  const WorkloadSpec& w = p.workload;
  int percent_sum = 0;
  for (double f : {w.read_fraction, w.write_fraction, w.delete_fraction}) {
    RC_ASSERT(std::abs(f * 100 - std::round(f * 100)) < 1e-9);
    percent_sum += static_cast<int>(std::lround(f * 100));
  }
  RC_ASSERT(percent_sum == 100);
  for (const FaultEvent& f : p.faults) {
    FaultSpec spec;
    Status s = decode_fault(f, p.cluster.nodes, &spec);
    RC_ASSERT_FALSE(!s);
    RC_ASSERT(f.duration_ms >= kFaultDurationMsMin);
    RC_ASSERT(f.start_ms + f.duration_ms <= w.duration_ms);
  }
  RC_ASSERT(std::is_sorted(p.faults.begin(), p.faults.end(),
                           [](const FaultEvent& a, const FaultEvent& b) { return a.start_ms < b.start_ms; }));
  // Node faults in force together never share a node and leave one up.
  for (size_t i = 0; i < p.faults.size(); ++i) {
    const FaultEvent& a = p.faults[i];
    auto down = [](const FaultEvent& e) { return e.kind == "kill" || e.kind == "pause" || e.kind == "wipe"; };
    if (!down(a)) continue;
    std::set<std::string> nodes_down(a.targets.begin(), a.targets.end());
    for (size_t j = 0; j < p.faults.size(); ++j) {
      const FaultEvent& b = p.faults[j];
      if (i == j || !down(b) || b.start_ms > a.start_ms || b.start_ms + b.duration_ms <= a.start_ms) continue;
      for (const auto& t : b.targets) RC_ASSERT(nodes_down.insert(t).second);
    }
    RC_ASSERT(static_cast<int>(nodes_down.size()) < std::max(2, p.cluster.nodes));
  }
  // Round trip: what plan.json holds replays this plan.
  Plan back;
  RC_ASSERT(plan_from_json(plan_to_json(p), &back).is_ok());
  RC_ASSERT(plan_to_json(back) == plan_to_json(p));
}

TEST(PlanFromSeedTest, SameSeedGivesByteIdenticalPlanJson) {
  const uint64_t seed = test::test_seed();
  PlanPins pins;
  pins.nodes = 4;
  for (const PlanPins& p : {PlanPins{}, pins}) {
    EXPECT_EQ(plan_to_json(drawn(seed, p)), plan_to_json(drawn(seed, p)));
  }
  EXPECT_EQ(drawn(seed).seed, seed);
}

TEST(PlanFromSeedTest, DifferentSeedsGiveDifferentPlans) {
  constexpr uint64_t kSeeds = 50;
  std::set<std::string> texts;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Plan p = drawn(seed);
    p.seed = 0;  // compare what was drawn, not the seed field
    texts.insert(plan_to_json(p));
  }
  EXPECT_EQ(texts.size(), kSeeds);
}

bool has_shape(const Plan& p, const char* shape) {
  const auto shapes = fault_shapes(p);
  return std::find(shapes.begin(), shapes.end(), shape) != shapes.end();
}

// A plan with a disk fault that fault_shapes calls neither
// disk-across-replay nor disk-on-key-replicas: the disk-on-replicas shape
// (generators/plan_gen.h).
bool disk_on_replicas(const Plan& p) {
  const bool disk = std::any_of(p.faults.begin(), p.faults.end(), [](const FaultEvent& f) { return f.kind == "disk"; });
  return disk && !has_shape(p, "disk-across-replay") && !has_shape(p, "disk-on-key-replicas");
}

// The plan the swarm alone draws from `seed` (gen_plan, no stream of its
// own), with the disk fault's stream applied when `with_disk`.
Plan swarm_plan(uint64_t seed, bool with_disk) {
  Plan p = gen_plan(PlanPins{})(rc::Random(seed), kPlanGenSize).value();
  if (with_disk) draw_disk_faults(seed, &p);
  p.seed = seed;
  return p;
}

// Goal: the disk fault is drawn from its own stream, after everything else:
// a plan_from_seed plan without its disk fault is, byte for byte, the plan
// the swarm draws from that seed (what every seed drew before the disk
// fault existed), and about kDiskChance of the plans get one (a few more:
// disk-on-key-replicas is drawn where those draw none).
TEST(PlanFromSeedTest, TheDiskFaultLeavesTheRestOfThePlanAsDrawnBefore) {
  constexpr uint64_t kSeeds = 300;
  int with_disk = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Plan p = swarm_plan(seed, /*with_disk=*/true);
    const size_t before = p.faults.size();
    std::erase_if(p.faults, [](const FaultEvent& f) { return f.kind == "disk"; });
    EXPECT_LE(before - p.faults.size(), 1u) << "seed " << seed;
    with_disk += before != p.faults.size();
    EXPECT_EQ(plan_to_json(p), plan_to_json(swarm_plan(seed, /*with_disk=*/false))) << "seed " << seed;
  }
  EXPECT_GT(with_disk, kSeeds * kDiskChance / 2);
  EXPECT_LT(with_disk, kSeeds * kDiskChance * 3 / 2);
}

// Goal: all-replicas-down is drawn from its own stream after the disk
// fault: a plan_from_seed plan is the swarm's plan with its disk fault plus
// at most one event, a kill or pause of exactly the heaviest keys'
// replicas, only where all_replicas_down_can_show, overlapping no other
// node fault, at least kAllReplicasDownMsFloor long and healed by the
// workload's end.
TEST(PlanFromSeedTest, AllReplicasDownIsOneEventOnTheHeaviestKeysReplicas) {
  constexpr uint64_t kSeeds = 300;
  int aimed = 0;
  std::string seeds;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Plan p = drawn(seed);
    const Plan before = swarm_plan(seed, /*with_disk=*/true);
    if (p.faults.size() == before.faults.size()) {
      EXPECT_EQ(plan_to_json(p), plan_to_json(before)) << "seed " << seed;
      continue;
    }
    ASSERT_EQ(p.faults.size(), before.faults.size() + 1) << "seed " << seed;
    ++aimed;
    seeds += " " + std::to_string(seed);
    ASSERT_TRUE(all_replicas_down_can_show(before)) << "seed " << seed;
    Plan rest = p;
    const auto added = std::find_if(rest.faults.begin(), rest.faults.end(), [&](const FaultEvent& f) {
      return std::find(before.faults.begin(), before.faults.end(), f) == before.faults.end();
    });
    ASSERT_NE(added, rest.faults.end()) << "seed " << seed;
    const FaultEvent e = *added;
    rest.faults.erase(added);
    EXPECT_EQ(plan_to_json(rest), plan_to_json(before)) << "seed " << seed;
    EXPECT_TRUE(e.kind == "kill" || e.kind == "pause") << "seed " << seed;
    EXPECT_EQ(e.targets, heaviest_key_replicas(p)) << "seed " << seed;
    EXPECT_EQ(static_cast<int>(e.targets.size()), p.cluster.rf) << "seed " << seed;
    const int64_t end_ms = e.start_ms + e.duration_ms;
    EXPECT_LE(end_ms, p.workload.duration_ms) << "seed " << seed;
    EXPECT_GE(e.duration_ms, kAllReplicasDownMsFloor) << "seed " << seed;
    for (const FaultEvent& f : rest.faults) {
      const bool node_fault = f.kind == "kill" || f.kind == "pause" || f.kind == "wipe";
      EXPECT_FALSE(node_fault && f.start_ms < end_ms && e.start_ms < f.start_ms + f.duration_ms) << "seed " << seed;
    }
    EXPECT_TRUE(has_shape(p, "all-replicas-down")) << "seed " << seed;
  }
  std::printf("all-replicas-down in %d of %llu seeds:%s\n", aimed, static_cast<unsigned long long>(kSeeds), seeds.c_str());
  EXPECT_GT(aimed, 0);
}

// Goal: disk-on-key-replicas leaves exactly one replica of the plan's
// heaviest keys writable, only where that can show (disk_can_fool_quorums):
// every target is a replica of some surveyed key whose last replica is not
// a target, and for hot-key plans that key is k0.
TEST(PlanFromSeedTest, DiskOnKeyReplicasLeavesOneReplicaOfTheHeaviestKeys) {
  constexpr uint64_t kSeeds = 300;
  int aimed = 0;
  std::string seeds;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Plan p = drawn(seed);
    if (!has_shape(p, "disk-on-key-replicas")) continue;
    ++aimed;
    seeds += " " + std::to_string(seed);
    ASSERT_TRUE(disk_can_fool_quorums(p)) << "seed " << seed;
    const auto disk = std::find_if(p.faults.begin(), p.faults.end(), [](const FaultEvent& f) { return f.kind == "disk"; });
    ASSERT_NE(disk, p.faults.end()) << "seed " << seed;
    EXPECT_EQ(static_cast<int>(disk->targets.size()), p.cluster.rf - 1) << "seed " << seed;
    if (p.workload.key_distribution != KeyDistribution::kHotKey) continue;
    std::vector<NodeId> ids;
    for (int i = 1; i <= p.cluster.nodes; ++i) ids.push_back(static_cast<NodeId>(i));
    std::vector<NodeId> replicas = Ring(ids, p.cluster.vnodes, p.cluster.rf).preference_list(token_of("k0"));
    std::vector<std::string> blind;
    for (size_t i = 0; i + 1 < replicas.size(); ++i) blind.push_back(node_name(replicas[i]));
    std::sort(blind.begin(), blind.end());
    std::vector<std::string> targets = disk->targets;
    std::sort(targets.begin(), targets.end());
    EXPECT_EQ(targets, blind) << "seed " << seed;
  }
  std::printf("disk-on-key-replicas in %d of %llu seeds:%s\n", aimed, static_cast<unsigned long long>(kSeeds), seeds.c_str());
  EXPECT_GT(aimed, 0);
}

// Goal: the swarm covers its whole space. Over 500 seeds every key
// distribution, routing, value-size class (values past the node's limit
// included), key-count decade, delete-heavy mixes, short gc_grace with
// anti-entropy on and off, fault-free plans and every schedule shape
// appear; every plan is valid.
TEST(PlanFromSeedTest, FiveHundredSeedsCoverEveryFeature) {
  constexpr uint64_t kSeeds = 500;
  std::map<std::string, int> seen;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Plan p = drawn(seed);
    ASSERT_TRUE(validate_plan(p)) << "seed " << seed;
    const WorkloadSpec& w = p.workload;
    ++seen["dist " + std::string(to_string(w.key_distribution))];
    ++seen["routing " + std::string(to_string(w.routing))];
    if (w.read_recent_share > 0) ++seen["recent reads"];
    if (w.key_distribution == KeyDistribution::kFresh) {
      EXPECT_EQ(w.read_recent_share, 0) << "seed " << seed;
    }
    if (w.value_bytes_max == 0) ++seen["values bare"];
    else if (w.value_bytes_max <= 1024) ++seen["values small"];
    else if (w.value_bytes_max <= 256 * 1024) ++seen["values medium"];
    if (w.value_bytes_max > 4 * 1024 * 1024) {
      ++seen["values above the node limit"];
      EXPECT_LE(w.rate, kLargeValueRateMax) << "seed " << seed;
    }
    ++seen["keys decade " + std::to_string(w.keys <= 10 ? 1 : w.keys <= 100 ? 2 : w.keys <= 1000 ? 3 : 4)];
    if (w.delete_fraction > 0.3 + 1e-9) ++seen["delete-heavy"];
    if (p.modes.gc_grace_ms == 800) ++seen[p.modes.anti_entropy ? "gc_grace 800 ae on" : "gc_grace 800 ae off"];
    if (p.faults.empty()) ++seen["fault-free"];
    for (const std::string& shape : fault_shapes(p)) ++seen[shape.rfind("overlap(", 0) == 0 ? "overlap" : shape];
    if (disk_on_replicas(p)) ++seen["disk-on-replicas"];
    EXPECT_FALSE(plan_shape(p).empty());
  }
  std::vector<std::string> expected = {
      "dist uniform", "dist zipfian", "dist hot-key", "dist fresh", "routing random", "routing pinned",
      "routing failover", "values bare", "values small", "values medium", "values above the node limit",
      "keys decade 1", "keys decade 2", "keys decade 3", "keys decade 4", "delete-heavy", "gc_grace 800 ae on",
      "gc_grace 800 ae off", "fault-free", "recent reads", "disk-across-replay", "disk-on-replicas",
      "disk-on-key-replicas", "all-replicas-down"};
  for (const char* shape : kFaultShapes) {
    if (std::string(shape) != "sparse") expected.push_back(shape);
  }
  for (const std::string& e : expected) EXPECT_GT(seen[e], 0) << e << " never drawn in " << kSeeds << " seeds";
  for (const auto& [feature, count] : seen) std::printf("%-30s %d\n", feature.c_str(), count);
}

// The shapes of seeds 1..20, one line each (docs/generators.md shows them;
// scripts/plan_shapes.sh prints them).
TEST(PlanFromSeedTest, PrintsTheShapesOfSeeds1To20) {
  for (uint64_t seed = 1; seed <= 20; ++seed) std::printf("seed %2llu: %s\n", static_cast<unsigned long long>(seed), plan_shape(drawn(seed)).c_str());
}

TEST(PlanShapeTest, NamesTheCompositionsOfAHandWrittenPlan) {
  Plan p;
  p.cluster.nodes = 5;
  p.workload.duration_ms = 10000;
  p.faults = {
      {1000, 3000, "partition", {"n1", "n2"}, R"({"partition":"one-way"})"},
      {1500, 1000, "kill", {"n1"}, "{}"},
      {2000, 500, "pause", {"n3"}, "{}"},
      {6000, 2000, "pause", {"n4"}, "{}"},
  };
  EXPECT_EQ(fault_shapes(p), (std::vector<std::string>{"two-down", "kill-in-partition", "pause-around-fd",
                                                        "partial-write", "overlap(3)"}));
  const std::string line = plan_shape(p);
  EXPECT_NE(line.find("faults 4: partition+kill+pause two-down"), std::string::npos) << line;
  p.faults.clear();
  EXPECT_NE(plan_shape(p).find("| faults 0 |"), std::string::npos) << plan_shape(p);
}

// Seed 42 draws this plan, byte for byte. A change here means old seeds
// replay different plans: say so in docs/generators.md.
TEST(PlanFromSeedTest, Seed42DrawsTheRecordedPlan) {
  const std::string recorded = test::read_file(std::string(FAULTLINE_SOURCE_DIR) + "/generators/testdata/seed42.json");
  EXPECT_EQ(plan_to_json(drawn(42)), recorded);
}

RC_GTEST_PROP(PlanGenTest, EveryDrawnPlanIsRunnable, ()) {
  check_runnable(*gen_plan(PlanPins{}));
}

RC_GTEST_PROP(PlanGenTest, PinsAreHonouredAndConstrainDependentChoices, (uint64_t seed)) {
  PlanPins pins;
  if (*rc::gen::arbitrary<bool>()) pins.nodes = *rc::gen::inRange(1, 10);
  if (*rc::gen::arbitrary<bool>()) pins.rf = *rc::gen::inRange(1, pins.nodes.value_or(9) + 1);
  if (*rc::gen::arbitrary<bool>()) pins.vnodes = *rc::gen::inRange(1, 64);
  if (*rc::gen::arbitrary<bool>()) pins.keys = *rc::gen::inRange(1, 1000);
  if (*rc::gen::arbitrary<bool>()) pins.clients = *rc::gen::inRange(1, 16);
  if (*rc::gen::arbitrary<bool>()) pins.rate = *rc::gen::inRange(1, 5000) / 10.0;
  if (*rc::gen::arbitrary<bool>()) pins.duration_ms = *rc::gen::inRange<int64_t>(0, 60000);
  Plan p;
  Status s = plan_from_seed(seed, pins, &p);
  RC_ASSERT_FALSE(!s);
  check_runnable(p);
  RC_ASSERT(p.seed == seed);
  if (pins.nodes) RC_ASSERT(p.cluster.nodes == *pins.nodes);
  if (pins.rf) RC_ASSERT(p.cluster.rf == *pins.rf);
  if (pins.vnodes) RC_ASSERT(p.cluster.vnodes == *pins.vnodes);
  if (pins.keys) RC_ASSERT(p.workload.keys == *pins.keys);
  if (pins.clients) RC_ASSERT(p.workload.clients == *pins.clients);
  if (pins.rate) RC_ASSERT(p.workload.rate == *pins.rate);
  if (pins.duration_ms) RC_ASSERT(p.workload.duration_ms == *pins.duration_ms);
}

TEST(PlanFromSeedTest, UnfitPinsAreRejectedNamingTheField) {
  PlanPins pins;
  pins.nodes = 3;
  pins.rf = 4;
  Plan p;
  Status s = plan_from_seed(1, pins, &p);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("cluster.rf"), std::string::npos) << s.message();
  pins = PlanPins{};
  pins.nodes = 0;
  s = plan_from_seed(1, pins, &p);
  EXPECT_NE(s.message().find("cluster.nodes"), std::string::npos) << s.message();
}

// A drawn rf above the usual node range lifts the node count with it.
TEST(PlanFromSeedTest, PinnedRfLiftsTheDrawnNodeCount) {
  PlanPins pins;
  pins.rf = 9;
  for (uint64_t seed = 1; seed <= 20; ++seed) EXPECT_GE(drawn(seed, pins).cluster.nodes, 9) << "seed " << seed;
}

bool has_kill(const Plan& p) {
  return std::any_of(p.faults.begin(), p.faults.end(), [](const FaultEvent& f) { return f.kind == "kill"; });
}

// The first seed whose plan fails `fails`, and that plan's shrink tree.
template <typename Fails>
rc::Shrinkable<Plan> first_failing(const PlanPins& pins, Fails fails, uint64_t* seed) {
  for (*seed = 1; *seed <= kSeedsToSearchMax; ++*seed) {
    rc::Shrinkable<Plan> s = gen_plan(pins)(rc::Random(*seed), kPlanGenSize);
    if (fails(s.value())) return s;
  }
  ADD_FAILURE() << "no seed in 1.." << kSeedsToSearchMax << " draws a failing plan";
  return gen_plan(pins)(rc::Random(1), kPlanGenSize);
}

// Goal: the property "no plan has a kill fault" shrinks to the smallest
// counterexample: one short kill of n1 at the start, in a 3-node cluster
// with one key and the shortest run.
TEST(PlanShrinkTest, NoKillPropertyShrinksToOneShortKillInASmallCluster) {
  uint64_t seed = 0;
  rc::Shrinkable<Plan> start = first_failing(PlanPins{}, has_kill, &seed);
  int tried = 0;
  Plan small = shrink_walk(start, has_kill, kShrinkStepsMax, &tried);
  PlanSize before = plan_size(start.value()), after = plan_size(small);
  std::printf("seed %llu: shrank %d faults/%d nodes/%d keys/%lld ms to %d/%d/%d/%lld in %d candidates\n",
              static_cast<unsigned long long>(seed), before.faults, before.nodes, before.keys,
              static_cast<long long>(before.duration_ms), after.faults, after.nodes, after.keys,
              static_cast<long long>(after.duration_ms), tried);
  ASSERT_EQ(small.faults.size(), 1u) << plan_to_json(small);
  EXPECT_EQ(small.faults[0].kind, "kill");
  EXPECT_EQ(small.faults[0].targets, std::vector<std::string>{"n1"});
  EXPECT_EQ(small.faults[0].start_ms, 0);
  EXPECT_EQ(small.faults[0].duration_ms, kFaultDurationMsMin);
  EXPECT_EQ(small.cluster.nodes, kNodesMin);
  EXPECT_EQ(small.workload.keys, 1);
  EXPECT_EQ(small.workload.duration_ms, kDurationMsMin);
  EXPECT_LT(tried, kShrinkStepsMax);
}

// Goal: shrinking keeps pins (they are not part of the shrink tree) and
// keeps the plan valid at every step.
TEST(PlanShrinkTest, ShrinkingKeepsPinsAndValidity) {
  PlanPins pins;
  pins.nodes = 5;
  pins.duration_ms = 4000;
  auto two_faults = [](const Plan& p) { return p.faults.size() >= 2; };
  uint64_t seed = 0;
  rc::Shrinkable<Plan> start = first_failing(pins, two_faults, &seed);
  int tried = 0;
  Plan small = shrink_walk(
      start,
      [&](const Plan& p) {
        EXPECT_TRUE(validate_plan(p)) << plan_to_json(p);
        return two_faults(p);
      },
      kShrinkStepsMax, &tried);
  EXPECT_EQ(small.faults.size(), 2u) << "seed " << seed;
  EXPECT_EQ(small.cluster.nodes, 5);
  EXPECT_EQ(small.workload.duration_ms, 4000);
}

}  // namespace
}  // namespace faultline
