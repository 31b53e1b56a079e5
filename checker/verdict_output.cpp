// The two renderings of a verdict: verdict.json for machines (reports, the
// audit) and the aligned table `faultline check` prints for people.
//
// verdict.json:
//   {"verdict": "valid" | "invalid" | "unknown",
//    "error": null | "history.jsonl:12: ...",
//    "operations": N,                       // client completions
//    "properties": [
//      {"id": "monotonic-reads",
//       "expected": "guaranteed" | "not guaranteed",
//       "reason": "guaranteed: read CL QUORUM, blocking read repair, ...",
//       "result": "held" | "violated" | "unknown" | "skipped",
//       "allowed": true,                    // violated but not guaranteed
//       "violations": N,
//       "witnesses": [{"explanation": "...", "summary": "...",
//                      "ops": [{"index", "time", "process", "type", "f",
//                               "key", "value", "version", "tombstone",
//                               "node"}]}],
//       "note": null | "..."}]}
// "process" is an integer or "nemesis"; "value", "version" and "node" are
// null when absent; final-state entries have index -1, type "final".
// checker/verdict_io.h reads it back.
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

#include "checker/checker.h"
#include "core/file_io.h"
#include "core/history.h"

namespace faultline {

namespace {

using nlohmann::ordered_json;

ordered_json null_if_empty(const std::string& s) { return s.empty() ? ordered_json(nullptr) : ordered_json(s); }

ordered_json op_to_json(const WitnessOp& op) {
  ordered_json j;
  j["index"] = op.index;
  j["time"] = op.time_ns;
  j["process"] = op.process == kNemesisProcess ? ordered_json("nemesis") : ordered_json(op.process);
  j["type"] = op.type;
  j["f"] = op.f;
  j["key"] = op.key;
  j["value"] = null_if_empty(op.value);
  j["version"] = op.has_version ? ordered_json::array({op.version.timestamp_us, op.version.coordinator_id})
                                : ordered_json(nullptr);
  j["tombstone"] = op.tombstone;
  j["node"] = null_if_empty(op.node);
  return j;
}

bool allowed_anomaly(const PropertyResult& p) { return !p.guaranteed && p.outcome == PropertyOutcome::kViolated; }

ordered_json property_to_json(const PropertyResult& p) {
  ordered_json j;
  j["id"] = p.id;
  j["expected"] = p.guaranteed ? "guaranteed" : "not guaranteed";
  j["reason"] = p.expected_reason;
  j["result"] = to_string(p.outcome);
  j["allowed"] = allowed_anomaly(p);
  j["violations"] = p.violations;
  j["witnesses"] = ordered_json::array();
  for (const Witness& w : p.witnesses) {
    ordered_json wj;
    wj["explanation"] = w.explanation;
    wj["summary"] = w.summary;
    wj["ops"] = ordered_json::array();
    for (const WitnessOp& op : w.ops) wj["ops"].push_back(op_to_json(op));
    j["witnesses"].push_back(std::move(wj));
  }
  j["note"] = null_if_empty(p.note);
  return j;
}

std::string result_cell(const PropertyResult& p) {
  return allowed_anomaly(p) ? "anomaly (allowed)" : std::string(to_string(p.outcome));
}

std::string detail_cell(const PropertyResult& p) {
  if (!p.witnesses.empty()) return p.witnesses.front().summary;
  return p.note.empty() ? "-" : p.note;
}

std::string verdict_line(const Verdict& v) {
  std::string line = "verdict: " + std::string(to_string(v.value));
  std::string violated;
  for (const PropertyResult& p : v.properties) {
    if (p.guaranteed && p.outcome == PropertyOutcome::kViolated) violated += (violated.empty() ? "" : ", ") + p.id;
  }
  if (!violated.empty()) line += " (guaranteed property violated: " + violated + ")";
  if (!v.error.empty()) line += " (" + v.error + ")";
  return line;
}

}  // namespace

std::string verdict_to_json(const Verdict& v) {
  ordered_json j;
  j["verdict"] = to_string(v.value);
  j["error"] = null_if_empty(v.error);
  j["operations"] = v.operations;
  j["properties"] = ordered_json::array();
  for (const PropertyResult& p : v.properties) j["properties"].push_back(property_to_json(p));
  return j.dump(2) + "\n";
}

Status write_verdict(const std::string& run_dir, const Verdict& v) {
  return write_file_atomic(run_dir + "/verdict.json", verdict_to_json(v));
}

void print_verdict(std::ostream& out, const Verdict& v) {
  struct Row {
    std::string property, expected, result, violations, detail;
  };
  std::vector<Row> rows = {{"property", "expected", "result", "violations", "first witness / note"}};
  for (const PropertyResult& p : v.properties) {
    bool counted = p.outcome == PropertyOutcome::kHeld || p.outcome == PropertyOutcome::kViolated;
    rows.push_back({p.id, p.guaranteed ? "guaranteed" : "not guaranteed", result_cell(p),
                    counted ? std::to_string(p.violations) : "-", detail_cell(p)});
  }
  size_t w0 = 0, w1 = 0, w2 = 0, w3 = 0;
  for (const Row& r : rows) {
    w0 = std::max(w0, r.property.size());
    w1 = std::max(w1, r.expected.size());
    w2 = std::max(w2, r.result.size());
    w3 = std::max(w3, r.violations.size());
  }
  for (const Row& r : rows) {
    out << std::left << std::setw(static_cast<int>(w0 + 2)) << r.property << std::setw(static_cast<int>(w1 + 2))
        << r.expected << std::setw(static_cast<int>(w2 + 2)) << r.result << std::right
        << std::setw(static_cast<int>(w3)) << r.violations << "  " << r.detail << "\n";
  }
  out << std::left << "operations: " << v.operations << "\n" << verdict_line(v) << "\n";
}

}  // namespace faultline
