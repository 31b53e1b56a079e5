#include "checker/run_checker.h"

#include <algorithm>
#include <exception>

#include "checker/identity.h"
#include "checker/node_events.h"
#include "core/assert.h"

namespace faultline {

Status RunChecker::create(const Plan& plan, const FinalState* final_state, std::string final_error,
                          const CheckOptions& opts, std::unique_ptr<RunChecker>* out, const std::string& run_dir,
                          const NodeEventLines* event_lines) {
  const auto& registry = property_registry();
  for (const std::string& id : opts.properties) {
    bool known = std::any_of(registry.begin(), registry.end(), [&](const PropertyEntry& e) { return e.id == id; });
    if (!known) return Status::invalid("unknown property '" + id + "'");
  }
  std::unique_ptr<RunChecker> rc(new RunChecker());
  rc->spill_ = std::make_shared<SpillDir>(opts.spill_parent);
  // Op pairing's uniqueness check gets a quarter of the budget, valid-values
  // (the only property with per-written-value state) the rest.
  rc->pairer_ = std::make_unique<OpPairer>(rc->spill_, opts.memory_budget_bytes / 4);
  rc->history_path_ = run_dir.empty() ? "history" : run_dir + "/history.jsonl";
  rc->plan_ = &plan;
  rc->events_ = event_lines != nullptr ? std::make_unique<NodeEvents>(event_lines) : std::make_unique<NodeEvents>(run_dir);
  CheckContext ctx{&plan, final_state, rc->events_.get(), rc->spill_, opts.memory_budget_bytes - opts.memory_budget_bytes / 4,
                   &rc->pairer_->phases(), &rc->keys_};
  for (const PropertyEntry& e : registry) {
    const auto& wanted = opts.properties;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), e.id) == wanted.end()) continue;
    Slot s;
    s.entry = &e;
    s.expectation = expectation_for(e.id, plan);
    FL_ASSERT(e.make != nullptr);  // the registry names a checker for every property
    if (e.needs_final_state && final_state == nullptr) s.problem = "final state unavailable: " + final_error;
    else s.checker = e.make(ctx);
    rc->slots_.push_back(std::move(s));
  }
  *out = std::move(rc);
  return Status::ok();
}

template <typename F>
void RunChecker::each(F f) {
  for (Slot& s : slots_) {
    if (!s.checker) continue;
    try {
      f(*s.checker);
    } catch (const std::exception& e) {
      s.problem = std::string("checker failed: ") + e.what();
      s.checker.reset();
    } catch (...) {
      s.problem = "checker failed: unknown exception";
      s.checker.reset();
    }
  }
}

Status RunChecker::feed(const HistoryOp& op, int64_t line) {
  std::optional<HistoryOp> invoke;
  Status s = check_op_identity(op, *plan_);
  if (!s) return s;
  s = pairer_->accept(op, &invoke, line);
  if (!s) return s;
  if (op.is_nemesis()) {
    each([&](PropertyChecker& c) { c.on_nemesis(op); });
    return Status::ok();
  }
  // Each key is looked up once per operation here, not in every property.
  if (invoke) {
    const KeyId id = invoked_key_[op.process];
    each([&](PropertyChecker& c) { c.on_complete(*invoke, op, id); });
    return Status::ok();
  }
  const KeyId id = op.key ? keys_.intern(*op.key) : kNoKey;
  invoked_key_[op.process] = id;
  each([&](PropertyChecker& c) { c.on_invoke(op, id); });
  return Status::ok();
}

Verdict RunChecker::finish(const std::string& note) {
  int64_t line = 0;
  Status unique;
  try {
    unique = pairer_->finish(&line);
  } catch (const std::exception& e) {
    return abort(std::string("checker failed: ") + e.what());
  }
  if (!unique) return abort(history_path_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " + unique.message());
  // Properties judged after quiesce mean nothing when quiesce failed or was
  // never recorded: their result is unknown, and so is the verdict unless a
  // guaranteed property is violated (a safety violation in the history
  // stands regardless).
  const std::string unquiesced = pairer_->phases().unquiesced_reason();
  if (!unquiesced.empty()) {
    for (Slot& s : slots_) {
      if (!s.entry->needs_quiesce || !s.checker) continue;
      s.checker.reset();
      s.problem = unquiesced;
    }
  }
  each([](PropertyChecker& c) { c.finish(); });
  return assemble("", note);
}

Verdict RunChecker::abort(const std::string& error) {
  for (Slot& s : slots_) {
    if (s.checker) s.problem = "history unreadable";
    s.checker.reset();
  }
  return assemble(error, "");
}

Verdict RunChecker::assemble(const std::string& error, const std::string& note) {
  Verdict v;
  v.error = error;
  v.operations = pairer_->completions();
  v.spill_files = spill_->files_created();
  for (Slot& s : slots_) {
    PropertyResult r;
    r.id = std::string(s.entry->id);
    r.guaranteed = s.expectation.guaranteed;
    r.expected_reason = s.expectation.reason;
    if (s.checker) {
      r.violations = s.checker->violations();
      r.witnesses = s.checker->witnesses();
      r.outcome = r.violations > 0 ? PropertyOutcome::kViolated : PropertyOutcome::kHeld;
      r.note = note;
      if (std::string measured = s.checker->note(); !measured.empty()) r.note += (r.note.empty() ? "" : "; ") + measured;
      if (r.violations == 0 && !s.checker->undecided().empty()) {
        r.outcome = PropertyOutcome::kUnknown;
        r.note = s.checker->undecided();
      }
    } else {
      r.outcome = s.entry->make == nullptr ? PropertyOutcome::kSkipped : PropertyOutcome::kUnknown;
      r.note = s.problem;
    }
    v.properties.push_back(std::move(r));
  }
  // The verdict says why when an unquiesced final state left a property
  // unknown (DESIGN.md: a run that did not quiesce is never valid).
  const std::string unquiesced = pairer_->phases().unquiesced_reason();
  for (const PropertyResult& r : v.properties) {
    if (v.error.empty() && r.outcome == PropertyOutcome::kUnknown && r.note == unquiesced) v.error = unquiesced;
  }
  v.value = judge(v.properties, v.error);
  return v;
}

VerdictValue judge(const std::vector<PropertyResult>& properties, const std::string& error) {
  bool unknown = !error.empty();
  for (const PropertyResult& p : properties) {
    if (p.guaranteed && p.outcome == PropertyOutcome::kViolated) return VerdictValue::kInvalid;
    if (p.outcome == PropertyOutcome::kUnknown) unknown = true;
  }
  return unknown ? VerdictValue::kUnknown : VerdictValue::kValid;
}

std::string history_seed_mismatch(const std::string& path, uint64_t history_seed, uint64_t plan_seed) {
  return path + ":1: seed " + std::to_string(history_seed) + " differs from plan.json's seed " + std::to_string(plan_seed);
}

std::string history_truncated_note(int64_t line) {
  return "history ends in an unterminated line " + std::to_string(line) +
         " (the harness crashed?); the prefix before it was checked";
}

}  // namespace faultline
