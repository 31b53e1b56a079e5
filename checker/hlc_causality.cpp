// hlc-causality: the hybrid logical clock's claim.
//
// Definition: for every coordinator n, key k and pair of client operations A
// and B of k sent to n, where A is an ok read that returned a version, or an
// ok write or delete, and B is an ok write or delete: if A's completion
// precedes B's invocation in the history, and n was neither killed nor
// wiped (nor restarted) between A's invocation and B's invocation, then
// version(A) < version(B). Each such B is one violation; its witness is the
// newest such A and B.
//
// Why it holds whatever the clocks do: a coordinator stamps a write with its
// HLC (core/clock.h), which is strictly above every timestamp the node has
// returned or observed; the node observes the version of every record a
// read brings it (its own store's too) and of every record it stores. So
// what n showed a client, n never stamps below afterwards, even while its
// wall clock lags the cluster's by seconds. This is the guarantee clock skew
// leaves: realtime-version-order (any coordinator) needs synchronized
// clocks; this one binds only what passed through one node, so it stays
// guaranteed under clock faults, where a node that stamps from its wall
// clock alone loses writes made right after it read a newer version.
//
// A kill or wipe restarts the node with a fresh clock (the HLC lives in
// memory), so every kill or wipe record naming n (its start and its heal)
// begins a new epoch of n, and A binds B only within one epoch (both
// invoked in it; A's completion comes before B's invocation, so A ended in
// it too unless n died, in which case A failed or ended info).
//
// Memory: one floor per (coordinator, key) operated on, one entry per
// pending client operation.
#include <unordered_map>

#include "checker/fault_windows.h"
#include "checker/property.h"

namespace faultline {

namespace {

bool is_write(const std::string& f) { return f == "write" || f == "delete"; }

class HlcCausality final : public LoggingChecker {
 public:
  void on_invoke(const HistoryOp& invoke, KeyId key) override {
    if (!invoke.key) return;
    Pending p;
    p.active = true;
    p.epoch = epoch_of(invoke.node);
    if (is_write(invoke.f)) {
      const Floor* f = floor_at(key, invoke.node);
      if (f != nullptr && f->epoch == p.epoch) p.floor = *f;
    }
    pending_[invoke.process] = std::move(p);
  }

  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    Pending& slot = pending_[invoke.process];
    if (!slot.active) return;
    const Pending p = std::move(slot);
    slot = Pending{};
    if (done.type != OpType::kOk || !invoke.key || !done.version) return;
    if (is_write(invoke.f) && p.floor && *done.version <= p.floor->version) {
      violation([&] {
        const WitnessOp op = witness_op(invoke, done);
        Witness w;
        w.ops = {*p.floor->op, op};
        w.summary = op_label(op) + " stamped " + describe_version(*done.version) + " below " +
                    describe_version(p.floor->version) + " shown by " + op_label(*p.floor->op) + " via " + invoke.node;
        w.explanation = op_label(op) + " through " + invoke.node + " was stamped " +
                        describe_version(*done.version) + ", not newer than " +
                        describe_version(p.floor->version) + ", which " + op_label(*p.floor->op) +
                        " through the same node had shown before it was invoked (no restart of " + invoke.node +
                        " in between): the node's clock stamped below what it had already seen.";
        return w;
      });
    }
    // What A showed binds later operations only if n kept its clock since A
    // was invoked.
    if (p.epoch != epoch_of(invoke.node)) return;
    Floor& f = floor_slot(key, invoke.node);
    if (f.epoch == p.epoch && !(f.version < *done.version)) return;
    f.version = *done.version;
    f.epoch = p.epoch;
    // Rewritten in place unless a pending write's snapshot still holds it.
    if (f.op.use_count() != 1) f.op = std::make_shared<WitnessOp>();
    fill_witness_op(invoke, done, f.op.get());
  }

  void on_nemesis(const HistoryOp& op) override {
    const std::optional<ActiveFault> f = windows_.on_nemesis(op);
    if (!f || (f->kind != "kill" && f->kind != "wipe")) return;
    if (f->targets.empty()) ++all_epoch_;
    for (const std::string& t : f->targets) ++epochs_[t];
  }

 private:
  struct Floor {
    Version version;
    int64_t epoch = -1;
    std::shared_ptr<WitnessOp> op;  // shared with pending writes' snapshots
  };
  // One key's floors, one per coordinator that showed it (a few nodes).
  struct NodeFloor {
    std::string node;
    Floor floor;
  };
  struct Pending {
    bool active = false;  // a client operation is pending (slots are reused)
    int64_t epoch = 0;
    std::optional<Floor> floor;  // writes: the (node, key) floor at invocation
  };

  const Floor* floor_at(KeyId key, const std::string& node) const {
    const std::vector<NodeFloor>* floors = floors_.find(key);
    if (floors == nullptr) return nullptr;
    for (const NodeFloor& f : *floors) {
      if (f.node == node) return &f.floor;
    }
    return nullptr;
  }
  Floor& floor_slot(KeyId key, const std::string& node) {
    std::vector<NodeFloor>& floors = floors_[key];
    for (NodeFloor& f : floors) {
      if (f.node == node) return f.floor;
    }
    return floors.emplace_back(NodeFloor{node, Floor{}}).floor;
  }
  int64_t epoch_of(const std::string& node) const {
    auto it = epochs_.find(node);
    return all_epoch_ + (it == epochs_.end() ? 0 : it->second);
  }

  FaultWindows windows_;
  std::unordered_map<std::string, int64_t> epochs_;  // node -> kills and wipes recorded on it
  int64_t all_epoch_ = 0;                            // kills and wipes naming no target
  PerKey<std::vector<NodeFloor>> floors_;            // per key and node: newest version shown there
  PerProcess<Pending> pending_;                      // process -> its pending operation
};

}  // namespace

std::unique_ptr<PropertyChecker> make_hlc_causality(const CheckContext& ctx) {
  (void)ctx;
  return std::make_unique<HlcCausality>();
}

}  // namespace faultline
