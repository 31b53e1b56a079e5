// ReadFloorChecker: the shape shared by monotonic-reads, no-stale-reads,
// no-resurrection and realtime-version-order. Per key there is a floor: the
// newest version some completed operation proved must be visible (an earlier
// read's version, an acknowledged write's or delete's). A bound operation (by
// default a read) snapshots its key's floor when it is invoked, because only
// operations that completed before it started bind it; when it completes ok,
// it must not fall below that snapshot (violates() says what falling below
// means for the property).
//
// Reads bound by a deletion follow the expectations table's DeletionRule
// (checker/expectations.h), the same for every read property: nothing is
// allowed only once a purge was possible, an older value then only where the
// subclass does not judge resurrections itself and they are not ruled out.
//
// Memory: one floor and one first-delete time per key, one snapshot per
// pending bound operation.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "checker/expectations.h"
#include "checker/property.h"

namespace faultline {

class ReadFloorChecker : public LoggingChecker {
 public:
  // Witness wording: how the floor's operation produced its version ("saw",
  // "acked") and why it binds the read ("which completed before it was
  // invoked"). `judges_resurrections`: an older value read after a purge is
  // this property's own anomaly (no-resurrection), never exempt.
  ReadFloorChecker(std::string floor_verb, std::string binds_because, DeletionRule deletions,
                   bool judges_resurrections = false)
      : floor_verb_(std::move(floor_verb)),
        binds_because_(std::move(binds_because)),
        deletions_(deletions),
        judges_resurrections_(judges_resurrections) {}

  void on_invoke(const HistoryOp& invoke, KeyId key) override;
  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override;

 protected:
  struct Floor {
    Version version;
    // Shared: many pending reads snapshot one floor. Rewritten in place when
    // no snapshot holds it, so raising a floor seldom allocates.
    std::shared_ptr<WitnessOp> op;
  };
  // The floor of `key` now; null when nothing has set it.
  const Floor* floor_of(KeyId key) const { return floors_.find(key); }
  // The witness for `bound_op`, which got less than `floor_op` set.
  Witness explain(const WitnessOp& floor_op, const Version& floor, const WitnessOp& bound_op) const;

  // Raises the floor of `key` to `version` (if newer), remembering the
  // completion `done` of `invoke` as the operation that set it.
  void raise_floor(KeyId key, const Version& version, const HistoryOp& invoke, const HistoryOp& done);
  // Called for every completion after the read check; subclasses raise floors here.
  virtual void observe(const HistoryOp& invoke, const HistoryOp& done, KeyId key) = 0;
  // Whether the invoked operation is bound by its key's floor (default: reads).
  virtual bool bound(const HistoryOp& invoke) const { return invoke.f == "read"; }
  // Whether the ok completion `done` of a bound operation breaks `floor`
  // (default: a read returned an older version).
  virtual bool violates(const HistoryOp& done, const Version& floor) const { return read_version(done) < floor; }
  // How a violating version relates to the floor, for the witness sentence.
  virtual std::string_view relation() const { return "older than"; }

 private:
  // Whether the ok read `done`, bound by the deletion `floor`, is allowed by
  // the DeletionRule whatever it returned relative to the floor.
  bool exempt_after_deletion(const HistoryOp& done, KeyId key, const Floor& floor) const;

  PerKey<Floor> floors_;
  PerKey<int64_t> first_delete_ns_;  // the time the key's first delete was invoked
  // Per key, the deletes that may have written a tombstone: the newest
  // version an ok delete was stamped with, and how many are still pending or
  // ended info (their version is unknown, so any may be newer than a floor).
  struct Deletes {
    Version newest_acked;
    int in_doubt = 0;
  };
  // Whether a tombstone at least as new as `floor` may exist for `key`: a
  // read of nothing is then that tombstone, purged.
  bool deletion_may_cover(KeyId key, const Version& floor) const;
  PerKey<Deletes> deletes_;
  // process -> the floor at its pending bound operation's invocation (op
  // null: none). Slots are reused, not erased: one per process id seen.
  PerProcess<Floor> pending_;
  const std::string floor_verb_;
  const std::string binds_because_;
  const DeletionRule deletions_;
  const bool judges_resurrections_;
};

}  // namespace faultline
