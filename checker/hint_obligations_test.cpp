// hint-obligations: hint decisions against the node's own failure detector
// events, and every replica holding the newest acknowledged version after
// quiesce unless a stated reason exempts it.
#include <gtest/gtest.h>

#include <fstream>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

const char* kId = "hint-obligations";
constexpr int64_t kMs = 1000000;

std::string event(int64_t time_ns, const std::string& name, const std::string& members) {
  return R"({"time":)" + std::to_string(time_ns) + R"(,"node":"n1","event":")" + name + "\"" +
         (members.empty() ? "" : "," + members) + "}";
}
std::string not_stored(int64_t time_ns, const std::string& reason) {
  return event(time_ns, "hint_not_stored", R"("target":"n3","key":"k","version":[5,1],"reason":")" + reason + "\"");
}

// Plan: three nodes, rf 3 (every key on n1..n3), hinted handoff on, hint
// window 3000 ms. n1 logged `n1_events`; the history is `h` (quiesced).
PropertyResult run(const std::vector<std::string>& n1_events, const HistoryBuilder& h, std::vector<NodeDump> dumps,
                   bool wipe = false) {
  Plan plan = strong_plan();
  plan.modes.hinted_handoff = true;
  plan.modes.hint_window_ms = 3000;
  if (wipe) plan.faults.push_back(FaultEvent{0, 1000, "wipe", {"n2"}, "{}"});
  HistoryBuilder with_markers = h;
  with_markers.quiesced();
  auto dir = temp_run_dir();
  write_run_dir(dir, plan, with_markers.ops(), dumps);
  for (const char* n : {"n1", "n2", "n3"}) {
    std::filesystem::create_directories(dir / "nodes" / n);
    std::ofstream out(dir / "nodes" / n / "events.jsonl");
    if (std::string(n) == "n1") {
      for (const std::string& e : n1_events) out << e << "\n";
    }
  }
  return property(check_run_dir(dir.string(), {{kId}}), kId);
}

std::vector<NodeDump> all_hold(Version v) {
  return {dump("n1", {rec("k", "a", v)}), dump("n2", {rec("k", "a", v)}), dump("n3", {rec("k", "a", v)})};
}

// Goal: "hint_window" for a target down longer than the window holds; the
// same decision 1 s into the outage, or while the target is up, or 1 s after
// the node started (its peers start down) contradicts the node's own events.
TEST(HintObligations, HintWindowDecisionsAreCheckedAgainstTheOutage) {
  HistoryBuilder none;
  const auto held = all_hold(V(5));
  const std::string down = event(1 * kMs, "peer_down", R"("peer":"n3","silent_ms":1000)");
  EXPECT_EQ(run({down, not_stored(5000 * kMs, "hint_window")}, none, held).outcome, PropertyOutcome::kHeld);

  PropertyResult early = run({down, not_stored(1001 * kMs, "hint_window")}, none, held);
  EXPECT_EQ(early.violations, 1);
  ASSERT_EQ(early.witnesses.size(), 1u);
  EXPECT_NE(early.witnesses[0].summary.find("went down only 1000 ms before"), std::string::npos)
      << early.witnesses[0].summary;

  const std::string up = event(2 * kMs, "peer_up", R"("peer":"n3")");
  EXPECT_EQ(run({down, up, not_stored(9000 * kMs, "hint_window")}, none, held).violations, 1);

  const std::string started = event(0, "node_started", R"("client_port":1,"peer_port":2,"bugs":"")");
  EXPECT_EQ(run({started, not_stored(1000 * kMs, "hint_window")}, none, held).violations, 1);
  EXPECT_EQ(run({started, not_stored(4000 * kMs, "hint_window")}, none, held).violations, 0);
  // Other reasons are taken as stated.
  EXPECT_EQ(run({down, up, not_stored(9000 * kMs, "hints_max")}, none, held).outcome, PropertyOutcome::kHeld);
}

// Goal: a replica that misses the newest acknowledged write with no stated
// reason is a violation; a newer version, or a stated reason, is fine.
TEST(HintObligations, EveryReplicaHoldsTheNewestAcknowledgedWrite) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(5));
  std::vector<NodeDump> n3_behind = {dump("n1", {rec("k", "a", V(5))}), dump("n2", {rec("k", "a", V(5))}),
                                     dump("n3", {rec("k", "old", V(3))})};
  PropertyResult missed = run({}, h, n3_behind);
  EXPECT_EQ(missed.outcome, PropertyOutcome::kViolated);
  EXPECT_EQ(missed.violations, 1);
  ASSERT_EQ(missed.witnesses.size(), 1u);
  EXPECT_NE(missed.witnesses[0].summary.find("n3 holds [3,1]"), std::string::npos) << missed.witnesses[0].summary;

  std::vector<NodeDump> n3_newer = n3_behind;
  n3_newer[2] = dump("n3", {rec("k", "b", V(7))});
  EXPECT_EQ(run({}, h, n3_newer).outcome, PropertyOutcome::kHeld);

  const std::string expired =
      event(9 * kMs, "hint_expired", R"("hint_id":"n1:1","target":"n3","key":"k","version":[5,1],"reason":"gc_grace")");
  EXPECT_EQ(run({expired}, h, n3_behind).outcome, PropertyOutcome::kHeld);
  const std::string purged = event(9 * kMs, "tombstone_purged", R"("key":"k","version":"[4,1]")");
  EXPECT_EQ(run({purged}, h, n3_behind).outcome, PropertyOutcome::kHeld);
}

// Goal: a write whose coordinator was killed right after acknowledging it
// binds no replica (its hints were never stored); a kill long after does not
// exempt it.
TEST(HintObligations, AWriteWhoseCoordinatorWasKilledIsExempt) {
  std::vector<NodeDump> n3_empty = {dump("n1", {rec("k", "a", V(5))}), dump("n2", {rec("k", "a", V(5))}),
                                    dump("n3", {})};
  HistoryBuilder soon;
  soon.acked_write(1, "k", "a", V(5));
  soon.fault("kill", "start", R"("targets":["n1"])");
  EXPECT_EQ(run({}, soon, n3_empty).outcome, PropertyOutcome::kHeld);

  HistoryBuilder late;
  late.acked_write(1, "k", "a", V(5));
  late.wait_ms(5000);
  late.fault("kill", "start", R"("targets":["n1"])");
  EXPECT_EQ(run({}, late, n3_empty).violations, 1);
}

// Goal: with a wipe in the plan the property is not guaranteed.
TEST(HintObligations, NotGuaranteedWithWipeOrWithoutHints) {
  HistoryBuilder h;
  h.acked_write(1, "k", "a", V(5));
  std::vector<NodeDump> n3_empty = {dump("n1", {rec("k", "a", V(5))}), dump("n2", {rec("k", "a", V(5))}),
                                    dump("n3", {})};
  PropertyResult r = run({}, h, n3_empty, /*wipe=*/true);
  EXPECT_FALSE(r.guaranteed);
  EXPECT_EQ(r.outcome, PropertyOutcome::kViolated);  // reported as an allowed anomaly
}

}  // namespace
}  // namespace faultline::testing
