// Goal: the deterministic mode (sim/sim_run.h) replays a seed exactly: the
// same seed gives byte-identical event traces and histories, different
// seeds differ; the real checker, on the sim's DESIGN.md-format history,
// finds valid-values and monotonic-reads holding under the guaranteed modes
// for many seeds; and under a deliberately weak mode (reads and writes at
// ONE, no read repair, no hints) a failing seed is found and shrinks in
// seconds.
#include "sim/sim_run.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "checker/checker.h"
#include "core/plan.h"
#include "core/test_util.h"
#include "generators/plan_gen.h"

namespace faultline {
namespace {

constexpr uint64_t kSeedsToSearchMax = 200;  // for a seed that breaks the weak mode
constexpr int kShrinkStepsMax = 2000;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The guaranteed configuration: strict quorum, QUORUM both ways, blocking
// read repair, hinted handoff.
SimRunOptions guaranteed(uint64_t seed) {
  SimRunOptions o;
  o.seed = seed;
  o.modes.read_repair = ReadRepair::kBlocking;
  o.modes.quorum = QuorumMode::kStrict;
  o.modes.hinted_handoff = true;
  return o;
}

// Reads and writes at ONE with no repair of any kind: monotonic reads are
// not guaranteed, and partitions make them fail.
SimRunOptions weak(uint64_t seed) {
  SimRunOptions o;
  o.seed = seed;
  o.modes.read_repair = ReadRepair::kNone;
  o.modes.hinted_handoff = false;
  o.read_cls = {ConsistencyLevel::kOne};
  o.write_cls = {ConsistencyLevel::kOne};
  return o;
}

// The real checker's outcome for `property` on the sim's history, with the
// first witness in *witness. plan.json carries what expectations need.
PropertyOutcome check_sim(const SimRunOptions& o, const SimRunResult& r, const std::string& property,
                          std::string* witness) {
  test::TempDir dir;
  Plan plan;
  plan.seed = o.seed;
  plan.cluster.nodes = o.nodes;
  plan.cluster.rf = o.rf;
  plan.modes = o.modes;
  plan.workload.read_cl = o.read_cls.front();
  plan.workload.write_cl = o.write_cls.front();
  plan.workload.keys = o.keys;
  plan.workload.clients = o.clients;
  plan.workload.duration_ms = o.duration_ms;
  EXPECT_TRUE(write_plan_file(dir.file("plan.json"), plan));
  test::write_file(dir.file("history.jsonl"), r.history_jsonl(o.seed));
  Verdict v = check_run_dir(dir.path(), CheckOptions{{property}});
  for (const auto& p : v.properties) {
    if (p.id != property) continue;
    if (witness) *witness = p.witnesses.empty() ? p.note : p.witnesses.front().summary;
    return p.outcome;
  }
  ADD_FAILURE() << "the checker did not report " << property << ": " << v.error;
  return PropertyOutcome::kUnknown;
}

TEST(SimDeterminismTest, SameSeedGivesByteIdenticalEventLogs) {
  const uint64_t seed = test::test_seed();
  SimRunOptions o = guaranteed(seed);
  o.faults = 5;
  const SimRunResult a = run_sim(o), b = run_sim(o);
  const std::string ta = joined(a.trace), tb = joined(b.trace);
  std::printf("seed %llu: %zu trace lines, %zu history operations\n", static_cast<unsigned long long>(seed),
              a.trace.size(), a.history.size());
  EXPECT_EQ(ta, tb);
  EXPECT_EQ(a.history_jsonl(seed), b.history_jsonl(seed));
  // The trace covers every kind of event, not just a few.
  for (const char* kind : {" deliver ", " timer ", " client ", " fault start ", " event "}) {
    EXPECT_NE(ta.find(kind), std::string::npos) << kind;
  }
}

TEST(SimDeterminismTest, DifferentSeedsGiveDifferentEventLogs) {
  const uint64_t seed = test::test_seed();
  EXPECT_NE(joined(run_sim(guaranteed(seed)).trace), joined(run_sim(guaranteed(seed + 1)).trace));
}

// Options drawn by RapidCheck: the seed, and the sizes shrinking reduces.
rc::Gen<SimRunOptions> gen_sim(SimRunOptions (*modes)(uint64_t)) {
  return rc::gen::apply(
      [modes](uint64_t seed, int clients, int keys, int faults, int64_t duration_ms) {
        SimRunOptions o = modes(seed);
        o.clients = clients;
        o.keys = keys;
        o.faults = faults;
        o.duration_ms = duration_ms;
        return o;
      },
      rc::gen::arbitrary<uint64_t>(), rc::gen::inRange(1, 5), rc::gen::inRange(1, 5), rc::gen::inRange(0, 6),
      rc::gen::inRange<int64_t>(100, 2001));
}

std::string describe(const SimRunOptions& o) {
  return "seed " + std::to_string(o.seed) + ", " + std::to_string(o.clients) + " clients, " +
         std::to_string(o.keys) + " keys, " + std::to_string(o.faults) + " faults, " +
         std::to_string(o.duration_ms) + " ms";
}

// Goal: under the guaranteed modes the checker finds the sim's histories
// valid, for every generated seed and schedule (RC_PARAMS="seed=N" replays).
RC_GTEST_PROP(SimDeterminismTest, GuaranteedModesKeepValidValuesAndMonotonicReads, ()) {
  const SimRunOptions o = *gen_sim(&guaranteed);
  const SimRunResult r = run_sim(o);
  for (const std::string property : {"valid-values", "monotonic-reads"}) {
    std::string witness;
    const PropertyOutcome outcome = check_sim(o, r, property, &witness);
    RC_ASSERT_FALSE(outcome == PropertyOutcome::kViolated);
    RC_ASSERT(outcome == PropertyOutcome::kHeld);
  }
}

// Goal: a seed that breaks monotonic reads under the weak mode is found and
// shrunk (fewer clients, keys, faults, a shorter run, a smaller seed) in
// seconds, and the shrunk options still fail, deterministically.
TEST(SimDeterminismTest, WeakModeFailingSeedShrinksInSeconds) {
  const uint64_t base = test::test_seed();
  auto fails = [](const SimRunOptions& o) {
    return check_sim(o, run_sim(o), "monotonic-reads", nullptr) == PropertyOutcome::kViolated;
  };
  const auto start = std::chrono::steady_clock::now();
  std::optional<rc::Shrinkable<SimRunOptions>> failing;
  for (uint64_t i = 0; i < kSeedsToSearchMax && !failing; ++i) {
    auto s = gen_sim(&weak)(rc::Random(base + i), kPlanGenSize);
    if (fails(s.value())) failing = s;
  }
  ASSERT_TRUE(failing) << "no seed in " << kSeedsToSearchMax << " broke monotonic reads at ONE without repair";
  const SimRunOptions before = failing->value();
  int tried = 0;
  const SimRunOptions after = shrink_walk(*failing, fails, kShrinkStepsMax, &tried);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string witness;
  EXPECT_EQ(check_sim(after, run_sim(after), "monotonic-reads", &witness), PropertyOutcome::kViolated);
  std::printf("found and shrank in %.1f s (%d candidates): %s -> %s\n  witness: %s\n", seconds, tried,
              describe(before).c_str(), describe(after).c_str(), witness.c_str());
  EXPECT_LE(after.clients, before.clients);
  EXPECT_LE(after.keys, before.keys);
  EXPECT_LE(after.faults, before.faults);
  EXPECT_LE(after.duration_ms, before.duration_ms);
  EXPECT_EQ(joined(run_sim(after).trace), joined(run_sim(after).trace));
}

}  // namespace
}  // namespace faultline
