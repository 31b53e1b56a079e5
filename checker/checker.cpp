// check_run_dir: loads the run directory in the order that lets properties
// stream (plan, then final state, then the history line by line) and turns
// every failure into an unknown verdict that says where.
#include "checker/checker.h"
#include "checker/check_evidence.h"

#include <exception>

#include "checker/run_checker.h"
#include "core/history.h"

namespace faultline {

std::string_view to_string(PropertyOutcome o) {
  switch (o) {
    case PropertyOutcome::kHeld: return "held";
    case PropertyOutcome::kViolated: return "violated";
    case PropertyOutcome::kUnknown: return "unknown";
    case PropertyOutcome::kSkipped: return "skipped";
  }
  return "?";
}

std::string_view to_string(VerdictValue v) {
  switch (v) {
    case VerdictValue::kValid: return "valid";
    case VerdictValue::kInvalid: return "invalid";
    case VerdictValue::kUnknown: return "unknown";
  }
  return "?";
}

int verdict_exit_code(const Verdict& v) {
  switch (v.value) {
    case VerdictValue::kValid: return 0;
    case VerdictValue::kInvalid: return 1;
    case VerdictValue::kUnknown: return 2;
  }
  return 2;
}

namespace {

Verdict unknown_verdict(std::string error) {
  Verdict v;
  v.value = VerdictValue::kUnknown;
  v.error = std::move(error);
  return v;
}

// Streams history.jsonl through `rc`; a malformed line names file and line.
Verdict check_history(const std::string& path, uint64_t seed, RunChecker* rc) {
  std::unique_ptr<HistoryReader> reader;
  Status s = HistoryReader::open(path, &reader);
  if (!s) return rc->abort(s.message());
  // The header names the run it belongs to: a history from another seed's
  // run is evidence about another plan.
  if (reader->header().seed != seed) return rc->abort(history_seed_mismatch(path, reader->header().seed, seed));
  HistoryOp op;
  for (;;) {
    HistoryReader::Result r = reader->next(&op);
    if (r == HistoryReader::Result::kEnd) break;
    if (r == HistoryReader::Result::kError) return rc->abort(reader->error().message());
    s = rc->feed(op, reader->line_number());
    if (!s) return rc->abort(path + ":" + std::to_string(reader->line_number()) + ": " + s.message());
  }
  const std::string note = reader->truncated_tail() ? history_truncated_note(reader->line_number()) : "";
  return rc->finish(note);
}

Verdict check_run_dir_or_throw(const std::string& run_dir, const CheckOptions& opts) {
  Plan plan;
  Status s = read_plan_file(run_dir + "/plan.json", &plan);
  if (!s) return unknown_verdict(s.message());
  FinalState final_state;
  Status final_status = FinalState::load(run_dir, plan, &final_state);
  std::unique_ptr<RunChecker> rc;
  s = RunChecker::create(plan, final_status ? &final_state : nullptr, final_status.message(), opts, &rc, run_dir);
  if (!s) return unknown_verdict(s.message());
  Verdict v = check_history(run_dir + "/history.jsonl", plan.seed, rc.get());
  if (!final_status && v.error.empty()) {
    v.error = final_status.message();
    v.value = judge(v.properties, v.error);
  }
  return v;
}

// The in-memory twin of check_history: the same checks HistoryReader makes
// (consecutive indices, time never going backwards), the same messages.
Verdict check_ops(const Evidence& e, const std::string& path, RunChecker* rc) {
  int64_t line = 1, last_time_ns = 0;
  for (const HistoryOp& op : *e.ops) {
    const int64_t expected = line - 1;
    ++line;
    auto where = [&] { return path + ":" + std::to_string(line) + ": "; };  // only on error
    if (op.index != expected) {
      return rc->abort(where() + "index " + std::to_string(op.index) + ", expected " + std::to_string(expected));
    }
    if (op.time_ns < last_time_ns) return rc->abort(where() + "time goes backwards");
    last_time_ns = op.time_ns;
    Status s = rc->feed(op, line);
    if (!s) return rc->abort(where() + s.message());
  }
  if (!e.read_error.empty()) return rc->abort(e.read_error);
  return rc->finish(e.note);
}

Verdict check_evidence_or_throw(const Evidence& e, const CheckOptions& opts) {
  std::unique_ptr<RunChecker> rc;
  Status s = RunChecker::create(*e.plan, e.final_state, e.final_error, opts, &rc, e.events_dir, e.event_lines);
  if (!s) return unknown_verdict(s.message());
  const std::string path = e.events_dir.empty() ? "history" : e.events_dir + "/history.jsonl";
  Verdict v = check_ops(e, path, rc.get());
  if (e.final_state == nullptr && v.error.empty()) {
    v.error = e.final_error;
    v.value = judge(v.properties, v.error);
  }
  return v;
}

// A checker that crashes yields unknown, never valid (Jepsen).
template <typename F>
Verdict unknown_on_throw(F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return unknown_verdict(std::string("checker failed: ") + e.what());
  } catch (...) {
    return unknown_verdict("checker failed: unknown exception");
  }
}

}  // namespace

Verdict check_evidence(const Evidence& evidence, const CheckOptions& opts) {
  return unknown_on_throw([&] { return check_evidence_or_throw(evidence, opts); });
}

Verdict check_run_dir(const std::string& run_dir, const CheckOptions& opts) {
  return unknown_on_throw([&] { return check_run_dir_or_throw(run_dir, opts); });
}

}  // namespace faultline
