// no-stale-reads.
//
// Definition: for every key k, every ok write or ok delete W of k and every
// ok read R of k, if W's ok completion precedes R's invocation in the
// history, then version(R) >= version(W) (the version the coordinator
// stamped on W), where a read that returned nothing has version zero and a
// tombstone read has its tombstone's version. Each read R for which some such
// W exists is one violation; its witness is the newest such W and R.
// Except, for a read bound by a deletion (an ok delete, or a read of a
// tombstone) that completed once gc_grace could have passed since the key's
// first delete was invoked (any time with clock faults): a read that
// returned nothing is as new as the deletion (a purged tombstone reads as
// nothing), and where the expectations table does not rule resurrections
// out, a read of an older value is a resurrection, no-resurrection's to
// judge (DeletionRule in checker/expectations.h, ReadFloorChecker).
//
// Indeterminate writes (info, or never completed) are not references: the
// client never learned they happened, so no read is bound to see them. Failed
// writes certainly did not happen.
//
// Streaming: the floor of k is the newest version acknowledged by an ok write
// or delete of k; each read compares against the floor snapshotted at its
// invocation (ReadFloorChecker).
#include "checker/read_floor.h"

namespace faultline {

namespace {

class NoStaleReads final : public ReadFloorChecker {
 public:
  explicit NoStaleReads(const Plan& plan)
      : ReadFloorChecker("acked", "which was acknowledged before the read was invoked", deletion_rule(plan)) {}

 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    if (done.f != "read" && done.type == OpType::kOk) raise_floor(key, *done.version, invoke, done);
  }
};

}  // namespace

std::unique_ptr<PropertyChecker> make_no_stale_reads(const CheckContext& ctx) {
  return std::make_unique<NoStaleReads>(*ctx.plan);
}

}  // namespace faultline
