// monotonic-reads.
//
// Definition: for every key k and every pair of ok reads A and B of k, if A
// completed before B was invoked (A's completion precedes B's invocation in
// the history), then version(B) >= version(A), where a read that returned
// nothing (no version) has version zero and a tombstone read has its
// tombstone's version. Each read B for which some such A exists is one
// violation; its witness is B and the newest such A.
// Except, for a read bound by a deletion (an ok delete, or a read of a
// tombstone) that completed once gc_grace could have passed since the key's
// first delete was invoked (any time with clock faults): a read that
// returned nothing is as new as the deletion (a purged tombstone reads as
// nothing), and where the expectations table does not rule resurrections
// out, a read of an older value is a resurrection, no-resurrection's to
// judge (DeletionRule in checker/expectations.h, ReadFloorChecker).
//
// Why per key and by version: this is the session guarantee clients of a
// Dynamo store rely on when they read at QUORUM with blocking read repair;
// blocking repair makes the second quorum overlap a replica already repaired
// to A's version. Reads that overlap in time are unordered and never compared.
//
// Streaming: the floor of k is the newest version returned by an ok read of k
// that has completed; each read compares against the floor snapshotted at its
// invocation (ReadFloorChecker). Fail and info reads returned nothing and
// neither bind nor are bound.
#include "checker/read_floor.h"

namespace faultline {

namespace {

class MonotonicReads final : public ReadFloorChecker {
 public:
  explicit MonotonicReads(const Plan& plan)
      : ReadFloorChecker("saw", "which completed before it was invoked", deletion_rule(plan)) {}

 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    if (done.f == "read" && done.type == OpType::kOk) raise_floor(key, read_version(done), invoke, done);
  }
};

}  // namespace

std::unique_ptr<PropertyChecker> make_monotonic_reads(const CheckContext& ctx) {
  return std::make_unique<MonotonicReads>(*ctx.plan);
}

}  // namespace faultline
