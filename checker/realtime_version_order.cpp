// realtime-version-order.
//
// Definition: for every key k and every pair of writes (or deletes) A and B
// of k, where A is ok, if A's ok completion precedes B's invocation in the
// history, then version(A) < version(B), where version(B) is
// - the version B was acknowledged with, when B is ok;
// - when B is an indeterminate write (info, or never completed), the version
//   the first ok read of B's value carries, if one does (one write is stamped
//   once; valid-values checks that every read of it agrees).
// Each B for which some such A exists is one violation; its witness is the
// newest such A and B (and, for an indeterminate B, the read that revealed
// its version).
//
// Per key, not global: last-write-wins compares
// versions only between records of one key, so a later write stamped below an
// earlier acknowledged one of the same key is silently lost or shadowed, which
// is the anomaly clock skew causes and clients can observe. Across keys no
// read or merge ever compares versions, so a global order would flag clock
// differences no client can see. Equal versions count as a violation: an
// equal version ties, and the tie-break (tombstone, then value bytes) is not
// real-time order.
//
// Indeterminate writes never bind (the client never learned they happened)
// but are bound once a read reveals their version: a write that timed out
// was still stamped by a coordinator after A was acknowledged, and binding
// only acknowledged B would miss it. An indeterminate delete is
// never bound: a tombstone read does not say which delete wrote it. Failed
// writes certainly did not happen.
//
// Streaming: the floor of k is the newest acknowledged write or delete of k
// (ReadFloorChecker); each write snapshots it at invocation. Memory: one
// floor per key, plus one entry per write invocation that had a floor and is
// pending or indeterminate (bounded by concurrency and info completions).
#include <unordered_map>

#include "checker/read_floor.h"

namespace faultline {

namespace {

bool is_write(const HistoryOp& op) { return op.f == "write" || op.f == "delete"; }

class RealtimeVersionOrder final : public ReadFloorChecker {
 public:
  explicit RealtimeVersionOrder(const Plan& plan)
      : ReadFloorChecker("acked", "which was acknowledged before it was invoked", deletion_rule(plan)) {}

  void on_invoke(const HistoryOp& invoke, KeyId key) override {
    ReadFloorChecker::on_invoke(invoke, key);
    if (invoke.f != "write") return;
    const Floor* f = floor_of(key);
    if (f == nullptr) return;
    auto [it, fresh] = unacked_.insert_or_assign(*invoke.value, Unacked{*f, witness_op(invoke), false, {}});
    if (fresh) ++unacked_of_key_[key];
  }

  void finish() override {
    // Writes still pending at the end are indeterminate, exactly like info.
    for (auto& [value, u] : unacked_) {
      if (u.revealed_by) judge(u);
    }
    unacked_.clear();
  }

 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    if (is_write(done) && done.type == OpType::kOk) raise_floor(key, *done.version, invoke, done);
    // Most keys have no unacknowledged write: no value lookup for them.
    const int* unacked = unacked_of_key_.find(key);
    if (unacked == nullptr || *unacked == 0) return;
    if (done.f == "write") return settle(invoke, done, key);
    if (done.f == "read" && done.type == OpType::kOk && done.value && done.version) reveal(invoke, done, key);
  }
  bool bound(const HistoryOp& invoke) const override { return is_write(invoke); }
  bool violates(const HistoryOp& done, const Version& floor) const override { return *done.version <= floor; }
  std::string_view relation() const override { return "not newer than"; }

 private:
  struct Unacked {
    Floor floor;            // the key's floor when the write was invoked
    WitnessOp write;        // its invocation (then its info completion)
    bool indeterminate = false;
    std::optional<WitnessOp> revealed_by;  // the first ok read of its value
  };

  // An ok or failed write is judged (or not) by the base; an info one waits
  // for a read of its value, or judges the read that already came.
  void settle(const HistoryOp& invoke, const HistoryOp& done, KeyId key) {
    auto it = unacked_.find(*invoke.value);
    if (it == unacked_.end()) return;
    if (done.type != OpType::kInfo) return erase(it, key);
    it->second.indeterminate = true;
    it->second.write = witness_op(invoke, done);
    if (it->second.revealed_by) {
      judge(it->second);
      erase(it, key);
    }
  }

  void reveal(const HistoryOp& invoke, const HistoryOp& done, KeyId key) {
    auto it = unacked_.find(*done.value);
    if (it == unacked_.end() || it->second.revealed_by || it->second.write.key != *invoke.key) return;
    it->second.revealed_by = witness_op(invoke, done);
    if (!it->second.indeterminate) return;  // still pending: judged when it settles
    judge(it->second);
    erase(it, key);
  }

  void judge(const Unacked& u) {
    WitnessOp write = u.write;
    write.has_version = true;
    write.version = u.revealed_by->version;
    if (write.version > u.floor.version) return;
    violation([&] {
      Witness w = explain(*u.floor.op, u.floor.version, write);
      w.explanation += " The write was indeterminate; read #" + std::to_string(u.revealed_by->index) +
                       " revealed its version.";
      w.ops.push_back(*u.revealed_by);
      return w;
    });
  }

  void erase(std::unordered_map<std::string, Unacked>::iterator it, KeyId key) {
    unacked_.erase(it);
    --unacked_of_key_[key];
  }

  std::unordered_map<std::string, Unacked> unacked_;  // written value -> its pending or info write
  PerKey<int> unacked_of_key_;                         // how many of them each key has
};

}  // namespace

std::unique_ptr<PropertyChecker> make_realtime_version_order(const CheckContext& ctx) {
  return std::make_unique<RealtimeVersionOrder>(*ctx.plan);
}

}  // namespace faultline
