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
    if (done.type == OpType::kOk && violates(done, floor.version)) {
      violation([&] { return explain(*floor.op, floor.version, witness_op(invoke, done)); });
    }
  }
  observe(invoke, done);
}

void ReadFloorChecker::raise_floor(const std::string& key, const Version& version, const WitnessOp& op) {
  Floor& f = floors_[key];
  if (f.op && version <= f.version) return;
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
