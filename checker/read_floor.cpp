#include "checker/read_floor.h"

namespace faultline {

namespace {

bool is_deletion(const WitnessOp& o) { return o.tombstone || o.f == "delete"; }
// The same for the completion `done` that would become a floor.
bool is_deletion(const HistoryOp& done) { return done.tombstone || done.f == "delete"; }

}  // namespace

void ReadFloorChecker::on_invoke(const HistoryOp& invoke, KeyId key) {
  if (invoke.f == "delete") {
    first_delete_ns_.try_emplace(key, invoke.time_ns);
    ++deletes_[key].in_doubt;
  }
  if (!bound(invoke)) return;
  if (const Floor* f = floors_.find(key)) pending_[invoke.process] = *f;
}

void ReadFloorChecker::on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) {
  if (Floor& pending = pending_[done.process]; pending.op) {
    const Floor floor = std::move(pending);
    pending.op.reset();
    if (done.type == OpType::kOk && !exempt_after_deletion(done, key, floor) && violates(done, floor.version)) {
      violation([&] { return explain(*floor.op, floor.version, witness_op(invoke, done)); });
    }
  }
  if (invoke.f == "delete" && done.type != OpType::kInfo) {
    Deletes& d = deletes_[key];
    --d.in_doubt;
    if (done.type == OpType::kOk && done.version && d.newest_acked < *done.version) d.newest_acked = *done.version;
  }
  observe(invoke, done, key);
}

bool ReadFloorChecker::deletion_may_cover(KeyId key, const Version& floor) const {
  const Deletes* d = deletes_.find(key);
  return d != nullptr && (d->in_doubt > 0 || !(d->newest_acked < floor));
}

// A read bound by a deletion (an acknowledged delete, or a read that saw a
// tombstone). Once gc_grace could have passed since the key's first delete,
// its tombstones may be purged: a purged key reads as nothing (Cassandra and
// Riak behave so), and a replica that missed the delete and was not repaired
// returns the older value, a resurrection, or an older tombstone (deleted
// either way). Before that moment none is
// allowed: exempting it let a nil read a millisecond after a QUORUM delete
// pass silently, with gc_grace ten minutes. A read of nothing is also bound
// by a deletion when the floor is a value but a delete at least as new may
// have written a tombstone (acknowledged with a newer version, or pending or
// info when the read ended): a purged tombstone reads as nothing whatever
// the floor was. A newer write as the floor, with no delete that may be
// newer, still makes such a read stale.
bool ReadFloorChecker::exempt_after_deletion(const HistoryOp& done, KeyId key, const Floor& floor) const {
  if (done.f != "read") return false;
  if (!is_deletion(*floor.op) && !(!done.version && deletion_may_cover(key, floor.version))) return false;
  const int64_t* first = first_delete_ns_.find(key);
  if (first == nullptr || !deletions_.purge_possible(*first, done.time_ns)) return false;
  // Nothing: the tombstone was purged. An older tombstone: the newer one
  // was purged where the read looked, and a replica that got the older one
  // later still holds it (explore seed 592: replicas that refused writes on
  // a failing disk); to the client both read as deleted.
  if (!done.version || done.tombstone) return true;
  const bool older_value = done.value.has_value();
  return older_value && !judges_resurrections_ && !deletions_.resurrection_ruled_out;
}

void ReadFloorChecker::raise_floor(KeyId key, const Version& version, const HistoryOp& invoke, const HistoryOp& done) {
  Floor& f = floors_[key];
  // At an equal version a deletion is kept over a value, so whether a read of
  // nothing is bound by a deletion does not depend on completion order.
  if (f.op && (version < f.version || (version == f.version && (is_deletion(*f.op) || !is_deletion(done))))) return;
  f.version = version;
  if (f.op.use_count() != 1) f.op = std::make_shared<WitnessOp>();
  fill_witness_op(invoke, done, f.op.get());
}

Witness ReadFloorChecker::explain(const WitnessOp& floor_op, const Version& floor, const WitnessOp& read) const {
  Witness w;
  std::string saw = describe_version(read.version, read.tombstone);
  std::string floor_text = describe_version(floor, is_deletion(floor_op));
  w.summary = op_label(read) + (read.f == "read" ? " saw " : " got ") + saw + " after " + op_label(floor_op) + " " + floor_verb_ + " " + floor_text;
  std::string got = read.f == "read" ? " returned version " : " was stamped version ";
  std::string what = read.f == "read" ? "Read" : "The " + read.f;
  w.explanation = what + " #" + std::to_string(read.index) + " of " + read.key + " by process " +
                  std::to_string(read.process) + got + saw + ", " + std::string(relation()) + " version " + floor_text +
                  " of " + floor_op.f + " #" + std::to_string(floor_op.index) + ", " + binds_because_ + ".";
  w.ops = {floor_op, read};
  return w;
}

}  // namespace faultline
