// hlc-causality: a coordinator never stamps a write below a version it has
// already shown a client, unless it restarted in between.
#include <gtest/gtest.h>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "hlc-causality";

// A plan with clock skew: realtime-version-order is not guaranteed there,
// this property still is.
Plan skewed_plan() {
  Plan p = strong_plan();
  FaultEvent clock;
  clock.kind = "clock";
  clock.targets = {"n2"};
  clock.params_json = R"({"offset_ms":-5000})";
  p.faults.push_back(clock);
  return p;
}

// Goal: a write through n2 stamped below the version a read through n2 had
// returned is a violation (mutant hlc-ignores-peers: n2's clock lags and it
// no longer folds in what it saw); through another node it binds nothing.
TEST(HlcCausality, AWriteBelowWhatItsCoordinatorShowedIsAViolation) {
  HistoryBuilder h;
  h.via("n1");
  h.acked_write(1, "k", "a", V(100));
  h.via("n2");
  h.read_saw(2, "k", "a", V(100));
  h.acked_write(2, "k", "b", V(40));  // n2's clock is 60 behind
  PropertyResult p = check_property(kId, skewed_plan(), h);
  EXPECT_EQ(p.outcome, PropertyOutcome::kViolated);
  EXPECT_TRUE(p.guaranteed) << p.expected_reason;
  ASSERT_EQ(p.witnesses.size(), 1u);
  EXPECT_NE(p.witnesses[0].summary.find("via n2"), std::string::npos) << p.witnesses[0].summary;

  HistoryBuilder other;
  other.via("n1");
  other.acked_write(1, "k", "a", V(100));
  other.via("n3");
  other.read_saw(2, "k", "a", V(100));
  other.via("n2");
  other.acked_write(2, "k", "b", V(40));  // n2 never saw [100]
  EXPECT_EQ(check_property(kId, skewed_plan(), other).outcome, PropertyOutcome::kHeld);
}

// Goal: its own earlier write and a tombstone it read bind the coordinator
// too; an equal version is a violation; another key binds nothing.
TEST(HlcCausality, WritesDeletesAndTombstonesBindPerKey) {
  HistoryBuilder h;
  h.via("n2");
  h.acked_write(1, "k", "a", V(100));
  h.acked_write(1, "k", "b", V(100));  // equal: not newer
  h.read_saw(1, "j", std::nullopt, V(300), /*tombstone=*/true);
  h.acked_delete(1, "j", V(200));
  h.acked_write(1, "other", "c", V(1));  // nothing shown for this key
  PropertyResult p = check_property(kId, skewed_plan(), h);
  EXPECT_EQ(p.violations, 2);
}

// n2 shows [100], a fault of `kind` on `target` starts and heals, then n2
// stamps a write [40].
HistoryBuilder read_fault_write(const std::string& kind, const std::string& target) {
  HistoryBuilder h;
  h.via("n2");
  h.read_saw(1, "k", "a", V(100));
  const std::string targets = R"("targets":[")" + target + R"("])";
  h.fault(kind, "start", targets);
  h.fault(kind, "heal", targets);
  h.acked_write(1, "k", "b", V(40));
  return h;
}

// Goal: a kill or wipe of the coordinator (its start or its heal, a restart
// with a fresh clock) between the two invocations unbinds them; one of
// another node, a pause or a clock fault does not; a read still pending when
// the node restarts binds nothing afterwards.
TEST(HlcCausality, KillsAndWipesOfTheCoordinatorStartANewClock) {
  for (const char* kind : {"kill", "wipe"}) {
    EXPECT_EQ(check_property(kId, skewed_plan(), read_fault_write(kind, "n2")).outcome, PropertyOutcome::kHeld)
        << kind;
  }
  EXPECT_EQ(check_property(kId, skewed_plan(), read_fault_write("kill", "n3")).violations, 1);
  EXPECT_EQ(check_property(kId, skewed_plan(), read_fault_write("pause", "n2")).violations, 1);
  EXPECT_EQ(check_property(kId, skewed_plan(), read_fault_write("clock", "n2")).violations, 1);

  HistoryBuilder straddling;
  straddling.via("n2");
  straddling.read(1, "k");
  straddling.fault("kill", "start", R"("targets":["n2"])");
  straddling.ok_read(1, "a", V(100));
  straddling.fault("kill", "heal", R"("targets":["n2"])");
  straddling.acked_write(2, "k", "b", V(40));
  EXPECT_EQ(check_property(kId, skewed_plan(), straddling).outcome, PropertyOutcome::kHeld);
}

// Goal: only completions before the write's invocation bind it; failed and
// indeterminate writes are never judged.
TEST(HlcCausality, OnlyEarlierCompletionsBindAndOnlyOkWritesAreJudged) {
  HistoryBuilder overlap;
  overlap.via("n2");
  overlap.read(1, "k");
  overlap.write(2, "k", "b");
  overlap.ok_read(1, "a", V(100));
  overlap.ok(2, V(40));
  EXPECT_EQ(check_property(kId, skewed_plan(), overlap).outcome, PropertyOutcome::kHeld);

  HistoryBuilder unknown;
  unknown.via("n2");
  unknown.read_saw(1, "k", "a", V(100));
  unknown.write(1, "k", "b");
  unknown.info(1);
  unknown.write(3, "k", "c");
  unknown.fail(3);
  EXPECT_EQ(check_property(kId, skewed_plan(), unknown).outcome, PropertyOutcome::kHeld);
}

}  // namespace
}  // namespace faultline::testing
