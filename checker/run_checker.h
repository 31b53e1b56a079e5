// RunChecker: runs the selected properties over one history, op by op, and
// assembles the verdict. check_run_dir feeds it from the run directory; tests
// feed it in-memory histories. Internal to checker/.
//
// Exceptions thrown by a property are caught per property: that property
// becomes unknown (and so does the verdict); the others carry on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "checker/expectations.h"
#include "checker/final_state.h"
#include "checker/key_table.h"
#include "checker/node_events.h"
#include "checker/op_pairing.h"
#include "checker/property.h"
#include "core/plan.h"

namespace faultline {

class RunChecker {
 public:
  // `final_state` may be null (final/ unreadable, `final_error` says why):
  // properties that need it are then unknown. `plan` and `final_state` must
  // outlive the checker.
  // An unknown id in opts.properties is an error.
  // `run_dir` locates node events (empty: checking in memory, no events),
  // unless `event_lines` holds them in memory (it must outlive the checker).
  static Status create(const Plan& plan, const FinalState* final_state, std::string final_error,
                       const CheckOptions& opts, std::unique_ptr<RunChecker>* out, const std::string& run_dir = "",
                       const NodeEventLines* event_lines = nullptr);

  // The next op in history order. Invalid when the op is malformed or names
  // a node or coordinator not in the plan (the message says why; the caller
  // adds where). `line`: its line in
  // history.jsonl (0 when not read from a file).
  Status feed(const HistoryOp& op, int64_t line = 0);
  // The history ended; `note` (may be empty) is added to every property run.
  // A malformation found only at the end (a value written twice) gives
  // unknown, the error naming history.jsonl and the line.
  Verdict finish(const std::string& note = "");
  // The history could not be read to its end: every property is unknown.
  Verdict abort(const std::string& error);

 private:
  struct Slot {
    const PropertyEntry* entry = nullptr;
    Expectation expectation;
    std::unique_ptr<PropertyChecker> checker;  // null: skipped or unknown
    std::string problem;  // why it is not run or stopped (unknown / skipped)
  };
  RunChecker() = default;
  // Calls f(checker) for every running property, turning a throw into unknown.
  template <typename F>
  void each(F f);
  Verdict assemble(const std::string& error, const std::string& note);

  std::shared_ptr<SpillDir> spill_;  // before pairer_: it must outlive every user
  std::unique_ptr<NodeEvents> events_;  // before slots_: properties hold it
  KeyTable keys_;                       // before slots_: properties hold it
  // process -> the key id of its pending invocation (its completion's key).
  PerProcess<KeyId> invoked_key_;
  std::vector<Slot> slots_;
  std::unique_ptr<OpPairer> pairer_;
  std::string history_path_;  // for finish()'s error; "history" in memory
  const Plan* plan_ = nullptr;  // for identity checks; outlives the checker
};

// check_run_dir's words, shared by check_run_files: a history whose header
// names another seed's run (evidence about another plan), and the note for
// one that ends in an unterminated line `line`.
std::string history_seed_mismatch(const std::string& path, uint64_t history_seed, uint64_t plan_seed);
std::string history_truncated_note(int64_t line);

// The verdict value the properties imply (DESIGN.md): invalid when a
// guaranteed property is violated, else unknown when `error` is set or a
// property is unknown, else valid.
VerdictValue judge(const std::vector<PropertyResult>& properties, const std::string& error);

}  // namespace faultline
