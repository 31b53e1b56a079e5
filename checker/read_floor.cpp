#include "checker/read_floor.h"

namespace faultline {

namespace {

bool is_deletion(const WitnessOp& o) { return o.tombstone || o.f == "delete"; }

}  // namespace

void ReadFloorChecker::on_invoke(const HistoryOp& invoke) {
  if (invoke.f == "delete") {
    first_delete_ns_.try_emplace(*invoke.key, invoke.time_ns);
    ++deletes_[*invoke.key].in_doubt;
  }
  if (!bound(invoke)) return;
  auto it = floors_.find(*invoke.key);
  if (it != floors_.end()) pending_[invoke.process] = it->second;
}

void ReadFloorChecker::on_complete(const HistoryOp& invoke, const HistoryOp& done) {
  if (auto it = pending_.find(done.process); it != pending_.end()) {
    const Floor floor = it->second;
    pending_.erase(it);
    if (done.type == OpType::kOk && !exempt_after_deletion(invoke, done, floor) && violates(done, floor.version)) {
      violation([&] { return explain(*floor.op, floor.version, witness_op(invoke, done)); });
    }
  }
  if (invoke.f == "delete" && done.type != OpType::kInfo) {
    Deletes& d = deletes_[*invoke.key];
    --d.in_doubt;
    if (done.type == OpType::kOk && done.version && d.newest_acked < *done.version) d.newest_acked = *done.version;
  }
  observe(invoke, done);
}

bool ReadFloorChecker::deletion_may_cover(const std::string& key, const Version& floor) const {
  auto it = deletes_.find(key);
  return it != deletes_.end() && (it->second.in_doubt > 0 || !(it->second.newest_acked < floor));
}

// A read bound by a deletion (an acknowledged delete, or a read that saw a
// tombstone). Once gc_grace could have passed since the key's first delete,
// its tombstones may be purged: a purged key reads as nothing (Cassandra and
// Riak behave so), and a replica that missed the delete and was not repaired
// returns the older value, a resurrection. Before that moment neither is
// allowed: exempting it let a nil read a millisecond after a QUORUM delete
// pass silently, with gc_grace ten minutes. A read of nothing is also bound
// by a deletion when the floor is a value but a delete at least as new may
// have written a tombstone (acknowledged with a newer version, or pending or
// info when the read ended): a purged tombstone reads as nothing whatever
// the floor was. A newer write as the floor, with no delete that may be
// newer, still makes such a read stale.
bool ReadFloorChecker::exempt_after_deletion(const HistoryOp& invoke, const HistoryOp& done,
                                             const Floor& floor) const {
  if (done.f != "read") return false;
  if (!is_deletion(*floor.op) && !(!done.version && deletion_may_cover(*invoke.key, floor.version))) return false;
  auto first = first_delete_ns_.find(*invoke.key);
  if (first == first_delete_ns_.end() || !deletions_.purge_possible(first->second, done.time_ns)) return false;
  if (!done.version) return true;  // nothing: the tombstone was purged
  const bool older_value = done.value.has_value();
  return older_value && !judges_resurrections_ && !deletions_.resurrection_ruled_out;
}

const ReadFloorChecker::Floor* ReadFloorChecker::floor_of(const std::string& key) const {
  auto it = floors_.find(key);
  return it == floors_.end() ? nullptr : &it->second;
}

void ReadFloorChecker::raise_floor(const std::string& key, const Version& version, const WitnessOp& op) {
  Floor& f = floors_[key];
  // At an equal version a deletion is kept over a value, so whether a read of
  // nothing is bound by a deletion does not depend on completion order.
  if (f.op && (version < f.version || (version == f.version && (is_deletion(*f.op) || !is_deletion(op))))) return;
  f.version = version;
  f.op = std::make_shared<const WitnessOp>(op);
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
