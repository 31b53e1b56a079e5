// no-resurrection.
//
// Definition: for every key k, let D be an ok delete of k with version V.
// - History part, only where reads must see an acknowledged delete (where
//   the expectations table rules stale reads out: R+W>N, strict quorum, no
//   wipe; DeletionRule): every ok read R of k invoked after D's ok completion (in
//   history order) that returned a value (not a tombstone, not nothing) must
//   have a version >= V; a read that returned an older value saw the delete
//   undone. A read that returned nothing is fine: the tombstone may have been
//   purged after gc_grace, which is exactly when nothing else may come back.
//   Where quorums need not intersect (a delete acked at ONE, a read at
//   QUORUM that misses that replica) an older value is a stale read, which
//   is no-stale-reads' to judge, not a resurrection: the delete still holds
//   where it was written (found by bugzoo's clean-node runs, which were
//   invalid here before).
// - Final part: when the history ends, the merged final state of k (the
//   last-write-wins merge over every node's dump) must not be a value with a
//   version older than the newest acknowledged delete of k: that value would
//   be what every later read returns.
// Each such read, and each such key in the final state, is one violation;
// the witness is the delete and the read (or the delete and what each node
// holds).
//
// Why it differs from no-stale-reads: a store may serve stale reads (weak
// consistency levels) and still never resurrect a delete, as long as every
// replica that missed the delete is repaired before the tombstone is purged
// (gc_grace). Indeterminate deletes never bind: the client never learned
// they happened.
//
// Streaming: the floor of k is the newest acknowledged delete of k
// (ReadFloorChecker); memory is one floor per key plus pending reads.
#include "checker/expectations.h"
#include "checker/read_floor.h"

namespace faultline {

namespace {

class NoResurrection final : public ReadFloorChecker {
 public:
  NoResurrection(const Plan& plan, const FinalState& final_state)
      : ReadFloorChecker("acked", "a delete acknowledged before the read was invoked", deletion_rule(plan),
                         /*judges_resurrections=*/true),
        final_(final_state),
        reads_must_see_deletes_(deletion_rule(plan).stale_reads_ruled_out) {}

  void finish() override {
    for (const auto& [key, del] : newest_delete_) {
      const KeyFinalState* held = final_.find(key);
      if (!held || held->merged->tombstone || held->merged->version >= del.version) continue;
      violation([&, &key = key, &del = del] {
        Witness w;
        w.summary = op_label(del) + " acked " + describe_version(del.version, true) + "; final state holds '" +
                    held->merged->value + "' " + describe_version(held->merged->version);
        w.explanation = "The delete #" + std::to_string(del.index) + " of " + key + " was acknowledged with version " +
                        describe_version(del.version, true) + ", but after quiesce the merged final state holds the " +
                        "older value '" + held->merged->value + "' " + describe_version(held->merged->version) + ".";
        w.ops.push_back(del);
        for (const auto& [node, record] : held->holders) w.ops.push_back(witness_record(record, node));
        return w;
      });
    }
  }

 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    if (done.f != "delete" || done.type != OpType::kOk) return;
    if (reads_must_see_deletes_) raise_floor(key, *done.version, invoke, done);
    auto [it, fresh] = newest_delete_.try_emplace(*invoke.key);
    if (fresh || it->second.version < *done.version) fill_witness_op(invoke, done, &it->second);
  }
  bool violates(const HistoryOp& done, const Version& floor) const override {
    return done.value.has_value() && !done.tombstone && read_version(done) < floor;
  }

 private:
  const FinalState& final_;
  const bool reads_must_see_deletes_;  // whether the history part applies
  std::unordered_map<std::string, WitnessOp> newest_delete_;  // key -> its newest acknowledged delete
};

}  // namespace

std::unique_ptr<PropertyChecker> make_no_resurrection(const CheckContext& ctx) {
  return std::make_unique<NoResurrection>(*ctx.plan, *ctx.final_state);
}

}  // namespace faultline
