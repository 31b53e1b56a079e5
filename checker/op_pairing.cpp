#include "checker/op_pairing.h"

#include <cstdint>

#include <nlohmann/json.hpp>

namespace faultline {

namespace {

std::string describe(const HistoryOp& op) {
  return op.f + " of " + op.key.value_or("?") + " (index " + std::to_string(op.index) + ")";
}

}  // namespace

OpPairer::OpPairer(std::shared_ptr<SpillDir> spill, size_t budget_bytes)
    : spill_(spill ? std::move(spill) : std::make_shared<SpillDir>("")),
      written_(spill_, budget_bytes / 2, "written"),
      written_values_(spill_, budget_bytes / 2, "written") {}

Status OpPairer::accept(const HistoryOp& op, std::optional<HistoryOp>* invoke, int64_t line) {
  invoke->reset();
  if (op.is_nemesis()) return accept_nemesis(op);
  if (op.type == OpType::kInvoke) return accept_invoke(op, line);
  return accept_completion(op, invoke);
}

Status OpPairer::finish(int64_t* line) {
  // Of all second writes of a value, the first in history order is reported,
  // as a check at each write would have.
  std::optional<Written> first, dup;
  std::optional<Written> previous;
  written_.drain([&](const Written& w) {
    if (previous && previous->hash == w.hash && (!dup || w.index < dup->index)) {
      first = previous;
      dup = w;
    }
    if (!previous || previous->hash != w.hash) previous = w;
  });
  *line = 0;
  if (!dup) return Status::ok();
  *line = dup->line;
  return Status::invalid("value '" + written_values_.get(dup->value) + "' written at index " +
                         std::to_string(dup->index) + " was already written at index " +
                         std::to_string(first->index) + " (written values are unique)");
}

Status OpPairer::accept_invoke(const HistoryOp& op, int64_t line) {
  // Messages are built only on error: this runs once per operation.
  auto who = [&] { return "process " + std::to_string(op.process); };
  Pending& slot = pending_[op.process];
  if (slot.active) return Status::invalid(who() + " invokes while its " + describe(slot.invoke) + " is pending");
  if (auto it = retired_.find(op.process); it != retired_.end()) {
    return Status::invalid(who() + " invokes after its info completion at index " + std::to_string(it->second) +
                           " (a process that got info never issues again)");
  }
  if (op.f == "write") written_.add(Written{value_hash(*op.value), op.index, line, written_values_.append(*op.value)});
  slot.invoke = op;
  slot.active = true;
  ++pending_count_;
  return Status::ok();
}

Status OpPairer::accept_completion(const HistoryOp& op, std::optional<HistoryOp>* invoke) {
  Pending& slot = pending_[op.process];
  auto what = [&] {
    return std::string(to_string(op.type)) + " " + op.f + " of " + op.key.value_or("?") + " by process " +
           std::to_string(op.process);
  };
  if (!slot.active) return Status::invalid(what() + " matches no pending invocation");
  const HistoryOp& inv = slot.invoke;
  if (inv.f != op.f || inv.key != op.key) {
    return Status::invalid(what() + " does not match its pending invocation, a " + describe(inv));
  }
  if (op.f == "write" && op.value && op.value != inv.value) {
    return Status::invalid(what() + " carries value '" + *op.value + "' but its invocation wrote '" + *inv.value + "'");
  }
  if (op.type == OpType::kInfo) retired_.emplace(op.process, op.index);
  ++completions_;
  *invoke = std::move(slot.invoke);
  slot.active = false;
  --pending_count_;
  return Status::ok();
}

Status OpPairer::accept_nemesis(const HistoryOp& op) {
  if (op.f != "phase") return Status::ok();
  auto j = nlohmann::json::parse(op.fault_json, nullptr, false);
  if (!j.is_object() || !j.contains("phase") || !j["phase"].is_string()) {
    return Status::invalid("phase marker lacks a string value.phase");
  }
  phase_ = j["phase"].get<std::string>();
  if (phase_ == "final-reads") final_reads_ = true;
  const bool ok = j.contains("ok") && j["ok"] == true;
  if (phase_ == "heal") phases_.healed = ok;
  if (phase_ == "done") phases_.done_ns = op.time_ns;
  if (phase_ != "quiesce") return Status::ok();
  phases_.quiesce_recorded = true;
  // Anything but an explicit ok true is a failure: a marker that does not say
  // it quiesced is no evidence that it did.
  if (!ok && phases_.quiesce_failure.empty()) {
    phases_.quiesce_failure = j.contains("reason") && j["reason"].is_string() ? j["reason"].get<std::string>() : "";
    if (phases_.quiesce_failure.empty()) phases_.quiesce_failure = "no reason given";
  }
  return Status::ok();
}

std::string RunPhases::unquiesced_reason() const {
  if (!quiesce_failure.empty()) return "quiesce failed: " + quiesce_failure;
  if (!quiesce_recorded) {
    return "no quiesce record: the history ends before the harness quiesced, so the final state is not the "
           "quiesced state";
  }
  return "";
}

Status scan_paired_history(const std::string& path, const PairedOpFn& fn) {
  std::unique_ptr<HistoryReader> reader;
  if (Status s = HistoryReader::open(path, &reader); !s) return s;
  OpPairer pairer;
  HistoryOp op;
  std::optional<HistoryOp> invoke;
  for (;;) {
    const HistoryReader::Result r = reader->next(&op);
    if (r == HistoryReader::Result::kEnd) return Status::ok();
    if (r == HistoryReader::Result::kError) return reader->error();
    if (Status s = pairer.accept(op, &invoke, reader->line_number()); !s) {
      return Status::invalid(path + ":" + std::to_string(reader->line_number()) + ": " + s.message());
    }
    fn(op, invoke ? &*invoke : nullptr, pairer.in_final_reads());
  }
}

}  // namespace faultline
