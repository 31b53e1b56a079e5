// Goal: a plan run in the simulator (sim/plan_sim.h) is exact and honest:
// the same plan writes the same files byte for byte (history, trace,
// events, final dumps), and another seed for the same plan changes them;
// the real checker finds a correct node valid under the plan's faults
// (every kind of the fault table) and under every drawn plan with the
// guaranteed modes; under a deliberately weak mode (ONE/ONE, no repair of
// any kind) a plan breaking monotonic reads is found and shrinks, still
// failing; a seeded bug is caught on every run, since nothing varies.
#include "sim/plan_sim.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "checker/checker.h"
#include "core/file_io.h"
#include "core/test_util.h"
#include "faults/schedule.h"
#include "generators/plan_gen.h"
#include "generators/plan_shrink.h"

namespace faultline {
namespace {
using test::TempDir;
using test::test_seed;

// Seeds tried for a plan that breaks the weak mode, and shrink candidates.
constexpr uint64_t kSeedsToSearchMax = 200;
constexpr int kShrinkStepsMax = 2000;

std::string file_text(const std::string& path) {
  std::string text;
  EXPECT_TRUE(read_file(path, &text)) << path;
  return text;
}

// Every file the simulator wrote under dir, by relative path.
std::vector<std::pair<std::string, std::string>> files_of(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    out.emplace_back(std::filesystem::relative(e.path(), dir).string(), file_text(e.path().string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A short plan with one fault of every kind, one after another.
Plan every_fault_plan(uint64_t seed) {
  Plan plan;
  plan.seed = seed;
  plan.workload.duration_ms = 6000;
  plan.modes.anti_entropy = true;
  Rng rng = Rng(seed).fork(kScheduleRngStream);
  ScheduleOptions so;
  so.kinds = {"partition", "delay", "kill", "pause"};
  so.duration_ms = plan.workload.duration_ms;
  so.nodes = plan.cluster.nodes;
  plan.faults = build_schedule(so, &rng);
  EXPECT_TRUE(validate_plan(plan));
  return plan;
}

// Simulates `plan` into dir (with trace.txt), writes its plan.json and
// checks the run directory for `properties` (empty: all).
Verdict simulate_and_check(const Plan& plan, const TempDir& dir, std::vector<std::string> properties = {}) {
  PlanSimSummary summary;
  Status s = simulate_plan(plan, dir.path(), /*trace=*/true, &summary);
  EXPECT_TRUE(s) << s.message();
  EXPECT_TRUE(summary.quiesced);
  EXPECT_GT(summary.operations, 0);
  EXPECT_TRUE(write_plan_file(dir.file("plan.json"), plan));
  return check_run_dir(dir.path(), CheckOptions{std::move(properties)});
}

std::string describe(const Verdict& v) {
  std::string text = std::string(to_string(v.value)) + " " + v.error;
  for (const auto& p : v.properties) {
    text += "\n  " + p.id + ": " + std::string(to_string(p.outcome)) + " " + p.note;
    for (const auto& w : p.witnesses) text += "\n    " + w.summary;
  }
  return text;
}

std::string describe(const PlanSize& s) {
  return std::to_string(s.nodes) + " nodes, " + std::to_string(s.keys) + " keys, " + std::to_string(s.faults) +
         " faults (" + std::to_string(s.fault_ms) + " ms), " + std::to_string(s.duration_ms) + " ms";
}

const PropertyResult* property_of(const Verdict& v, const std::string& id) {
  for (const auto& p : v.properties) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

// Goal: plans the drawn-plans property once failed on the clean node stay
// valid (sim/testdata, each named for what it caught):
// - info-delete-purged: a delete that timed out (info) took effect through
//   hints and was purged; the checker took the writes before it for lost;
// - hint-on-timeout-past-gc-grace: a hint stored when an ack timed out was
//   aged from its creation, replayed after a newer tombstone was purged and
//   resurrected the write (gc_grace 800 ms, request timeout 1000 ms);
// - resurrection-after-expired-hints: hints for a partitioned replica expired
//   before their replay (gc_grace 800 ms < request timeout), the newer delete
//   was purged and the replica's older value came back, which the checker
//   took for lost writes instead of the allowed resurrection;
// - repair-then-purge-then-resurrection: a replica read-repaired to a
//   tombstone purged it, then a peer that missed the delete repaired the old
//   value back; repair-claims took the allowed resurrection for a false claim;
// - ae-round-stalled-past-gc-grace: anti-entropy rounds waited out a 2 s
//   exchange timeout on peers a bridge partition cut off, so a tombstone was
//   purged (gc_grace 800 ms) before any round reached the replica that missed
//   it; the table promised no resurrection for gc_grace > fault + interval;
// - older-tombstone-after-purge (explore seed 592): after a newer tombstone
//   was purged, a read returned an older one two disk-faulted replicas got
//   late; the read floors took that for a stale read;
// - any-write-hints-expired-in-partition (explore seed 772): writes at ANY
//   acknowledged by hints alone during a 1970 ms partition, gc_grace 800 ms:
//   the hints expired before the heal; the table guaranteed no-lost-writes;
// - hints-replayed-on-peer-up-after-kill (explore seed 2092, a node bug): a
//   coordinator killed for 4.5 s replayed, on its peers' first pong after
//   the restart, hints older than gc_grace before its first expiry tick.
TEST(PlanSim, PlansThatOnceFailedTheCleanNodeStayValid) {
  for (const char* name : {"info-delete-purged", "hint-on-timeout-past-gc-grace", "resurrection-after-expired-hints",
                           "repair-then-purge-then-resurrection", "ae-round-stalled-past-gc-grace",
                           "older-tombstone-after-purge", "any-write-hints-expired-in-partition",
                           "hints-replayed-on-peer-up-after-kill"}) {
    Plan plan;
    const std::string path = std::string(FAULTLINE_SOURCE_DIR) + "/sim/testdata/" + name + ".json";
    ASSERT_TRUE(read_plan_file(path, &plan)) << path;
    TempDir dir;
    PlanSimSummary summary;
    ASSERT_TRUE(simulate_plan(plan, dir.path(), false, &summary));
    ASSERT_TRUE(write_plan_file(dir.file("plan.json"), plan));
    const Verdict v = check_run_dir(dir.path(), CheckOptions{});
    EXPECT_EQ(v.value, VerdictValue::kValid) << name << ": " << verdict_to_json(v)
                                             << "\nreplay: faultline sim --plan " << path;
  }
}

// The three seeded bugs the simulator's explorer once missed
// (docs/bugzoo.md "In the simulator"), each as the plan `faultline explore
// --bug NAME` found and shrank on 2026-12-08 (swarm seeds 4, 4 and 113):
// with its bug the plan violates a guaranteed property, without it the plan
// is valid. Pinned as files so that a change to the generators, which
// redraws every seed, cannot lose the situations that catch them:
// - blocking-repair-early-reply, async-repair-when-blocking: a disk fault
//   refuses the repair writes of a QUORUM read with blocking read repair;
//   the clean node fails the read, the bugs answer it and a later read is
//   older;
// - hint-counts-toward-quorum: sloppy quorum, writes at ALL, three of four
//   nodes killed: writes are acknowledged by their hints and lost (explore
//   seed 405, shrunk).
TEST(PlanSim, SeededBugsTheExplorerOnceMissedAreCaughtAndTheirCleanTwinsValid) {
  for (const char* name : {"blocking-repair-early-reply", "async-repair-when-blocking", "hint-counts-toward-quorum"}) {
    Plan plan;
    const std::string path = std::string(FAULTLINE_SOURCE_DIR) + "/sim/testdata/seeded-bugs/" + name + ".json";
    ASSERT_TRUE(read_plan_file(path, &plan)) << path;
    ASSERT_EQ(plan.bugs, std::vector<std::string>{name}) << path;
    for (const bool with_bug : {true, false}) {
      if (!with_bug) plan.bugs.clear();
      TempDir dir;
      PlanSimSummary summary;
      ASSERT_TRUE(simulate_plan(plan, dir.path(), false, &summary));
      ASSERT_TRUE(write_plan_file(dir.file("plan.json"), plan));
      const Verdict v = check_run_dir(dir.path(), CheckOptions{});
      EXPECT_EQ(v.value, with_bug ? VerdictValue::kInvalid : VerdictValue::kValid)
          << name << (with_bug ? " with" : " without") << " the bug: " << verdict_to_json(v)
          << "\nreplay: faultline sim --plan " << path;
    }
  }
}

TEST(PlanSim, TheSamePlanWritesTheSameFilesByteForByte) {
  const Plan plan = every_fault_plan(test_seed());
  TempDir a, b;
  PlanSimSummary sa, sb;
  ASSERT_TRUE(simulate_plan(plan, a.path(), true, &sa));
  ASSERT_TRUE(simulate_plan(plan, b.path(), true, &sb));
  const auto fa = files_of(a.path()), fb = files_of(b.path());
  ASSERT_EQ(fa.size(), fb.size());
  // history.jsonl, trace.txt, final/n1..n5.json, nodes/n1..n5/events.jsonl.
  EXPECT_EQ(fa.size(), 2u + 2u * static_cast<size_t>(plan.cluster.nodes));
  for (size_t i = 0; i < fa.size(); ++i) {
    EXPECT_EQ(fa[i].first, fb[i].first);
    EXPECT_TRUE(fa[i].second == fb[i].second) << fa[i].first << " differs between two runs of one plan";
  }
  EXPECT_EQ(sa.operations, sb.operations);
  EXPECT_EQ(sa.messages_delivered, sb.messages_delivered);
  // The trace covers every kind of event, not just a few: deliveries,
  // timers, client operations, node mechanism events and faults.
  const std::string trace = file_text(a.file("trace.txt"));
  for (const char* kind : {" deliver n", " timer n", " client {", " event n", " crash n", " pause n"}) {
    EXPECT_NE(trace.find(kind), std::string::npos) << "the trace shows no '" << kind << "'";
  }
}

TEST(PlanSim, AnotherSeedForTheSamePlanChangesTheRun) {
  // The seed drives the workload's choices and the network's jitter: with
  // the cluster, modes and faults unchanged, the run is another one.
  const Plan plan = every_fault_plan(test_seed());
  Plan other = plan;
  other.seed = plan.seed + 1;
  TempDir a, b;
  PlanSimSummary sa, sb;
  ASSERT_TRUE(simulate_plan(plan, a.path(), true, &sa));
  ASSERT_TRUE(simulate_plan(other, b.path(), true, &sb));
  EXPECT_NE(file_text(a.file("trace.txt")), file_text(b.file("trace.txt")));
  EXPECT_NE(file_text(a.file("history.jsonl")), file_text(b.file("history.jsonl")));
}

TEST(PlanSim, ACorrectNodeIsValidUnderEveryFaultKind) {
  const Plan plan = every_fault_plan(test_seed());
  TempDir dir;
  const Verdict v = simulate_and_check(plan, dir);
  EXPECT_EQ(v.value, VerdictValue::kValid) << describe(v);
  const std::string trace = file_text(dir.file("trace.txt"));
  for (const char* what : {"pause n", "resume n", "crash n", "restart n", "drop n"}) {
    EXPECT_NE(trace.find(what), std::string::npos) << "the trace shows no '" << what << "'";
  }
}

// Values up to this in the drawn plans below: a plan of megabyte values
// takes seconds to simulate (`faultline sim --seed N` over many seeds covers
// them, docs/generators.md "Measured").
constexpr int64_t kDrawnValueBytesMax = 256 * 1024;

// Drawn plans (every fault kind, shape, key distribution and routing the
// generators know, values up to kDrawnValueBytesMax) with a 1..3 s
// workload, in the guaranteed configuration: strict quorum, QUORUM reads
// and writes, blocking read repair, hinted handoff.
rc::Gen<Plan> gen_guaranteed_plan() {
  return rc::gen::mapcat(rc::gen::inRange<int64_t>(10, 31), [](int64_t tenths_s) {
    PlanPins pins;
    pins.duration_ms = tenths_s * 100;
    return rc::gen::map(gen_plan(pins), [](Plan p) {
      p.modes.quorum = QuorumMode::kStrict;
      p.modes.read_repair = ReadRepair::kBlocking;
      p.modes.hinted_handoff = true;
      p.workload.read_cl = ConsistencyLevel::kQuorum;
      p.workload.write_cl = ConsistencyLevel::kQuorum;
      p.workload.value_bytes_max = std::min(p.workload.value_bytes_max, kDrawnValueBytesMax);
      p.workload.value_bytes_min = std::min(p.workload.value_bytes_min, p.workload.value_bytes_max);
      return p;
    });
  });
}

// The RapidCheck seed the merge gate draws its plans from. A gate must not
// decide pass or fail by a random draw: other seeds found clean-node
// failures (five in about 60 random runs on 2026-12-08, all fixed since,
// docs/generators.md "Findings of the drawn-plans property"), and a new one
// must turn up in exploring (`RC_PARAMS="seed=N"` here, or `faultline
// explore`), not block an unrelated landing.
constexpr uint64_t kGatePropertySeed = 20261208;

// Goal: under the guaranteed modes the checker finds every drawn plan's
// simulation valid, with valid-values and monotonic-reads judged (not
// unknown). RapidCheck shrinks a failure through gen_plan's tree (each step
// a simulation). Seed kGatePropertySeed unless RC_PARAMS sets one.
TEST(PlanSim, GuaranteedModesGiveAValidVerdictForDrawnPlans) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (std::getenv("RC_PARAMS") == nullptr) params.seed = kGatePropertySeed;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("seed %llu; replay or explore: RC_PARAMS=\"seed=%llu\" %s --gtest_filter=%s.%s\n",
              static_cast<unsigned long long>(params.seed), static_cast<unsigned long long>(params.seed),
              ::testing::internal::GetArgvs()[0].c_str(), info->test_suite_name(), info->name());
  auto property = [] {
    Plan plan = *gen_guaranteed_plan();
    plan.seed = *rc::gen::arbitrary<uint64_t>();  // drives the workload's choices
    TempDir dir;
    const Verdict v = simulate_and_check(plan, dir);
    RC_ASSERT(!::testing::Test::HasFailure());
    if (v.value != VerdictValue::kValid) RC_FAIL(describe(v) + "\nplan: " + plan_to_json(plan));
    for (const char* id : {"valid-values", "monotonic-reads"}) {
      const PropertyResult* p = property_of(v, id);
      RC_ASSERT(p != nullptr);
      RC_ASSERT(p->outcome != PropertyOutcome::kUnknown);
    }
  };
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  const auto result = rc::detail::checkTestable(property, metadata, params);
  std::ostringstream message;
  rc::detail::printResultMessage(result, message);
  if (!result.template is<rc::detail::SuccessResult>()) ADD_FAILURE() << message.str();
}

// The weak mode: reads and writes at ONE with no repair of any kind, so
// monotonic reads are not guaranteed and faults make them fail. Small
// pinned sizes keep each simulation (and so each shrink step) short.
Plan weak_plan(uint64_t seed) {
  PlanPins pins;
  pins.nodes = 3;
  pins.rf = 3;
  pins.clients = 3;
  pins.keys = 3;
  pins.duration_ms = 2000;
  Plan plan;
  EXPECT_TRUE(plan_from_seed(seed, pins, &plan));
  plan.modes.read_repair = ReadRepair::kNone;
  plan.modes.hinted_handoff = false;
  plan.modes.anti_entropy = false;
  plan.modes.quorum = QuorumMode::kStrict;
  plan.workload.read_cl = ConsistencyLevel::kOne;
  plan.workload.write_cl = ConsistencyLevel::kOne;
  return plan;
}

// Whether simulating `plan` violates monotonic-reads; the first witness in
// *witness.
bool breaks_monotonic_reads(const Plan& plan, std::string* witness = nullptr) {
  TempDir dir;
  const Verdict v = simulate_and_check(plan, dir, {"monotonic-reads"});
  const PropertyResult* p = property_of(v, "monotonic-reads");
  if (p == nullptr) {
    ADD_FAILURE() << "the checker did not report monotonic-reads: " << v.error;
    return false;
  }
  if (witness) *witness = p->witnesses.empty() ? p->note : p->witnesses.front().summary;
  return p->outcome == PropertyOutcome::kViolated;
}

// Goal: a plan that breaks monotonic reads under the weak mode is found
// among seeded plans and shrunk (plan_shrink's tree, shrink_walk) to one no
// larger in any size that still fails, and fails the same way on every run.
TEST(PlanSim, WeakModeFailingPlanIsFoundAndShrinks) {
  const uint64_t base = test_seed();
  const auto start = std::chrono::steady_clock::now();
  std::optional<Plan> failing;
  for (uint64_t i = 0; i < kSeedsToSearchMax && !failing; ++i) {
    Plan plan = weak_plan(base + i);
    if (breaks_monotonic_reads(plan)) failing = plan;
  }
  ASSERT_TRUE(failing) << "no seed in " << kSeedsToSearchMax << " broke monotonic reads at ONE without repair";
  int tried = 0;
  const Plan after =
      shrink_walk(shrinkable_plan(*failing), [](const Plan& p) { return breaks_monotonic_reads(p); }, kShrinkStepsMax,
                  &tried);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string witness;
  EXPECT_TRUE(breaks_monotonic_reads(after, &witness));
  const PlanSize before_size = plan_size(*failing), after_size = plan_size(after);
  std::printf("seed %llu: found and shrank in %.1f s (%d candidates): %s -> %s\n  witness: %s\n  shrunk plan: %s",
              static_cast<unsigned long long>(failing->seed), seconds, tried, describe(before_size).c_str(),
              describe(after_size).c_str(), witness.c_str(), plan_to_json(after).c_str());
  EXPECT_LE(after_size.nodes, before_size.nodes);
  EXPECT_LE(after_size.keys, before_size.keys);
  EXPECT_LE(after_size.faults, before_size.faults);
  EXPECT_LE(after_size.fault_ms, before_size.fault_ms);
  EXPECT_LE(after_size.duration_ms, before_size.duration_ms);
  EXPECT_LE(after.workload.clients, failing->workload.clients);
  TempDir a, b;
  PlanSimSummary sa, sb;
  ASSERT_TRUE(simulate_plan(after, a.path(), true, &sa));
  ASSERT_TRUE(simulate_plan(after, b.path(), true, &sb));
  EXPECT_TRUE(files_of(a.path()) == files_of(b.path())) << "the shrunk plan ran differently twice";
}

TEST(PlanSim, ASeededBugIsCaughtEveryTime) {
  // merkle-leaf-off-by-one: anti-entropy compares one leaf too few, so the
  // last leaf's divergence never heals; a replica that missed writes keeps
  // missing them and the dumps' roots disagree.
  Plan plan = every_fault_plan(test_seed());
  plan.bugs = {"merkle-leaf-off-by-one"};
  plan.modes.hinted_handoff = false;
  plan.modes.read_repair = ReadRepair::kNone;
  plan.workload.keys = 200;
  TempDir dir;
  const Verdict v = simulate_and_check(plan, dir);
  EXPECT_EQ(v.value, VerdictValue::kInvalid) << describe(v);
}

}  // namespace
}  // namespace faultline
