// realtime-version-order.
//
// Definition: for every key k and every pair of ok writes (or deletes) A and
// B of k, if A's ok completion precedes B's invocation in the history, then
// version(A) < version(B). Each B for which some such A exists is one
// violation; its witness is B and the newest such A.
//
// Per key, not global (decided for issue 5): last-write-wins compares
// versions only between records of one key, so a later write stamped below an
// earlier acknowledged one of the same key is silently lost or shadowed, which
// is the anomaly clock skew causes and clients can observe. Across keys no
// read or merge ever compares versions, so a global order would flag clock
// differences no client can see. Equal versions count as a violation: an
// equal version ties, and the tie-break (tombstone, then value bytes) is not
// real-time order.
//
// Indeterminate (info) and failed writes have no acknowledged version and
// neither bind nor are bound.
//
// Streaming: the floor of k is the newest acknowledged write or delete of k
// (ReadFloorChecker); each write snapshots it at invocation.
#include "checker/read_floor.h"

namespace faultline {

namespace {

bool is_write(const HistoryOp& op) { return op.f == "write" || op.f == "delete"; }

class RealtimeVersionOrder final : public ReadFloorChecker {
 public:
  RealtimeVersionOrder() : ReadFloorChecker("acked", "which was acknowledged before it was invoked") {}

 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done) override {
    if (is_write(done) && done.type == OpType::kOk) raise_floor(*invoke.key, *done.version, witness_op(invoke, done));
  }
  bool bound(const HistoryOp& invoke) const override { return is_write(invoke); }
  bool violates(const HistoryOp& done, const Version& floor) const override { return *done.version <= floor; }
  std::string_view relation() const override { return "not newer than"; }
};

}  // namespace

std::unique_ptr<PropertyChecker> make_realtime_version_order(const CheckContext&) {
  return std::make_unique<RealtimeVersionOrder>();
}

}  // namespace faultline
