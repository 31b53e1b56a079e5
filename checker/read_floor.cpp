#include "checker/read_floor.h"

namespace faultline {

void ReadFloorChecker::on_invoke(const HistoryOp& invoke) {
  if (invoke.f != "read") return;
  auto it = floors_.find(*invoke.key);
  if (it != floors_.end()) pending_reads_[invoke.process] = it->second;
}

void ReadFloorChecker::on_complete(const HistoryOp& invoke, const HistoryOp& done) {
  if (done.f == "read") {
    auto it = pending_reads_.find(done.process);
    if (it != pending_reads_.end()) {
      const Floor floor = it->second;
      pending_reads_.erase(it);
      if (done.type == OpType::kOk && read_version(done) < floor.version) {
        violation([&] { return explain(*floor.op, floor.version, witness_op(invoke, done)); });
      }
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

}  // namespace faultline
