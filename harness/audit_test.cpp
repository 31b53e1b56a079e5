// The audit's pure parts: verdicts in -> cells out (held, VIOLATED, allowed
// observed, allowed not observed, unknown) and the matrix's plans.
#include "harness/audit_report.h"

#include <gtest/gtest.h>

#include <set>

#include "core/test_util.h"

namespace faultline {
namespace {

CellRun run_with(const std::string& row, uint64_t seed, const std::string& property, bool guaranteed,
                 PropertyOutcome outcome, int64_t violations = 0) {
  CellRun r;
  r.row = row;
  r.seed = seed;
  r.exit_code = 0;
  r.run_dir = "out/runs/" + row + "/seed" + std::to_string(seed) + "/run";
  r.has_verdict = true;
  PropertyResult p;
  p.id = property;
  p.guaranteed = guaranteed;
  p.expected_reason = guaranteed ? "guaranteed: blocking read repair" : "not guaranteed: read repair none";
  p.outcome = outcome;
  p.violations = violations;
  if (outcome == PropertyOutcome::kViolated) p.witnesses.push_back(Witness{"went back", "read #3 went back", {}});
  r.verdict.properties.push_back(p);
  r.verdict.value = guaranteed && outcome == PropertyOutcome::kViolated ? VerdictValue::kInvalid : VerdictValue::kValid;
  return r;
}

const Expectation kFallback{true, "guaranteed: fallback"};

TEST(AuditAggregate, GuaranteedAndHeldInEveryRun) {
  std::vector<CellRun> runs = {run_with("a", 1, "monotonic-reads", true, PropertyOutcome::kHeld),
                               run_with("a", 2, "monotonic-reads", true, PropertyOutcome::kHeld)};
  AuditCell c = aggregate_cell("a", "monotonic-reads", runs, kFallback);
  EXPECT_EQ(c.state, CellState::kHeld);
  EXPECT_EQ(c.runs, 2);
  EXPECT_EQ(c.violated_runs, 0);
  EXPECT_EQ(c.reason, "guaranteed: blocking read repair");
}

TEST(AuditAggregate, OneGuaranteedViolationIsABugWithItsRunAsExample) {
  std::vector<CellRun> runs = {run_with("a", 1, "monotonic-reads", true, PropertyOutcome::kHeld),
                               run_with("a", 2, "monotonic-reads", true, PropertyOutcome::kViolated, 3),
                               run_with("a", 3, "monotonic-reads", true, PropertyOutcome::kViolated, 1)};
  AuditCell c = aggregate_cell("a", "monotonic-reads", runs, kFallback);
  EXPECT_EQ(c.state, CellState::kViolated);
  EXPECT_EQ(c.runs, 3);
  EXPECT_EQ(c.violated_runs, 2);
  EXPECT_EQ(c.violations, 4);
  EXPECT_EQ(c.example_run_dir, "out/runs/a/seed2/run");
  ASSERT_EQ(c.example.witnesses.size(), 1u);
}

TEST(AuditAggregate, AllowedAnomalyObservedCountsRuns) {
  std::vector<CellRun> runs = {run_with("b", 1, "monotonic-reads", false, PropertyOutcome::kHeld),
                               run_with("b", 2, "monotonic-reads", false, PropertyOutcome::kViolated, 7),
                               // Another row's run must not count.
                               run_with("a", 2, "monotonic-reads", true, PropertyOutcome::kViolated, 1)};
  AuditCell c = aggregate_cell("b", "monotonic-reads", runs, kFallback);
  EXPECT_EQ(c.state, CellState::kObserved);
  EXPECT_FALSE(c.guaranteed);
  EXPECT_EQ(c.runs, 2);
  EXPECT_EQ(c.violated_runs, 1);
  EXPECT_EQ(c.violations, 7);
  EXPECT_EQ(c.example_run_dir, "out/runs/b/seed2/run");
}

TEST(AuditAggregate, AllowedButNeverSeenIsNotObserved) {
  std::vector<CellRun> runs = {run_with("b", 1, "no-stale-reads", false, PropertyOutcome::kHeld)};
  AuditCell c = aggregate_cell("b", "no-stale-reads", runs, kFallback);
  EXPECT_EQ(c.state, CellState::kNotObserved);
  EXPECT_TRUE(c.example_run_dir.empty());
}

TEST(AuditAggregate, NoDecidingRunIsUnknownWithTheFallbackExpectation) {
  CellRun broken;
  broken.row = "c";
  broken.error = "no run directory";
  std::vector<CellRun> runs = {broken, run_with("c", 2, "hint-replay", true, PropertyOutcome::kUnknown)};
  AuditCell c = aggregate_cell("c", "monotonic-reads", runs, kFallback);
  EXPECT_EQ(c.state, CellState::kUnknown);
  EXPECT_EQ(c.runs, 0);
  EXPECT_EQ(c.reason, "guaranteed: fallback");
  AuditCell h = aggregate_cell("c", "hint-replay", runs, kFallback);
  EXPECT_EQ(h.state, CellState::kUnknown);
}

// Every row is a valid plan (also shortened, as ci's tiny suite does), the
// names are unique, and the matrix covers every repair switch, consistency
// level and fault kind.
TEST(AuditMatrix, RowsAreValidAndCoverEverySwitch) {
  std::set<std::string> names;
  std::set<std::string> seen;
  for (const AuditRow& row : audit_rows()) {
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    for (int64_t d : {int64_t{0}, int64_t{3000}}) {
      Plan p = cell_plan(row, 7, d);
      EXPECT_EQ(p.seed, 7u);
      Status s = validate_plan(p);
      EXPECT_TRUE(s) << row.name << ": " << s.message();
      for (const auto& f : p.faults) EXPECT_LE(f.start_ms + f.duration_ms, p.workload.duration_ms) << row.name;
    }
    const Plan& p = row.plan;
    seen.insert("rr-" + std::string(to_string(p.modes.read_repair)) + (p.modes.digest_reads ? "+digest" : ""));
    seen.insert(std::string(p.modes.hinted_handoff ? "hints-" : "no-hints-") + std::string(to_string(p.modes.quorum)));
    seen.insert(p.modes.anti_entropy ? "ae-on" : "ae-off");
    seen.insert("cl-" + std::string(to_string(p.workload.read_cl)));
    seen.insert("cl-" + std::string(to_string(p.workload.write_cl)));
    for (const auto& f : p.faults) seen.insert("fault-" + f.kind);
  }
  EXPECT_GE(audit_rows().size(), 12u);
  for (const char* want : {"rr-none", "rr-none+digest", "rr-async", "rr-async+digest", "rr-blocking",
                           "rr-blocking+digest", "no-hints-strict", "hints-strict", "hints-sloppy", "ae-on", "ae-off",
                           "cl-ONE", "cl-QUORUM", "cl-ALL", "fault-partition", "fault-kill", "fault-pause",
                           "fault-wipe", "fault-clock"}) {
    EXPECT_TRUE(seen.count(want)) << want;
  }
}

// audit.json reads back what the audit wrote, and a missing or unknown
// field is an error naming its path.
TEST(AuditJson, ReadsBackWhatWasWrittenAndRefusesMissingFields) {
  AuditResult r;
  r.rows = {&audit_rows().front()};
  const std::string row = audit_rows().front().name;
  r.runs = {run_with(row, 1, "monotonic-reads", true, PropertyOutcome::kViolated, 2)};
  r.cells = {aggregate_cell(row, "monotonic-reads", r.runs, kFallback)};
  r.exit_code = 1;
  AuditOptions o;
  o.seeds = 1;
  o.jobs = 2;
  const std::string text = audit_json(r, o);
  AuditJson back;
  ASSERT_TRUE(test::succeeds(audit_json_from_text(text, "audit.json", &back)));
  EXPECT_EQ(back.exit_code, 1);
  ASSERT_EQ(back.rows.size(), 1u);
  EXPECT_EQ(back.rows[0].name, row);
  ASSERT_EQ(back.rows[0].cells.size(), 1u);
  EXPECT_EQ(back.rows[0].cells[0].state, "violated");
  EXPECT_EQ(back.rows[0].cells[0].violations, 2);
  EXPECT_EQ(back.rows[0].cells[0].example_summary, "read #3 went back");
  ASSERT_EQ(back.rows[0].runs.size(), 1u);
  EXPECT_EQ(back.rows[0].runs[0].verdict, "invalid");

  std::string renamed = text;
  renamed.replace(renamed.find("\"violated_runs\""), 15, "\"violated_tries\"");
  EXPECT_TRUE(test::fails_with(audit_json_from_text(renamed, "audit.json", &back),
                               "audit.json: rows[0].cells[0].violated_runs: missing"));
  std::string state = text;
  state.replace(state.find("\"violated\""), 10, "\"maybe\"");
  EXPECT_TRUE(test::fails_with(audit_json_from_text(state, "audit.json", &back), "unknown state 'maybe'"));
}

}  // namespace
}  // namespace faultline
