// valid-values.
//
// Definition: every ok read R of key k is valid when one of these holds:
// - R returned nothing (no value, no version);
// - R returned value x with version V, and there is a write W of x to k that
//   was invoked before R completed and did not fail, and V is W's version:
//   the acknowledged version if W is ok; if W is indeterminate (info, or never
//   completed) its version is unknown and is learned from the first ok read of
//   x (in completion order) that carries a version, and every later read of x
//   must agree with it (one write is stamped once);
// - R returned no value but a version V (a tombstone; the tombstone flag is
//   not required), and there is a delete D of k invoked before R completed
//   that did not fail, with V its acknowledged version if D is ok, or any V
//   if D is indeterminate (we do not pin which indeterminate delete produced
//   which tombstone version).
// Every other ok read is one violation: a value never written (or written
// only after the read completed), a value written to another key, the value
// of a failed write, a wrong version, a value without a version, or a
// tombstone no delete explains. Fail and info reads returned nothing.
//
// Why this holds always: a store that invents values, or resurrects writes
// it reported as failed, is broken under every mode.
//
// Streaming: a read can complete before the write it saw is acknowledged, so
// such reads wait on the write (bounded by the reads during one pending
// write) and are judged when it completes; tombstone reads likewise wait on
// the deletes of their key that were pending when they completed.
// Memory: one 64-byte ValueTable slot per written value (hashes, never the
// value strings; about 100 bytes per written value with the table's load
// factor), interned keys and coordinator names, per-key delete state (the
// versions of acknowledged deletes), and the reads waiting on pending writes
// (bounded by concurrency).
#include <limits>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "checker/property.h"
#include "checker/value_table.h"

namespace faultline {

namespace {

enum class Fate { kPending, kOk, kFailed, kIndeterminate };

// What valid-values keeps per written value: enough to judge reads and to
// rebuild the write's witness entry (the value itself is the read's).
struct WriteState {
  int64_t index = -1;    // the invocation's, then the completion's
  int64_t time_ns = 0;
  int64_t process = 0;
  Version version;       // acknowledged, or learned from a read (has_version)
  uint32_t key_id = 0;
  uint16_t node_id = 0;  // the coordinator
  Fate fate = Fate::kPending;
  bool has_version = false;
};

// Interns strings that repeat across many operations (keys, node names).
class Interner {
 public:
  uint32_t id(const std::string& s) {
    auto [it, fresh] = ids_.try_emplace(s, static_cast<uint32_t>(names_.size()));
    if (fresh) names_.push_back(s);
    return it->second;
  }
  const std::string& name(uint32_t id) const { return names_[id]; }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
};

// A tombstone read no completed delete explains yet, waiting on the deletes
// of its key that were pending when it completed.
struct WaitingTombstoneRead {
  WitnessOp read;
  std::unordered_set<int64_t> candidates;  // processes of pending deletes
};

struct KeyDeletes {
  std::set<Version> acked;                 // versions of ok deletes
  bool indeterminate = false;              // some delete completed with info
  std::unordered_set<int64_t> pending;     // processes with a delete pending
  std::vector<WaitingTombstoneRead> waiting;
};

class ValidValues final : public LoggingChecker {
 public:
  void on_invoke(const HistoryOp& invoke) override {
    if (invoke.f == "write") {
      WriteState& w = *writes_.emplace(*invoke.value).first;
      w.key_id = keys_.id(*invoke.key);
      w.node_id = static_cast<uint16_t>(nodes_.id(invoke.node));
      stamp(&w, invoke);
    } else if (invoke.f == "delete") {
      deletes_[*invoke.key].pending.insert(invoke.process);
    }
  }

  void on_complete(const HistoryOp& invoke, const HistoryOp& done) override {
    if (done.f == "write") complete_write(invoke, done);
    else if (done.f == "delete") complete_delete(invoke, done);
    else if (done.type == OpType::kOk) check_read(witness_op(invoke, done));
  }

  void finish() override {
    // Never-completed operations are indeterminate, exactly like info.
    std::vector<std::string> pending;
    for (const auto& [value, reads] : early_reads_) pending.push_back(value);
    for (const std::string& value : pending) settle_write(value, writes_.find(value), Fate::kIndeterminate);
    writes_.for_each([](WriteState& w) {
      if (w.fate == Fate::kPending) w.fate = Fate::kIndeterminate;
    });
    for (auto& [key, d] : deletes_) {
      std::vector<int64_t> pending(d.pending.begin(), d.pending.end());
      for (int64_t process : pending) settle_delete(&d, process, OpType::kInfo, Version{});
    }
  }

 private:
  void check_read(const WitnessOp& read) {
    if (read.value.empty() && !read.has_version) return;  // nothing stored
    if (read.value.empty()) return check_tombstone_read(read);
    if (!read.has_version) return report(read, nullptr, "returned a value without a version");
    WriteState* w = writes_.find(read.value);
    if (w == nullptr) return report(read, nullptr, "returned a value never written before it completed");
    const std::string& key = keys_.name(w->key_id);
    if (key != read.key) {
      WitnessOp write = write_op(*w, read.value);
      return report(read, &write, "returned a value written to key " + key);
    }
    if (w->fate == Fate::kPending) return early_reads_[read.value].push_back(read);
    judge_read(*w, read);
  }

  // Judges a read of w's value once w's fate is settled.
  void judge_read(WriteState& w, const WitnessOp& read) {
    if (w.fate == Fate::kFailed) {
      WitnessOp write = write_op(w, read.value);
      return report(read, &write, "returned the value of a failed write");
    }
    if (!w.has_version) {  // indeterminate and not learned yet: this read teaches it
      w.version = read.version;
      w.has_version = true;
      return;
    }
    if (read.version != w.version) {
      std::string whose = w.fate == Fate::kOk ? "its write was acknowledged with " : "an earlier read saw ";
      WitnessOp write = write_op(w, read.value);
      report(read, &write, "returned version " + read.version.to_string() + " but " + whose + w.version.to_string());
    }
  }

  void complete_write(const HistoryOp& invoke, const HistoryOp& done) {
    WriteState* w = writes_.find(*invoke.value);
    if (w == nullptr) throw std::logic_error("valid-values: completion of a write it never saw invoked");
    stamp(w, done);
    if (done.type == OpType::kOk) {
      w->version = *done.version;
      w->has_version = true;
    }
    settle_write(*invoke.value, w,
                 done.type == OpType::kOk     ? Fate::kOk
                 : done.type == OpType::kFail ? Fate::kFailed
                                              : Fate::kIndeterminate);
  }

  static void stamp(WriteState* w, const HistoryOp& op) {
    w->index = op.index;
    w->time_ns = op.time_ns;
    w->process = op.process;
  }

  void settle_write(const std::string& value, WriteState* w, Fate fate) {
    w->fate = fate;
    auto it = early_reads_.find(value);
    if (it == early_reads_.end()) return;
    std::vector<WitnessOp> early = std::move(it->second);
    early_reads_.erase(it);
    for (const WitnessOp& r : early) judge_read(*w, r);
  }

  // The witness entry of the write of `value` (the latest of its ops).
  WitnessOp write_op(const WriteState& w, const std::string& value) const {
    WitnessOp op;
    op.index = w.index;
    op.time_ns = w.time_ns;
    op.process = w.process;
    op.type = w.fate == Fate::kOk       ? "ok"
              : w.fate == Fate::kFailed  ? "fail"
              : w.fate == Fate::kPending ? "invoke"
                                         : "info";
    op.f = "write";
    op.key = keys_.name(w.key_id);
    op.value = value;
    op.has_version = w.has_version && w.fate == Fate::kOk;
    op.version = op.has_version ? w.version : Version{};
    op.node = nodes_.name(w.node_id);
    return op;
  }

  void check_tombstone_read(const WitnessOp& read) {
    KeyDeletes& d = deletes_[read.key];
    if (d.acked.count(read.version) || d.indeterminate) return;
    if (d.pending.empty()) return report(read, nullptr, "returned a tombstone no delete of " + read.key + " explains");
    d.waiting.push_back({read, d.pending});
  }

  void complete_delete(const HistoryOp& invoke, const HistoryOp& done) {
    KeyDeletes& d = deletes_[*invoke.key];
    if (done.type == OpType::kOk) d.acked.insert(*done.version);
    settle_delete(&d, done.process, done.type, done.version.value_or(Version{}));
  }

  // A delete by `process` completed: waiting tombstone reads it explains are
  // valid; those it was the last hope of are violations.
  void settle_delete(KeyDeletes* d, int64_t process, OpType type, const Version& version) {
    d->pending.erase(process);
    if (type == OpType::kInfo) d->indeterminate = true;
    std::vector<WaitingTombstoneRead> still;
    for (WaitingTombstoneRead& w : d->waiting) {
      if (!w.candidates.count(process)) {
        still.push_back(std::move(w));
        continue;
      }
      bool explained = type == OpType::kInfo || (type == OpType::kOk && version == w.read.version);
      if (explained) continue;
      w.candidates.erase(process);
      if (!w.candidates.empty()) still.push_back(std::move(w));
      else report(w.read, nullptr, "returned a tombstone no delete of " + w.read.key + " explains");
    }
    d->waiting = std::move(still);
  }

  void report(const WitnessOp& read, const WitnessOp* write, const std::string& why) {
    violation([&] {
      Witness w;
      std::string saw = read.value.empty() ? describe_version(read.version, true)
                                           : "'" + read.value + "' " + describe_version(read.version);
      w.summary = op_label(read) + " saw " + saw + ": " + why;
      w.explanation = "Read #" + std::to_string(read.index) + " of " + read.key + " by process " +
                      std::to_string(read.process) + " " + why + " (it saw " + saw + ").";
      if (write) w.ops.push_back(*write);
      w.ops.push_back(read);
      return w;
    });
  }

  ValueTable<WriteState> writes_;  // written value -> its write
  std::unordered_map<std::string, std::vector<WitnessOp>> early_reads_;  // pending write's value -> reads of it
  Interner keys_;
  Interner nodes_;
  std::unordered_map<std::string, KeyDeletes> deletes_;  // key -> its deletes
};

}  // namespace

std::unique_ptr<PropertyChecker> make_valid_values(const CheckContext&) {
  return std::make_unique<ValidValues>();
}

}  // namespace faultline
