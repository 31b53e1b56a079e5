#include "checker/read_floor.h"

namespace faultline {

void ReadFloorChecker::on_invoke(const HistoryOp& invoke) {
  if (!bound(invoke)) return;
  auto it = floors_.find(*invoke.key);
  if (it != floors_.end()) pending_[invoke.process] = it->second;
}

void ReadFloorChecker::on_complete(const HistoryOp& invoke, const HistoryOp& done) {
  if (auto it = pending_.find(done.process); it != pending_.end()) {
    const Floor floor = it->second;
    pending_.erase(it);
    // A read that found nothing, bound by a deletion (an acknowledged delete,
    // or a read that saw a tombstone), is as new as that deletion: once
    // gc_grace has passed the tombstone may be purged, and a purged key reads
    // as absent (Cassandra and Riak behave so). A newer write as the floor
    // still makes such a read stale.
    const bool absent_after_deletion = done.f == "read" && !done.version &&
                                       (floor.op->tombstone || floor.op->f == "delete");
    if (done.type == OpType::kOk && !absent_after_deletion && violates(done, floor.version)) {
      violation([&] { return explain(*floor.op, floor.version, witness_op(invoke, done)); });
    }
  }
  observe(invoke, done);
}

void ReadFloorChecker::raise_floor(const std::string& key, const Version& version, const WitnessOp& op) {
  Floor& f = floors_[key];
  // At an equal version a deletion is kept over a value, so whether a read of
  // nothing is bound by a deletion does not depend on completion order.
  auto deletion = [](const WitnessOp& o) { return o.tombstone || o.f == "delete"; };
  if (f.op && (version < f.version || (version == f.version && (deletion(*f.op) || !deletion(op))))) return;
  f.version = version;
  f.op = std::make_shared<const WitnessOp>(op);
}

Witness ReadFloorChecker::explain(const WitnessOp& floor_op, const Version& floor, const WitnessOp& read) const {
  Witness w;
  std::string saw = describe_version(read.version, read.tombstone);
  std::string floor_text = describe_version(floor, floor_op.tombstone || floor_op.f == "delete");
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
