// check_run_dir end to end on run directories written to a temp dir: the
// verdicts, the unknowns for missing or malformed input, verdict.json and the
// printed table.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checker/checker_test_util.h"

namespace faultline::testing {
namespace {

namespace fs = std::filesystem;

// A small clean run: two writes, reads that see them, final state agrees.
HistoryBuilder clean_history() {
  HistoryBuilder h;
  h.phase("workload-start");
  h.acked_write(1, "k1", "1-1", V(10));
  h.read_saw(2, "k1", "1-1", V(10));
  h.acked_write(1, "k1", "1-2", V(20));
  h.phase("final-reads");
  h.read_saw(3, "k1", "1-2", V(20));
  h.phase("done");
  return h;
}

std::vector<NodeDump> clean_final() {
  return {dump("n1", {rec("k1", "1-2", V(20))}), dump("n2", {rec("k1", "1-2", V(20))}),
          dump("n3", {rec("k1", "1-2", V(20))})};  // converged: no faults, so merkle-convergence is guaranteed
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Goal: a clean run directory is valid and exits 0.
TEST(CheckRunDir, CleanRunIsValid) {
  fs::path dir = temp_run_dir();
  write_run_dir(dir, strong_plan(), clean_history().ops(), clean_final());
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kValid) << v.error;
  EXPECT_EQ(verdict_exit_code(v), 0);
  EXPECT_EQ(v.operations, 4);
}

// Goal: a history hand-edited so a read returns a never-written value exits
// 1, and verdict.json names valid-values and the op.
TEST(CheckRunDir, HandEditedNeverWrittenValueIsInvalid) {
  fs::path dir = temp_run_dir();
  std::vector<HistoryOp> ops = clean_history().ops();
  ops[4].value = "edited-by-hand";  // the ok read of #4
  write_run_dir(dir, strong_plan(), ops, clean_final());
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(verdict_exit_code(v), 1);
  ASSERT_TRUE(write_verdict(dir.string(), v));
  auto j = nlohmann::json::parse(slurp(dir / "verdict.json"));
  EXPECT_EQ(j["verdict"], "invalid");
  bool named = false;
  for (const auto& p : j["properties"]) {
    if (p["id"] != "valid-values") continue;
    named = true;
    EXPECT_EQ(p["result"], "violated");
    EXPECT_EQ(p["expected"], "guaranteed");
    EXPECT_EQ(p["violations"], 1);
    EXPECT_EQ(p["witnesses"][0]["ops"][0]["index"], 4);
    EXPECT_EQ(p["witnesses"][0]["ops"][0]["value"], "edited-by-hand");
  }
  EXPECT_TRUE(named);
  std::ostringstream table;
  print_verdict(table, v);
  EXPECT_NE(table.str().find("valid-values"), std::string::npos);
  EXPECT_NE(table.str().find("read #4 (p2, k1) saw 'edited-by-hand'"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("verdict: invalid (guaranteed property violated: valid-values)"), std::string::npos);
}

// Goal: a read older than a read that completed before it started violates
// monotonic-reads; with QUORUM reads and blocking repair the run is invalid.
TEST(CheckRunDir, NonMonotonicReadUnderBlockingRepairIsInvalid) {
  fs::path dir = temp_run_dir();
  HistoryBuilder h = clean_history();
  h.read_saw(4, "k1", "1-1", V(10));  // after read #8 saw [20,1]
  write_run_dir(dir, strong_plan(), h.ops(), clean_final());
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(property(v, "monotonic-reads").outcome, PropertyOutcome::kViolated);
  EXPECT_EQ(v.value, VerdictValue::kInvalid);
  // The same history with async repair: an allowed anomaly.
  Plan weak = strong_plan();
  weak.modes.read_repair = ReadRepair::kAsync;
  write_run_dir(dir, weak, h.ops(), clean_final());
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(property(v, "monotonic-reads").outcome, PropertyOutcome::kViolated);
  EXPECT_EQ(property(v, "no-stale-reads").outcome, PropertyOutcome::kViolated);
  EXPECT_EQ(property(v, "no-stale-reads").guaranteed, true);
  EXPECT_EQ(v.value, VerdictValue::kInvalid);  // still stale under R+W>N
  weak.workload.read_cl = ConsistencyLevel::kOne;
  write_run_dir(dir, weak, h.ops(), clean_final());
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kValid);
  std::ostringstream table;
  print_verdict(table, v);
  EXPECT_NE(table.str().find("anomaly (allowed)"), std::string::npos) << table.str();
}

// Goal: missing inputs give unknown (exit 2) with an error naming the file.
TEST(CheckRunDir, MissingInputsAreUnknown) {
  fs::path dir = temp_run_dir();
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(verdict_exit_code(v), 2);
  EXPECT_NE(v.error.find("plan.json"), std::string::npos) << v.error;

  write_run_dir(dir, strong_plan(), clean_history().ops(), {});
  fs::remove_all(dir / "final");
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_NE(v.error.find("final"), std::string::npos) << v.error;
  EXPECT_EQ(property(v, "no-lost-writes").outcome, PropertyOutcome::kUnknown);
  EXPECT_EQ(property(v, "valid-values").outcome, PropertyOutcome::kHeld);

  write_run_dir(dir, strong_plan(), clean_history().ops(), clean_final());
  fs::remove(dir / "history.jsonl");
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_NE(v.error.find("history.jsonl"), std::string::npos) << v.error;
}

// Goal: a bad history line gives unknown naming file and line, whether the
// line is bad JSON or a completion with no invocation.
TEST(CheckRunDir, MalformedHistoryNamesTheLine) {
  fs::path dir = temp_run_dir();
  write_run_dir(dir, strong_plan(), clean_history().ops(), clean_final());
  std::string text = slurp(dir / "history.jsonl");
  std::ofstream(dir / "history.jsonl") << text << "{not json\n";
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  std::string where = (dir / "history.jsonl").string() + ":" + std::to_string(clean_history().ops().size() + 2);
  EXPECT_EQ(v.error.rfind(where + ":", 0), 0u) << v.error;

  HistoryBuilder h = clean_history();
  HistoryOp stray;
  stray.process = 9;
  stray.type = OpType::kOk;
  stray.f = "read";
  stray.key = "k1";
  int64_t index = h.raw(stray);
  write_run_dir(dir, strong_plan(), h.ops(), clean_final());
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_EQ(v.error, (dir / "history.jsonl").string() + ":" + std::to_string(index + 2) +
                         ": ok read of k1 by process 9 matches no pending invocation");
  for (const PropertyResult& p : v.properties) {
    EXPECT_NE(p.outcome, PropertyOutcome::kHeld) << p.id;
  }
}

// Goal: selecting properties runs only those; an unknown id is unknown.
TEST(CheckRunDir, PropertySelection) {
  fs::path dir = temp_run_dir();
  write_run_dir(dir, strong_plan(), clean_history().ops(), clean_final());
  Verdict v = check_run_dir(dir.string(), {{"valid-values"}});
  ASSERT_EQ(v.properties.size(), 1u);
  EXPECT_EQ(v.value, VerdictValue::kValid);
  v = check_run_dir(dir.string(), {{"no-such-property"}});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_NE(v.error.find("no-such-property"), std::string::npos);
}

// Goal: verdict.json has the documented shape.
TEST(CheckRunDir, VerdictJsonShape) {
  fs::path dir = temp_run_dir();
  write_run_dir(dir, strong_plan(), clean_history().ops(), clean_final());
  Verdict v = check_run_dir(dir.string(), {});
  ASSERT_TRUE(write_verdict(dir.string(), v));
  auto j = nlohmann::json::parse(slurp(dir / "verdict.json"));
  EXPECT_EQ(j["verdict"], "valid");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["operations"], 4);
  ASSERT_EQ(j["properties"].size(), 8u);
  for (const auto& p : j["properties"]) {
    for (const char* field : {"id", "expected", "reason", "result", "violations", "witnesses", "note"}) {
      EXPECT_TRUE(p.contains(field)) << field;
    }
  }
  EXPECT_EQ(j["properties"][3]["result"], "held");
}

// Goal: a failed quiesce (the harness's phase marker with ok false) makes the
// properties judged after quiesce unknown, and the verdict unknown with the
// harness's reason; history properties are still judged.
TEST(CheckRunDir, FailedQuiesceIsUnknown) {
  fs::path dir = temp_run_dir();
  HistoryBuilder h = clean_history();
  HistoryOp marker;
  marker.process = kNemesisProcess;
  marker.type = OpType::kInfo;
  marker.f = "phase";
  marker.fault_json = R"({"phase":"quiesce","ok":false,"reason":"hints not drained after 30000 ms"})";
  h.raw(marker);
  write_run_dir(dir, strong_plan(), h.ops(), clean_final());
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_EQ(verdict_exit_code(v), 2);
  EXPECT_EQ(v.error, "quiesce failed: hints not drained after 30000 ms");
  for (const char* id : {"no-lost-writes", "hint-replay", "merkle-convergence"}) {
    EXPECT_EQ(property(v, id).outcome, PropertyOutcome::kUnknown) << id;
    EXPECT_EQ(property(v, id).note, "quiesce failed: hints not drained after 30000 ms");
  }
  EXPECT_EQ(property(v, "monotonic-reads").outcome, PropertyOutcome::kHeld);
}

}  // namespace
}  // namespace faultline::testing
