// no-lost-writes.
//
// Definition: let F(k) be the last-write-wins merge of key k over every
// node's final dump (FinalState). Every ok write W of value x to k with
// version V is kept when
// - F(k) has a version newer than V (superseded), or
// - F(k) is x itself at version V, or
// - no node holds k at all, and some ok delete of k or some ok read of a
//   tombstone of k carries a version newer than V, or some node logged
//   tombstone_purged of k with a version newer than V (superseded by a
//   delete whose tombstone was since purged; the node events cover deletes
//   whose outcome the client never learned, info, which carry no version in
//   the history: sim seed 164732371289119 acked three writes, then a delete
//   timed out at a partitioned coordinator, took effect through hints and was
//   purged after gc_grace), or
// - where the expectations table allows resurrections (DeletionRule), F(k)
//   is older than V and a delete newer than V was purged (a node logged
//   tombstone_purged newer than V, or an ok delete or tombstone read newer
//   than V once a purge was possible): the older value came back, which is
//   no-resurrection's allowed anomaly, not a lost write.
// Every ok delete D of k with version V is kept when F(k) is a tombstone with
// version >= V, or has any version newer than V, or no node holds k (the
// tombstone was purged after gc_grace), except when no purge was possible
// before the final state was taken (DeletionRule, from the key's first
// delete invocation to the harness's "done" marker; with no such marker the
// purge counts as possible). Deletes are judged only where the
// expectations table rules resurrections out: a delete whose key ends with an
// older value is a resurrection, and where gc_grace is short enough for one
// it is no-resurrection's allowed anomaly, not a lost write (counting it here
// was a false alarm; DeletionRule in checker/expectations.h).
// Every acknowledged write or delete not kept is one violation; its witness
// is the operation and what each node holds for k.
//
// Indeterminate (info) and failed writes are never counted: only an
// acknowledgement promises durability.
//
// Streaming: the final state is loaded before the history, so each
// acknowledgement is judged when it is read, except writes to keys no node
// holds, which wait (per key) until the history has shown every delete.
// Memory: per key no node holds, the newest tombstone seen and the ok writes
// not older than it (an older write is kept whatever comes later, so it is
// dropped at once); what waits are writes that will be reported lost unless
// a later delete supersedes them, not the key's whole history.
#include <unordered_map>

#include "checker/expectations.h"
#include "checker/node_events.h"
#include "checker/property.h"

namespace faultline {

namespace {

class NoLostWrites final : public LoggingChecker {
 public:
  NoLostWrites(const Plan& plan, const FinalState& final_state, const NodeEvents& events, const RunPhases& phases)
      : plan_(plan), final_(final_state), events_(events), deletions_(deletion_rule(plan)), phases_(phases) {}

  void on_invoke(const HistoryOp& invoke, KeyId key) override {
    if (invoke.f == "delete") first_delete_ns_.try_emplace(key, invoke.time_ns);
  }

  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key_id) override {
    if (done.type != OpType::kOk) return;
    const std::string& key = *invoke.key;
    const KeyFinalState* held = final_of(key_id, key);
    bool is_tombstone = done.f == "delete" || (done.f == "read" && !done.value && done.version);
    if (!held && is_tombstone) note_tombstone(key, *done.version);
    if (held && is_tombstone) newest(held_tombstone_[key], *done.version);
    if (done.f == "read" || (done.f == "delete" && !deletions_.resurrection_ruled_out)) return;
    if (held) {
      if (kept(invoke, done, *held->merged)) return;
      // An older value back after a newer delete was purged is a resurrection,
      // which the expectations table allows here: judged once every delete is
      // known.
      if (!deletions_.resurrection_ruled_out) {
        Resurrected& r = resurrected_writes_[key];
        r.key = key_id;
        return r.writes.push_back(witness_op(invoke, done));
      }
      return lost(witness_op(invoke, done), held);
    }
    WitnessOp op = witness_op(invoke, done);
    if (done.f == "delete") return absent_deletes_.push_back({key_id, std::move(op)});
    auto t = purged_tombstone_.find(key);
    if (t == purged_tombstone_.end() || t->second <= op.version) absent_writes_[key].push_back(std::move(op));
  }

  void finish() override {
    // A delete of a key no node holds is kept by a purge only if one was
    // possible before the dumps: with gc_grace ten minutes, a vanished
    // tombstone is a lost delete, not a purged one.
    for (const auto& [key, del] : absent_deletes_) {
      if (phases_.done_ns == 0 || deletions_.purge_possible(*first_delete_ns_.find(key), phases_.done_ns)) continue;
      lost(del, nullptr);
    }
    if (absent_writes_.empty() && resurrected_writes_.empty()) return;
    // The newest tombstone any node purged, per key (node events; none when
    // the run has no events, and then only the history's tombstones count).
    std::unordered_map<std::string, Version> purged_by_nodes;
    for (const auto& [node_key, version] : purged_tombstones(events_, plan_)) {
      newest(purged_by_nodes[node_key.second], version);
    }
    judge_resurrected_writes(purged_by_nodes);
    for (const auto& [key, writes] : absent_writes_) {
      auto it = purged_tombstone_.find(key);
      auto by_node = purged_by_nodes.find(key);
      for (const WitnessOp& w : writes) {
        if (it != purged_tombstone_.end() && it->second > w.version) continue;
        if (by_node != purged_by_nodes.end() && by_node->second > w.version) continue;
        lost(w, nullptr);
      }
    }
  }

 private:
  // Whether the final state keeps the ok write or delete `done` of `invoke`.
  static bool kept(const HistoryOp& invoke, const HistoryOp& done, const Record& merged) {
    const Version version = done.version.value_or(Version{});
    if (merged.version != version) return merged.version > version;
    if (done.f == "delete") return merged.tombstone;
    // The witness's value: the completion's, else the invocation's.
    std::string_view value = done.value ? std::string_view(*done.value) : "";
    if (value.empty() && invoke.value) value = *invoke.value;
    return !merged.tombstone && merged.value == value;
  }

  // What the final state holds of `key` (null: nothing), looked up once per key.
  const KeyFinalState* final_of(KeyId id, const std::string& key) {
    if (const KeyFinalState* const* held = held_.find(id)) return *held;
    return held_[id] = final_.find(key);
  }

  static void newest(Version& slot, const Version& v) {
    if (slot < v) slot = v;
  }

  // A write of a key whose final value is older than it is kept when a
  // delete newer than the write was purged: by a node's tombstone_purged
  // event, or by an acknowledged tombstone once gc_grace could have passed
  // since the key's first delete (sim plan
  // sim/testdata/resurrection-after-expired-hints.json: hints that expired
  // before their replay left a partitioned replica with the old value).
  void judge_resurrected_writes(const std::unordered_map<std::string, Version>& purged_by_nodes) {
    for (const auto& [key, resurrected] : resurrected_writes_) {
      auto by_node = purged_by_nodes.find(key);
      auto in_history = held_tombstone_.find(key);
      const int64_t* first_delete = first_delete_ns_.find(resurrected.key);
      bool purge_possible = first_delete != nullptr &&
                            (phases_.done_ns == 0 || deletions_.purge_possible(*first_delete, phases_.done_ns));
      for (const WitnessOp& w : resurrected.writes) {
        if (by_node != purged_by_nodes.end() && by_node->second > w.version) continue;
        if (purge_possible && in_history != held_tombstone_.end() && in_history->second > w.version) continue;
        lost(w, final_.find(key));
      }
    }
  }

  void note_tombstone(const std::string& key, const Version& v) {
    auto [it, fresh] = purged_tombstone_.emplace(key, v);
    if (!fresh && it->second >= v) return;
    it->second = v;
    // Writes older than a tombstone are kept; the order of the rest stays.
    if (auto w = absent_writes_.find(key); w != absent_writes_.end()) {
      std::erase_if(w->second, [&](const WitnessOp& op) { return op.version < v; });
    }
  }

  void lost(const WitnessOp& op, const KeyFinalState* held) {
    violation([&] {
      Witness w;
      std::string acked = describe_version(op.version, op.f == "delete");
      std::string holds = held ? "final state holds " + describe_version(held->merged->version, held->merged->tombstone)
                               : "no node holds " + op.key;
      w.summary = op_label(op) + " acked " + acked + "; " + holds;
      w.explanation = "The " + op.f + " #" + std::to_string(op.index) + " of " + op.key + " by process " +
                      std::to_string(op.process) + " was acknowledged with version " + acked +
                      ", but the merged final state " +
                      (held ? "holds " + describe_version(held->merged->version, held->merged->tombstone) +
                                  (held->merged->tombstone ? "" : " '" + held->merged->value + "'")
                            : "has no record of " + op.key +
                                  (op.f == "delete" ? ", although gc_grace could not have passed since its first delete"
                                                    : " and no newer delete explains its absence")) +
                      " (" + holders(held) + ").";
      w.ops.push_back(op);
      if (held) {
        for (const auto& [node, record] : held->holders) w.ops.push_back(witness_record(record, node));
      }
      return w;
    });
  }

  // "n1: [..] '3-12'; n2: nothing; ..." over every node dumped.
  std::string holders(const KeyFinalState* held) const {
    std::string out;
    for (const std::string& node : final_.nodes()) {
      std::string what = "nothing";
      if (held) {
        for (const auto& [n, r] : held->holders) {
          if (n == node) what = describe_version(r.version, r.tombstone) + (r.tombstone ? "" : " '" + r.value + "'");
        }
      }
      out += (out.empty() ? "" : "; ") + node + ": " + what;
    }
    return out;
  }

  const Plan& plan_;
  const FinalState& final_;
  const NodeEvents& events_;
  const DeletionRule deletions_;  // resurrections ruled out: a delete lost from the final state is this property's
  const RunPhases& phases_;       // the "done" marker: when the final state was taken at the latest
  PerKey<int64_t> first_delete_ns_;  // the time the key's first delete was invoked
  PerKey<const KeyFinalState*> held_;  // final_.find's answer, per key asked
  std::vector<std::pair<KeyId, WitnessOp>> absent_deletes_;  // ok deletes of keys no node holds, judged at the end
  std::unordered_map<std::string, std::vector<WitnessOp>> absent_writes_;  // key no node holds -> its ok writes
  std::unordered_map<std::string, Version> purged_tombstone_;  // key no node holds -> newest tombstone seen
  std::unordered_map<std::string, Version> held_tombstone_;    // key some node holds -> newest tombstone seen
  // Key some node holds -> its ok writes the final state is older than, where
  // resurrections are allowed (judged at the end against purged deletes).
  struct Resurrected {
    KeyId key = kNoKey;
    std::vector<WitnessOp> writes;
  };
  std::unordered_map<std::string, Resurrected> resurrected_writes_;
};

}  // namespace

std::unique_ptr<PropertyChecker> make_no_lost_writes(const CheckContext& ctx) {
  return std::make_unique<NoLostWrites>(*ctx.plan, *ctx.final_state, *ctx.events, *ctx.phases);
}

}  // namespace faultline
