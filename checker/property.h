// The interface every property checker implements, and the helpers they share
// for witnesses. Internal to checker/.
//
// A property sees the history once, in file order, after OpPairer has
// validated it: each client invocation, then each completion together with
// its invocation. It keeps only per-key state and per-pending-invocation
// state in memory, so memory stays bounded by keys plus concurrency, never by
// history length; what is per written value (valid-values) goes through
// ExternalSorter (checker/spill.h) within CheckContext::memory_budget_bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checker/checker.h"
#include "checker/final_state.h"
#include "checker/key_table.h"
#include "checker/op_pairing.h"
#include "checker/spill.h"
#include "core/history.h"
#include "core/plan.h"

namespace faultline {

class NodeEvents;  // checker/node_events.h

// What every property may consult besides the history. final_state is null
// when final/ could not be read; properties that need it are then not run.
struct CheckContext {
  const Plan* plan = nullptr;
  const FinalState* final_state = nullptr;
  const NodeEvents* events = nullptr;  // never null; without a run directory, none
  std::shared_ptr<SpillDir> spill;  // never null
  size_t memory_budget_bytes = 0;   // this property's share
  // The heal and quiesce markers, complete when finish() is called; never
  // null (owned by the RunChecker, which outlives every property).
  const RunPhases* phases = nullptr;
  // The ids the RunChecker gives keys (on_invoke, on_complete); never null.
  const KeyTable* keys = nullptr;
};

class PropertyChecker {
 public:
  virtual ~PropertyChecker() = default;
  // A client invocation (type invoke), in history order; `key` is the id
  // of its key (kNoKey when it has none).
  virtual void on_invoke(const HistoryOp& invoke, KeyId key) {
    (void)invoke;
    (void)key;
  }
  // A completion (ok, fail or info) and the invocation it completes, with
  // the id of the invocation's key.
  virtual void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) {
    (void)invoke;
    (void)done;
    (void)key;
  }
  // A nemesis record (a fault's start or heal, a phase marker), in history
  // order among the client operations.
  virtual void on_nemesis(const HistoryOp& op) { (void)op; }
  // The history ended; invocations still pending are indeterminate.
  virtual void finish() {}
  // Violations counted so far and the first kMaxWitnesses witnesses.
  virtual int64_t violations() const = 0;
  virtual const std::vector<Witness>& witnesses() const = 0;
  // After finish(): why the property, having found no violation, cannot say
  // it held (its evidence was incomplete); empty when it can. A violation
  // found on the evidence there was still stands.
  virtual std::string undecided() const { return ""; }
  // After finish(): what the property measured, for verdict.json's note
  // (availability's counts per fault window); empty when nothing.
  virtual std::string note() const { return ""; }
};

// Counts violations and keeps the first kMaxWitnesses in full. Properties
// build the witness only when wants_witness() says it would be kept.
class WitnessLog {
 public:
  bool wants_witness() const { return witnesses_.size() < kMaxWitnesses; }
  void count() { ++violations_; }
  void add(Witness w) {
    ++violations_;
    if (wants_witness()) witnesses_.push_back(std::move(w));
  }
  int64_t violations() const { return violations_; }
  const std::vector<Witness>& witnesses() const { return witnesses_; }

 private:
  int64_t violations_ = 0;
  std::vector<Witness> witnesses_;
};

// Base for properties that report through one WitnessLog.
class LoggingChecker : public PropertyChecker {
 public:
  int64_t violations() const override { return log_.violations(); }
  const std::vector<Witness>& witnesses() const override { return log_.witnesses(); }

 protected:
  // Records one violation; `make` builds the witness only when it is kept.
  template <typename Make>
  void violation(Make make) {
    if (log_.wants_witness()) log_.add(make());
    else log_.count();
  }

 private:
  WitnessLog log_;
};

// The version a read observed: absent (nothing stored) counts as zero.
Version read_version(const HistoryOp& read_ok);
// "nil", or "[ts,id]" with " tombstone" for a tombstone.
std::string describe_version(const Version& v, bool tombstone = false);
// The witness entry for a completion; key, value and coordinator come from
// the invocation when the completion does not repeat them.
WitnessOp witness_op(const HistoryOp& invoke, const HistoryOp& done);
// The same into *w, reusing its strings' storage (for state rewritten often).
void fill_witness_op(const HistoryOp& invoke, const HistoryOp& done, WitnessOp* w);
WitnessOp witness_op(const HistoryOp& op);
// A record held in the final state by `node`.
WitnessOp witness_record(const Record& r, const std::string& node);
// "read #41 (p3, k7)": how summaries name an operation.
std::string op_label(const WitnessOp& op);

// The implemented properties (one file each).
std::unique_ptr<PropertyChecker> make_valid_values(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_monotonic_reads(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_no_stale_reads(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_no_lost_writes(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_no_resurrection(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_realtime_version_order(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_hint_replay(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_merkle_convergence(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_availability(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_hint_obligations(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_repair_claims(const CheckContext& ctx);
std::unique_ptr<PropertyChecker> make_hlc_causality(const CheckContext& ctx);

struct PropertyEntry {
  std::string_view id;
  std::unique_ptr<PropertyChecker> (*make)(const CheckContext&);  // never null
  bool needs_final_state = false;
  // Judged on the state after quiesce: unknown unless the history holds a
  // quiesce marker with ok true (a failed quiesce, or none at all, leaves a
  // final state that was never quiesced). A property that can judge part of
  // its definition without quiesce says false here and reports undecided().
  bool needs_quiesce = false;
};
// Every DESIGN.md property, in all_property_ids() order.
const std::vector<PropertyEntry>& property_registry();

}  // namespace faultline
