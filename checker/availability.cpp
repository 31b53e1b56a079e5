// availability.
//
// Definition: an operation is *covered* when, for its whole span from
// invocation minus the failure detector's reaction time to completion,
// - no fault started or healed on its coordinator, on a replica of its key,
//   or on a link between them (so every node's failure detector agrees with
//   the faults in force: a dead replica is known dead, a healed one known up);
// - its coordinator was up (not killed, paused or being wiped), not delayed,
//   its store not refusing writes (disk), and not cut off by a partition
//   from the replicas it needs;
// - at least the consistency level's number of the key's replicas (the
//   ring's preference list, the coordinator included when it is one) were up,
//   undelayed, without a disk fault (a replica whose store refuses writes
//   is counted out for reads too, conservatively) and reachable both ways
//   from the coordinator; ANY needs one such replica, or with hinted
//   handoff on one unreachable replica (not a disk-faulted one: it answers,
//   with an error, so no hint is stored) the coordinator may still hint:
//   unreachable for less than hint_window_ms
//   at the completion (beyond the window the node stores no hint, as
//   Cassandra's max_hint_window, and ANY has nothing to meet it);
// - with blocking read repair, a read's key has no disk-faulted replica
//   (the repair waits for every stale replica it contacted, and that one
//   refuses; Cassandra's read then times out too);
// - the operation was invoked at least the reaction time after the workload
//   started (the detector starts with every peer unknown);
// - it did not complete within kApplySlackMs before a fault's start record
//   (the harness records a fault once applied: a kill of four nodes took
//   40 ms, and operations failed in between; swarm seed 7).
// Values above the node's limits.value_bytes_max are never covered: a clean
// error is their expected answer.
//
// A covered operation should succeed. The bound: at most 1% of the covered
// operations, plus kSlackOps, may end fail or info (a loaded machine can
// still miss a request timeout now and then); beyond that every covered
// failure is a violation, witnessed by the first few. The reaction time is
// the node's peer_down_after_ms plus two heartbeats plus kSchedulingSlackMs.
// Clock faults do not change coverage (they move no message).
//
// Also per fault window (each fault from its start record to its heal
// record, and "quiet" for operations invoked while no fault was in force),
// how many operations ended ok, fail and info: the note says it, so a reader
// sees what the faults cost.
//
// Streaming: the faults in force, per node the time of its last fault change,
// and a fixed-size table per window; nothing per operation.
#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <sstream>

#include "checker/fault_windows.h"
#include "checker/property.h"
#include "core/node_config.h"
#include "core/ring.h"

namespace faultline {

namespace {

constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kSchedulingSlackMs = 500;
constexpr int64_t kSlackOps = 2;
// How long applying a fault may take before the harness records its start
// (a kill of several nodes, a wipe): the history logs it once applied.
constexpr int64_t kApplySlackMs = 1000;
constexpr size_t kWindowsShownMax = 12;

class Availability final : public LoggingChecker {
 public:
  explicit Availability(const Plan& plan)
      : plan_(plan),
        config_(node_config_for_plan(plan)),
        ring_(all_nodes(plan), plan.cluster.vnodes, plan.cluster.rf),
        reaction_ns_((config_.peer_down_after_ms + 2 * config_.heartbeat_interval_ms + kSchedulingSlackMs) *
                     kNsPerMs),
        hint_window_ns_(std::max<int64_t>(0, plan.modes.hint_window_ms) * kNsPerMs),
        last_change_ns_(static_cast<size_t>(plan.cluster.nodes) + 1, kNever) {}

  void on_nemesis(const HistoryOp& op) override {
    std::optional<ActiveFault> changed = windows_.on_nemesis(op);
    if (!changed) return;
    touch(*changed, op.time_ns);
    // The fault took effect while it was being applied, before its record:
    // operations that completed within kApplySlackMs of it are not covered.
    if (windows_.windows()[changed->window].start_ns == op.time_ns) {
      while (!recent_.empty() && recent_.back().done_ns >= op.time_ns - kApplySlackMs * kNsPerMs) recent_.pop_back();
    }
  }

  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    (void)key;
    if (!invoke.key || !invoke.cl) return;
    windows_.attribute(invoke.time_ns, done.type);
    if (!covered(invoke, done)) return;
    recent_.push_back({done.time_ns, done.type == OpType::kOk ? std::nullopt : std::optional(witness_op(invoke, done))});
    while (recent_.front().done_ns < done.time_ns - kApplySlackMs * kNsPerMs) settle();
  }

  void finish() override {
    while (!recent_.empty()) settle();
    const int64_t allowed = covered_ / 100 + kSlackOps;
    if (not_ok_ <= allowed) return;
    for (int64_t i = 0; i < not_ok_; ++i) {
      violation([&] {
        Witness w;
        const WitnessOp& op = first_[std::min<size_t>(static_cast<size_t>(i), first_.size() - 1)];
        w.summary = op_label(op) + " ended " + op.type + " at " + op.node + " while enough replicas were reachable (" +
                    std::to_string(not_ok_) + " of " + std::to_string(covered_) + " covered operations failed, " +
                    "at most " + std::to_string(allowed) + " allowed)";
        w.explanation = "The " + op.f + " of key " + op.key + " at " + op.node + " ended " + op.type +
                        ", although for its whole span, from the failure detector's reaction time before it, no "
                        "fault changed on its coordinator or its key's replicas and enough of them were up and "
                        "reachable for its consistency level. " + std::to_string(not_ok_) + " of " +
                        std::to_string(covered_) + " such operations did not succeed; the bound allows " +
                        std::to_string(allowed) + " (1% plus " + std::to_string(kSlackOps) + ").";
        w.ops.push_back(op);
        return w;
      });
    }
  }

  std::string note() const override {
    std::ostringstream out;
    out << covered_ << " covered operations, " << not_ok_ << " not ok (at most " << covered_ / 100 + kSlackOps
        << " allowed); ok/fail/info per window:";
    size_t shown = 0;
    for (const FaultWindow& w : windows_.windows()) {
      if (shown++ == kWindowsShownMax) {
        out << " ...";
        break;
      }
      out << (shown > 1 ? ";" : "") << " " << w.label << " " << w.counts.ok << "/" << w.counts.fail << "/"
          << w.counts.info;
    }
    return out.str();
  }

 private:
  static constexpr int64_t kNever = INT64_MIN / 2;

  static std::vector<NodeId> all_nodes(const Plan& plan) {
    std::vector<NodeId> nodes;
    for (int i = 1; i <= plan.cluster.nodes; ++i) nodes.push_back(static_cast<NodeId>(i));
    return nodes;
  }

  // Which nodes a fault changes: its targets, every node of a partition's
  // grudge, every node for a delay of all links. Clock faults move nothing.
  std::vector<NodeId> touched(const ActiveFault& f) const {
    std::set<std::string> names;
    if (f.kind == "clock") return {};
    if (f.kind == "delay" && f.targets.empty()) {
      for (int i = 1; i <= plan_.cluster.nodes; ++i) names.insert(node_name(static_cast<NodeId>(i)));
    }
    names.insert(f.targets.begin(), f.targets.end());
    for (const auto& [receiver, senders] : f.grudge) {
      names.insert(receiver);
      names.insert(senders.begin(), senders.end());
    }
    std::vector<NodeId> out;
    for (const std::string& n : names) {
      if (NodeId id = node_id_of_name(n)) out.push_back(id);
    }
    return out;
  }

  NodeId node_id_of_name(const std::string& name) const {
    for (int i = 1; i <= plan_.cluster.nodes; ++i) {
      if (node_name(static_cast<NodeId>(i)) == name) return static_cast<NodeId>(i);
    }
    return 0;
  }

  void touch(const ActiveFault& f, int64_t at_ns) {
    for (NodeId n : touched(f)) last_change_ns_[n] = std::max(last_change_ns_[n], at_ns);
  }

  // A disk fault on the node: it answers, so no coordinator hints for it,
  // but it refuses every write.
  bool disk_failing(NodeId n) const {
    const std::string name = node_name(n);
    return std::any_of(windows_.active().begin(), windows_.active().end(), [&](const ActiveFault& f) {
      return f.kind == "disk" && std::find(f.targets.begin(), f.targets.end(), name) != f.targets.end();
    });
  }

  // The node cannot serve: killed, paused, being wiped, behind a delay, or
  // its store refusing writes (counted out for reads too: conservative).
  bool impaired(NodeId n) const {
    const std::string name = node_name(n);
    for (const ActiveFault& f : windows_.active()) {
      if (f.kind == "clock" || f.kind == "partition") continue;
      if (f.kind == "delay" && f.targets.empty()) return true;
      if (std::find(f.targets.begin(), f.targets.end(), name) != f.targets.end()) return true;
    }
    return false;
  }

  bool cut(NodeId a, NodeId b) const {
    const std::string x = node_name(a), y = node_name(b);
    for (const ActiveFault& f : windows_.active()) {
      auto drops = [&](const std::string& receiver, const std::string& sender) {
        auto it = f.grudge.find(receiver);
        return it != f.grudge.end() && it->second.count(sender) > 0;
      };
      if (drops(x, y) || drops(y, x)) return true;
    }
    return false;
  }


  bool covered(const HistoryOp& invoke, const HistoryOp& done) const {
    const std::optional<int64_t> start_ns = windows_.workload_start_ns();
    if (!start_ns || invoke.time_ns - reaction_ns_ < *start_ns) return false;
    if (invoke.value && static_cast<int64_t>(invoke.value->size()) > config_.limits.value_bytes_max) return false;
    const NodeId coordinator = node_id_of_name(invoke.node);
    if (coordinator == 0) return false;
    const int64_t since_ns = invoke.time_ns - reaction_ns_;
    // Every change up to the completion has been seen (history order).
    if (last_change_ns_[coordinator] >= since_ns || impaired(coordinator)) return false;
    // A blocking read repair waits for every stale replica it contacted to
    // store the winner, and a disk-faulted one refuses: a read of a key
    // with such a replica may fail whoever else answers.
    const bool repair_waits = invoke.f == "read" && plan_.modes.read_repair == ReadRepair::kBlocking;
    int reachable = 0, hintable = 0;
    for (NodeId r : ring_.preference_list(token_of(*invoke.key))) {
      if (last_change_ns_[r] >= since_ns || (repair_waits && disk_failing(r))) return false;
      if (impaired(r) || (r != coordinator && cut(coordinator, r))) {
        if (plan_.modes.hinted_handoff && !disk_failing(r) && done.time_ns - last_change_ns_[r] < hint_window_ns_) {
          ++hintable;
        }
        continue;
      }
      ++reachable;
    }
    if (*invoke.cl == ConsistencyLevel::kAny) return reachable + hintable >= 1;
    return reachable >= required_acks(*invoke.cl, plan_.cluster.rf);
  }

  struct Covered {
    int64_t done_ns;
    std::optional<WitnessOp> failed;  // set when it did not end ok
  };
  // Counts the oldest covered operation no fault start can still excuse.
  void settle() {
    const Covered& c = recent_.front();
    ++covered_;
    if (c.failed) {
      ++not_ok_;
      if (first_.size() < kMaxWitnesses) first_.push_back(*c.failed);
    }
    recent_.pop_front();
  }

  const Plan& plan_;
  const NodeConfig config_;
  const Ring ring_;
  const int64_t reaction_ns_;
  const int64_t hint_window_ns_;
  std::vector<int64_t> last_change_ns_;  // by node id
  FaultWindows windows_;
  std::deque<Covered> recent_;  // covered, completed within kApplySlackMs of the newest completion
  int64_t covered_ = 0, not_ok_ = 0;
  std::vector<WitnessOp> first_;
};

}  // namespace

std::unique_ptr<PropertyChecker> make_availability(const CheckContext& ctx) {
  return std::make_unique<Availability>(*ctx.plan);
}

}  // namespace faultline
