// check_run_dir end to end on run directories written to a temp dir: the
// verdicts, the unknowns for missing or malformed input, verdict.json and the
// printed table.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checker/checker_test_util.h"
#include "checker/expectations.h"

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
  h.quiesced();
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
  ASSERT_EQ(j["properties"].size(), all_property_ids().size());
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

// Goal (weak evidence): a history with no quiesce marker, or only
// its header, never shows the final state was quiesced: the properties
// judged after quiesce are unknown with the reason, and so is the verdict.
TEST(CheckRunDir, NoQuiesceRecordIsUnknown) {
  const std::string reason =
      "no quiesce record: the history ends before the harness quiesced, so the final state is not the quiesced state";
  HistoryBuilder unquiesced;
  unquiesced.acked_write(1, "k1", "1-2", V(20));
  for (const std::vector<HistoryOp>& ops : {unquiesced.ops(), std::vector<HistoryOp>{}}) {
    fs::path dir = temp_run_dir();
    write_run_dir(dir, strong_plan(), ops, clean_final());
    Verdict v = check_run_dir(dir.string(), {});
    EXPECT_EQ(v.value, VerdictValue::kUnknown);
    EXPECT_EQ(v.error, reason);
    for (const char* id : {"no-lost-writes", "hint-replay", "merkle-convergence"}) {
      EXPECT_EQ(property(v, id).outcome, PropertyOutcome::kUnknown) << id;
      EXPECT_EQ(property(v, id).note, reason) << id;
    }
    EXPECT_EQ(property(v, "valid-values").outcome, PropertyOutcome::kHeld);
  }
}

// Goal: final dumps must match their file names and the plan:
// swapped files, a node the plan does not have, a missing node and a record
// stamped by a coordinator outside the plan each make the final state
// unavailable (unknown), naming the file.
TEST(CheckRunDir, FinalDumpsMustMatchFileNamesAndPlan) {
  struct Case {
    std::string name;
    std::function<void(const fs::path&)> edit;
    std::string error_suffix;
  };
  const std::string n2 = node_dump_to_json(clean_final()[1]);
  const std::string n3 = node_dump_to_json(clean_final()[2]);
  std::vector<Case> cases = {
      {"swapped",
       [&](const fs::path& d) {
         std::ofstream(d / "final" / "n2.json") << n3;
         std::ofstream(d / "final" / "n3.json") << n2;
       },
       "final/n2.json: 'node' is 'n3' but the file is named after n2"},
      {"not in plan",
       [&](const fs::path& d) { std::ofstream(d / "final" / "n4.json") << node_dump_to_json(dump("n4", {})); },
       "final/n4.json: node 'n4' is not in the plan (nodes n1 to n3)"},
      {"missing", [&](const fs::path& d) { fs::remove(d / "final" / "n3.json"); },
       "final/n3.json: missing (the plan has n3)"},
      {"foreign coordinator",
       [&](const fs::path& d) {
         std::ofstream(d / "final" / "n3.json") << node_dump_to_json(dump("n3", {rec("k1", "1-2", V(20, 7))}));
       },
       "final/n3.json: records[0]: version [20,7] names coordinator 7, not a node of the plan (1 to 3)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    fs::path dir = temp_run_dir();
    write_run_dir(dir, strong_plan(), clean_history().ops(), clean_final());
    c.edit(dir);
    Verdict v = check_run_dir(dir.string(), {});
    EXPECT_EQ(v.value, VerdictValue::kUnknown);
    ASSERT_GE(v.error.size(), c.error_suffix.size()) << v.error;
    EXPECT_EQ(v.error.substr(v.error.size() - c.error_suffix.size()), c.error_suffix);
    EXPECT_EQ(property(v, "no-lost-writes").outcome, PropertyOutcome::kUnknown);
  }
}

// Goal: the history must belong to the plan: its header's seed,
// every coordinator name and every version's coordinator id; otherwise
// unknown, naming history.jsonl and the line.
TEST(CheckRunDir, HistoryMustMatchThePlan) {
  fs::path dir = temp_run_dir();
  Plan other_seed = strong_plan();
  other_seed.seed = 2;
  write_run_dir(dir, other_seed, clean_history().ops(), clean_final());
  write_plan_file((dir / "plan.json").string(), strong_plan());
  Verdict v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.value, VerdictValue::kUnknown);
  EXPECT_EQ(v.error, (dir / "history.jsonl").string() + ":1: seed 2 differs from plan.json's seed 1");

  std::vector<HistoryOp> ops = clean_history().ops();
  ops[1].node = "n9";  // the first write's coordinator
  write_run_dir(dir, strong_plan(), ops, clean_final());
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.error, (dir / "history.jsonl").string() + ":3: 'node': node 'n9' is not in the plan (nodes n1 to n3)");

  ops = clean_history().ops();
  ops[2].version = V(10, 4);  // its acknowledgement
  write_run_dir(dir, strong_plan(), ops, clean_final());
  v = check_run_dir(dir.string(), {});
  EXPECT_EQ(v.error, (dir / "history.jsonl").string() +
                         ":4: version [10,4] names coordinator 4, not a node of the plan (1 to 3)");
}

}  // namespace
}  // namespace faultline::testing
