// Witness helpers shared by the property files, and the property registry.
#include "checker/property.h"

#include "checker/expectations.h"
#include "core/assert.h"

namespace faultline {

Version read_version(const HistoryOp& read_ok) { return read_ok.version.value_or(Version{}); }

std::string describe_version(const Version& v, bool tombstone) {
  if (v.is_zero()) return "nil";
  return v.to_string() + (tombstone ? " tombstone" : "");
}

namespace {

void assign_or_clear(std::string* to, const std::optional<std::string>& from) {
  if (from) to->assign(*from);
  else to->clear();
}

void fill_witness_op(const HistoryOp& op, WitnessOp* w) {
  w->index = op.index;
  w->time_ns = op.time_ns;
  w->process = op.process;
  w->type.assign(to_string(op.type));
  w->f.assign(op.f);
  assign_or_clear(&w->key, op.key);
  assign_or_clear(&w->value, op.value);
  w->has_version = op.version.has_value();
  w->version = op.version.value_or(Version{});
  w->tombstone = op.tombstone;
  w->node.assign(op.node);
}

}  // namespace

WitnessOp witness_op(const HistoryOp& op) {
  WitnessOp w;
  fill_witness_op(op, &w);
  return w;
}

void fill_witness_op(const HistoryOp& invoke, const HistoryOp& done, WitnessOp* w) {
  fill_witness_op(done, w);
  if (w->key.empty() && invoke.key) w->key.assign(*invoke.key);
  // A read's value is what it returned; a write's is what it wrote.
  if (w->value.empty() && done.f != "read" && invoke.value) w->value.assign(*invoke.value);
  if (w->node.empty()) w->node.assign(invoke.node);
}

WitnessOp witness_op(const HistoryOp& invoke, const HistoryOp& done) {
  WitnessOp w;
  fill_witness_op(invoke, done, &w);
  return w;
}

WitnessOp witness_record(const Record& r, const std::string& node) {
  WitnessOp w;
  w.type = "final";
  w.f = "dump";
  w.key = r.key;
  w.value = r.value;
  w.has_version = true;
  w.version = r.version;
  w.tombstone = r.tombstone;
  w.node = node;
  return w;
}

std::string op_label(const WitnessOp& op) {
  return op.f + " #" + std::to_string(op.index) + " (p" + std::to_string(op.process) + ", " + op.key + ")";
}

const std::vector<PropertyEntry>& property_registry() {
  static const std::vector<PropertyEntry> registry = [] {
    std::vector<PropertyEntry> r = {
        {"monotonic-reads", &make_monotonic_reads, false, false},
        {"no-stale-reads", &make_no_stale_reads, false, false},
        {"no-lost-writes", &make_no_lost_writes, true, true},
        {"no-resurrection", &make_no_resurrection, true, false},
        {"valid-values", &make_valid_values, false, false},
        {"realtime-version-order", &make_realtime_version_order, false, false},
        // Judges pending hints even when quiesce failed, undecided otherwise.
        {"hint-replay", &make_hint_replay, true, false},
        {"merkle-convergence", &make_merkle_convergence, true, true},
        {"availability", &make_availability, false, false},
        // Judges contradicted hint decisions even when quiesce failed.
        {"hint-obligations", &make_hint_obligations, true, false},
        {"repair-claims", &make_repair_claims, true, false},
        {"hlc-causality", &make_hlc_causality, false, false},
    };
    // The registry and the expectations table must name the same properties.
    FL_ASSERT(r.size() == all_property_ids().size());
    for (size_t i = 0; i < r.size(); ++i) FL_ASSERT(r[i].id == all_property_ids()[i]);
    return r;
  }();
  return registry;
}

}  // namespace faultline
