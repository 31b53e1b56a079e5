// ReadFloorChecker: the shape shared by monotonic-reads and no-stale-reads.
// Per key there is a floor: the newest version some completed operation
// proved must be visible (an earlier read's version, or an acknowledged
// write's). A read snapshots its key's floor when it is invoked, because only
// operations that completed before it started bind it; when it completes ok,
// it must return a version at or above that snapshot.
//
// Memory: one floor per key, one snapshot per pending read.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "checker/property.h"

namespace faultline {

class ReadFloorChecker : public LoggingChecker {
 public:
  // Witness wording: how the floor's operation produced its version ("saw",
  // "acked") and why it binds the read ("which completed before it was
  // invoked").
  ReadFloorChecker(std::string floor_verb, std::string binds_because)
      : floor_verb_(std::move(floor_verb)), binds_because_(std::move(binds_because)) {}

  void on_invoke(const HistoryOp& invoke) override;
  void on_complete(const HistoryOp& invoke, const HistoryOp& done) override;

 protected:
  // Raises the floor of `key` to `version` (if newer), remembering `op` as
  // the operation that set it.
  void raise_floor(const std::string& key, const Version& version, const WitnessOp& op);
  // Called for every completion after the read check; subclasses raise floors here.
  virtual void observe(const HistoryOp& invoke, const HistoryOp& done) = 0;

 private:
  // The witness for `read`, which returned less than `floor_op` set.
  Witness explain(const WitnessOp& floor_op, const Version& floor, const WitnessOp& read) const;

  struct Floor {
    Version version;
    std::shared_ptr<const WitnessOp> op;  // shared: many pending reads snapshot one floor
  };
  std::unordered_map<std::string, Floor> floors_;     // key -> floor
  std::unordered_map<int64_t, Floor> pending_reads_;  // process -> floor at invocation
  const std::string floor_verb_;
  const std::string binds_because_;
};

}  // namespace faultline
