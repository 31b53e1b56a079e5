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
// Streaming within bounded memory: the history is read once and nothing per
// written value stays in memory. Each write invocation, write completion and
// read of a value becomes a fixed-size ValueEvent in an ExternalSorter
// (checker/spill.h); finish() sorts them by (value hash, kind, index) and
// walks each value's events: its write's invocation and completion first,
// then its reads in history order, judging each read exactly as a check at
// its completion would have (a read of a write still pending then is judged
// as of the write's completion, or of the history's end).
// Tombstone reads: in memory per key are whether some delete completed info,
// the deletes pending, and the tombstone reads waiting on them (bounded by
// the reads during one pending delete, so by the op timeout); whether an ok
// delete of the key with the read's version completed before the read is a
// second sort-join, of TombEvents by (key, version).
// Witnesses: every violation gets the position in the history at which a
// check in history order would report it (the read's completion, the
// completion of the write or delete it waited on, or the history's end);
// the first kMaxWitnesses by position are kept, and their values re-read
// from a ValueLog, so the result is the same whatever the sort order.
// Memory: interned keys and coordinator names (bounded by the plan's keys and
// nodes), per-key delete state without versions, the first witnesses, and
// the sorters' and value log's buffers within CheckContext::
// memory_budget_bytes; beyond that they spill to disk.
#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>

#include "checker/property.h"
#include "checker/spill.h"

namespace faultline {

namespace {

enum class Fate : uint8_t { kPending, kOk, kFailed, kIndeterminate };
constexpr int64_t kHistoryEnd = std::numeric_limits<int64_t>::max();

// Interns coordinator names, which repeat across every operation.
class Interner {
 public:
  uint32_t id(const std::string& s) {
    // Most operations name the coordinator the previous one named.
    if (last_ < names_.size() && names_[last_] == s) return last_;
    auto [it, fresh] = ids_.try_emplace(s, static_cast<uint32_t>(names_.size()));
    if (fresh) names_.push_back(s);
    return last_ = it->second;
  }
  const std::string& name(uint32_t id) const { return names_[id]; }

 private:
  uint32_t last_ = 0;
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
};

// One operation as a fixed-size record: for a read, enough to rebuild its
// witness entry but its value (which is in a ValueLog).
struct OpStamp {
  int64_t index = 0;
  int64_t time_ns = 0;
  int64_t process = 0;
  Version version;       // write done, delete ack: acknowledged; read: what it saw
  uint32_t key_id = 0;   // not set for a write's completion
  uint32_t node_id = 0;  // the coordinator (write invoke, read)
  bool tombstone = false;  // read: its tombstone flag
};

// What the join needs of one operation on a value.
enum class ValueEventKind : uint8_t { kWriteInvoke, kWriteDone, kRead };
struct ValueEvent : OpStamp {
  ValueHash hash;
  ValueLog::Ref value;  // read: the value it returned
  ValueEventKind kind = ValueEventKind::kRead;
  Fate fate = Fate::kPending;  // write done
};
struct ValueEventLess {
  bool operator()(const ValueEvent& a, const ValueEvent& b) const {
    if (a.hash != b.hash) return a.hash < b.hash;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.index < b.index;
  }
};

// An ok delete's version, or a tombstone read no pending delete explained.
// index: the completion's (the delete's or the read's).
enum class TombEventKind : uint8_t { kAck, kRead };
struct TombEvent : OpStamp {
  TombEventKind kind = TombEventKind::kAck;
  int64_t report_at = 0;  // read: when a check in history order would report it
};
struct TombEventLess {
  bool operator()(const TombEvent& a, const TombEvent& b) const {
    if (a.key_id != b.key_id) return a.key_id < b.key_id;
    if (a.version != b.version) return a.version < b.version;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.index < b.index;
  }
};

// Processes with a delete of one key pending: a few (bounded by the
// clients), so a vector beats a hash set that allocates per insert.
class ProcessSet {
 public:
  void insert(int64_t p) {
    if (!contains(p)) processes_.push_back(p);
  }
  void erase(int64_t p) { std::erase(processes_, p); }
  bool contains(int64_t p) const { return std::find(processes_.begin(), processes_.end(), p) != processes_.end(); }
  bool empty() const { return processes_.empty(); }
  const std::vector<int64_t>& processes() const { return processes_; }

 private:
  std::vector<int64_t> processes_;
};

// A tombstone read no completed delete explains yet, waiting on the deletes
// of its key that were pending when it completed.
struct WaitingTombstoneRead {
  TombEvent read;
  ProcessSet candidates;  // processes of pending deletes
};

struct KeyDeletes {
  bool indeterminate = false;              // some delete completed with info
  ProcessSet pending;                      // processes with a delete pending
  std::vector<WaitingTombstoneRead> waiting;
};

// Counts violations and keeps the kMaxWitnesses with the smallest
// (position, read index), whatever order they are found in.
class FirstWitnesses {
 public:
  bool wants(int64_t at, int64_t read_index) const {
    return first_.size() < kMaxWitnesses || std::pair(at, read_index) < first_.back().first;
  }
  template <typename Make>
  void add(int64_t at, int64_t read_index, Make make) {
    ++count_;
    if (!wants(at, read_index)) return;
    std::pair<int64_t, int64_t> pos(at, read_index);
    auto it = std::upper_bound(first_.begin(), first_.end(), pos,
                               [](const auto& p, const auto& e) { return p < e.first; });
    first_.insert(it, {pos, make()});
    if (first_.size() > kMaxWitnesses) first_.pop_back();
  }
  int64_t count() const { return count_; }
  std::vector<Witness> witnesses() const {
    std::vector<Witness> out;
    for (const auto& [pos, w] : first_) out.push_back(w);
    return out;
  }

 private:
  int64_t count_ = 0;
  std::vector<std::pair<std::pair<int64_t, int64_t>, Witness>> first_;  // sorted by position
};

class ValidValues final : public PropertyChecker {
 public:
  explicit ValidValues(const CheckContext& ctx)
      : values_(ctx.spill, ctx.memory_budget_bytes / 2, "valid-values"),
        tombs_(ctx.spill, ctx.memory_budget_bytes / 4, "valid-values-tombstones"),
        read_values_(ctx.spill, ctx.memory_budget_bytes / 4, "valid-values"),
        keys_(*ctx.keys) {}

  void on_invoke(const HistoryOp& invoke, KeyId key) override {
    if (invoke.f == "write") {
      ValueEvent e = event(ValueEventKind::kWriteInvoke, *invoke.value, invoke);
      e.key_id = key;
      e.node_id = nodes_.id(invoke.node);
      values_.add(e);
    } else if (invoke.f == "delete") {
      deletes_[key].pending.insert(invoke.process);
    }
  }

  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    if (done.f == "write") complete_write(invoke, done);
    else if (done.f == "delete") complete_delete(done, key);
    else if (done.type == OpType::kOk) check_read(invoke, done, key);
  }

  void finish() override {
    // Never-completed deletes are indeterminate, exactly like info.
    deletes_.for_each([&](KeyId, KeyDeletes& d) {
      std::vector<int64_t> pending = d.pending.processes();
      for (int64_t process : pending) settle_delete(&d, process, OpType::kInfo, Version{}, kHistoryEnd);
    });
    join_values();
    join_tombstones();
    witnesses_ = first_.witnesses();
  }

  int64_t violations() const override { return first_.count(); }
  const std::vector<Witness>& witnesses() const override { return witnesses_; }

 private:
  static ValueEvent event(ValueEventKind kind, const std::string& value, const HistoryOp& op) {
    ValueEvent e;
    e.hash = value_hash(value);
    e.kind = kind;
    e.index = op.index;
    e.time_ns = op.time_ns;
    e.process = op.process;
    return e;
  }

  void complete_write(const HistoryOp& invoke, const HistoryOp& done) {
    ValueEvent e = event(ValueEventKind::kWriteDone, *invoke.value, done);
    e.fate = done.type == OpType::kOk     ? Fate::kOk
             : done.type == OpType::kFail ? Fate::kFailed
                                          : Fate::kIndeterminate;
    if (done.type == OpType::kOk) e.version = *done.version;
    values_.add(e);
  }

  // The ok read `done` of key `key`, as witness_op(invoke, done) shows it.
  void check_read(const HistoryOp& invoke, const HistoryOp& done, KeyId key) {
    const std::string_view value = done.value ? std::string_view(*done.value) : std::string_view();
    if (value.empty() && !done.version) return;  // nothing stored
    if (value.empty()) return check_tombstone_read(stamp(invoke, done, key));
    if (!done.version) {
      return first_.add(done.index, done.index, [&] {
        return explain(witness_op(invoke, done), nullptr, "returned a value without a version");
      });
    }
    ValueEvent e;
    static_cast<OpStamp&>(e) = stamp(invoke, done, key);
    e.hash = value_hash(value);
    e.kind = ValueEventKind::kRead;
    e.value = read_values_.append(value);
    values_.add(e);
  }

  // The value events of one written (or read) value, in ValueEventLess order.
  struct ValueGroup {
    ValueHash hash;
    std::optional<ValueEvent> invoke, done;
    std::optional<Version> learned;  // an indeterminate write's version, from its first read
  };

  void join_values() {
    std::optional<ValueGroup> g;
    values_.drain([&](const ValueEvent& e) {
      if (!g || g->hash != e.hash) g = ValueGroup{e.hash, std::nullopt, std::nullopt, std::nullopt};
      if (e.kind == ValueEventKind::kWriteInvoke && !g->invoke) g->invoke = e;
      else if (e.kind == ValueEventKind::kWriteDone && !g->done) g->done = e;
      else if (e.kind == ValueEventKind::kRead) judge_read(&*g, e);
    });
  }

  // Judges read `r` as a check at its completion would have; one waiting on
  // a pending write is reported at that write's completion.
  void judge_read(ValueGroup* g, const ValueEvent& r) {
    if (!g->invoke || g->invoke->index > r.index) {
      return report(r.index, r, nullptr, Fate::kPending, "returned a value never written before it completed");
    }
    bool pending_then = !g->done || g->done->index > r.index;
    if (g->invoke->key_id != r.key_id) {
      Fate then = pending_then ? Fate::kPending : g->done->fate;
      return report(r.index, r, g, then, "returned a value written to key " + keys_.name(g->invoke->key_id));
    }
    int64_t at = !pending_then ? r.index : g->done ? g->done->index : kHistoryEnd;
    Fate fate = g->done ? g->done->fate : Fate::kIndeterminate;
    if (fate == Fate::kFailed) return report(at, r, g, fate, "returned the value of a failed write");
    if (fate == Fate::kIndeterminate && !g->learned) {
      g->learned = r.version;  // this read teaches the indeterminate write's version
      return;
    }
    Version expected = fate == Fate::kOk ? g->done->version : *g->learned;
    if (r.version != expected) {
      std::string whose = fate == Fate::kOk ? "its write was acknowledged with " : "an earlier read saw ";
      report(at, r, g, fate, "returned version " + r.version.to_string() + " but " + whose + expected.to_string());
    }
  }

  // A violation by read `r`; `g` (may be null) is the write of its value,
  // shown as it stood with `fate`.
  void report(int64_t at, const ValueEvent& r, const ValueGroup* g, Fate fate, const std::string& why) {
    first_.add(at, r.index, [&] {
      WitnessOp read = read_op(r, read_values_.get(r.value));
      if (!g) return explain(read, nullptr, why);
      WitnessOp write = write_op(*g, fate, read.value);
      return explain(read, &write, why);
    });
  }

  OpStamp stamp(const HistoryOp& invoke, const HistoryOp& read, KeyId key) {
    OpStamp r;
    r.index = read.index;
    r.time_ns = read.time_ns;
    r.process = read.process;
    r.version = read.version.value_or(Version{});
    r.key_id = key;
    r.node_id = nodes_.id(read.node.empty() ? invoke.node : read.node);
    r.tombstone = read.tombstone;
    return r;
  }

  // The witness entry of the ok read `r` that returned `value` ("" for none).
  WitnessOp read_op(const OpStamp& r, std::string value) const {
    WitnessOp op;
    op.index = r.index;
    op.time_ns = r.time_ns;
    op.process = r.process;
    op.type = "ok";
    op.f = "read";
    op.key = keys_.name(r.key_id);
    op.value = std::move(value);
    op.has_version = true;
    op.version = r.version;
    op.tombstone = r.tombstone;
    op.node = nodes_.name(r.node_id);
    return op;
  }

  // The witness entry of the write of `value` as it stood with `fate`: its
  // completion once it completed, else its invocation.
  WitnessOp write_op(const ValueGroup& g, Fate fate, const std::string& value) const {
    const ValueEvent& latest = fate != Fate::kPending && g.done ? *g.done : *g.invoke;
    WitnessOp op;
    op.index = latest.index;
    op.time_ns = latest.time_ns;
    op.process = latest.process;
    op.type = fate == Fate::kOk       ? "ok"
              : fate == Fate::kFailed  ? "fail"
              : fate == Fate::kPending ? "invoke"
                                       : "info";
    op.f = "write";
    op.key = keys_.name(g.invoke->key_id);
    op.value = value;
    op.has_version = fate == Fate::kOk;
    op.version = op.has_version ? g.done->version : Version{};
    op.node = nodes_.name(g.invoke->node_id);
    return op;
  }

  void check_tombstone_read(const OpStamp& read) {
    TombEvent e;
    static_cast<OpStamp&>(e) = read;
    e.kind = TombEventKind::kRead;
    e.report_at = read.index;
    KeyDeletes& d = deletes_[e.key_id];
    if (d.indeterminate) return;
    if (d.pending.empty()) return tombs_.add(e);  // explained only by an ok delete done before it
    d.waiting.push_back({e, d.pending});
  }

  void complete_delete(const HistoryOp& done, KeyId key_id) {
    if (done.type == OpType::kOk) {
      TombEvent ack;
      ack.kind = TombEventKind::kAck;
      ack.version = *done.version;
      ack.key_id = key_id;
      ack.index = done.index;
      tombs_.add(ack);
    }
    settle_delete(&deletes_[key_id], done.process, done.type, done.version.value_or(Version{}), done.index);
  }

  // A delete by `process` completed at `at`: waiting tombstone reads it
  // explains are valid; those it was the last hope of go to the join, which
  // looks for an ok delete that completed before them.
  void settle_delete(KeyDeletes* d, int64_t process, OpType type, const Version& version, int64_t at) {
    d->pending.erase(process);
    if (type == OpType::kInfo) d->indeterminate = true;
    std::vector<WaitingTombstoneRead> still;
    for (WaitingTombstoneRead& w : d->waiting) {
      if (!w.candidates.contains(process)) {
        still.push_back(std::move(w));
        continue;
      }
      bool explained = type == OpType::kInfo || (type == OpType::kOk && version == w.read.version);
      if (explained) continue;
      w.candidates.erase(process);
      if (!w.candidates.empty()) {
        still.push_back(std::move(w));
        continue;
      }
      w.read.report_at = at;
      tombs_.add(w.read);
    }
    d->waiting = std::move(still);
  }

  // A tombstone read is explained by an ok delete of its key with its
  // version that completed before it (acks sort first within a version).
  void join_tombstones() {
    std::optional<TombEvent> first_ack;  // the earliest of the current (key, version)
    tombs_.drain([&](const TombEvent& e) {
      bool same = first_ack && first_ack->key_id == e.key_id && first_ack->version == e.version;
      if (e.kind == TombEventKind::kAck) {
        if (!same) first_ack = e;
        return;
      }
      if (same && first_ack->index < e.index) return;
      const std::string& key = keys_.name(e.key_id);
      first_.add(e.report_at, e.index, [&] {
        WitnessOp read = read_op(e, "");
        return explain(read, nullptr, "returned a tombstone no delete of " + key + " explains");
      });
    });
  }

  static Witness explain(const WitnessOp& read, const WitnessOp* write, const std::string& why) {
    Witness w;
    std::string saw = read.value.empty() ? describe_version(read.version, true)
                                         : "'" + read.value + "' " + describe_version(read.version);
    w.summary = op_label(read) + " saw " + saw + ": " + why;
    w.explanation = "Read #" + std::to_string(read.index) + " of " + read.key + " by process " +
                    std::to_string(read.process) + " " + why + " (it saw " + saw + ").";
    if (write) w.ops.push_back(*write);
    w.ops.push_back(read);
    return w;
  }

  ExternalSorter<ValueEvent, ValueEventLess> values_;
  ExternalSorter<TombEvent, TombEventLess> tombs_;
  ValueLog read_values_;  // the values reads returned, for witnesses
  const KeyTable& keys_;  // the RunChecker's: names the ids on_invoke and on_complete get
  Interner nodes_;
  PerKey<KeyDeletes> deletes_;
  FirstWitnesses first_;
  std::vector<Witness> witnesses_;  // first_'s, once finished
};

}  // namespace

std::unique_ptr<PropertyChecker> make_valid_values(const CheckContext& ctx) {
  return std::make_unique<ValidValues>(ctx);
}

}  // namespace faultline
