// monotonic-reads.
//
// Definition: for every key k and every pair of ok reads A and B of k, if A
// completed before B was invoked (A's completion precedes B's invocation in
// the history), then version(B) >= version(A), where a read that returned
// nothing (no version) has version zero and a tombstone read has its
// tombstone's version. Each read B for which some such A exists is one
// violation; its witness is B and the newest such A.
// Except: a read that returned nothing, bound by a deletion (an ok delete, or
// a read of a tombstone), is as new as it, since a tombstone past gc_grace is
// purged and then reads as nothing (ReadFloorChecker).
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
  MonotonicReads() : ReadFloorChecker("saw", "which completed before it was invoked") {}

 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done) override {
    if (done.f == "read" && done.type == OpType::kOk) {
      raise_floor(*invoke.key, read_version(done), witness_op(invoke, done));
    }
  }
};

}  // namespace

std::unique_ptr<PropertyChecker> make_monotonic_reads(const CheckContext&) {
  return std::make_unique<MonotonicReads>();
}

}  // namespace faultline
