// monotonic-reads.
//
// Definition: for every key k and every pair of ok reads A and B of k, if A
// completed before B was invoked (A's completion precedes B's invocation in
// the history), then version(B) >= version(A), where a read that returned
// nothing (no version) has version zero and a tombstone read has its
// tombstone's version. Each read B for which some such A exists is one
// violation; its witness is B and the newest such A.
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
 protected:
  void observe(const HistoryOp& invoke, const HistoryOp& done) override {
    if (done.f == "read" && done.type == OpType::kOk) {
      raise_floor(*invoke.key, read_version(done), witness_op(invoke, done));
    }
  }

  Witness explain(const WitnessOp& earlier, const Version& floor, const WitnessOp& read) const override {
    Witness w;
    std::string saw = describe_version(read.version, read.tombstone);
    std::string earlier_saw = describe_version(floor, earlier.tombstone);
    w.summary = op_label(read) + " saw " + saw + " after " + op_label(earlier) + " saw " + earlier_saw;
    w.explanation = "Read #" + std::to_string(read.index) + " of " + read.key + " by process " +
                    std::to_string(read.process) + " returned version " + saw + ", older than version " +
                    earlier_saw + " returned by read #" + std::to_string(earlier.index) +
                    ", which completed before it was invoked.";
    w.ops = {earlier, read};
    return w;
  }
};

}  // namespace

std::unique_ptr<PropertyChecker> make_monotonic_reads(const CheckContext&) {
  return std::make_unique<MonotonicReads>();
}

}  // namespace faultline
