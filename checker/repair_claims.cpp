// repair-claims: what a mechanism says it did is what the replicas then hold.
//
// Definition (from nodes/<id>/events.jsonl, the history's wipe records and
// final/*.json): every read_repaired {key, replica, version} a coordinator
// logs (a blocking read repair the replica acknowledged, or the coordinator's
// own store when it was the stale replica) claims that `replica` now holds
// the key at `version`. Its final dump must hold the key at that version or
// a newer one (a later write superseding the repair is fine), or the replica
// logged tombstone_purged for it at that version or newer (a later delete,
// purged as gc_grace allows; an older value a peer brings back after the
// purge is a resurrection, no-resurrection's to judge). Each claim that does
// not hold is one violation; its witness is the claim and what the replica
// holds.
// Exempt: claims naming an owner (a repair sent to a sloppy-quorum fallback
// is a handoff for the owner, which hint-replay judges), and claims about a
// replica wiped after the claim (kWipeSlackMs before it included: the
// harness logs the wipe as it starts it).
// The hint half of the claims (hint_replayed, handoff_delivered: the target
// then holds the version) is hint-replay's; anti-entropy logs no per-record
// claim, merkle-convergence judges its result.
//
// Always guaranteed: a repair the replica acknowledged is a write it stored.
// A node without events.jsonl (or a check in memory) shows no claims; the
// note names such nodes.
//
// Memory: the wipe records, and per node its claims while checked.
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/fault_windows.h"
#include "checker/identity.h"
#include "checker/node_events.h"
#include "checker/property.h"

namespace faultline {

namespace {

using nlohmann::json;

constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kWipeSlackMs = 1000;

class RepairClaims final : public LoggingChecker {
 public:
  RepairClaims(const Plan& plan, const FinalState& final_state, const NodeEvents& events)
      : plan_(plan), final_(final_state), events_(events) {}

  void on_nemesis(const HistoryOp& op) override {
    std::optional<ActiveFault> f = faults_.on_nemesis(op);
    if (!f || f->kind != "wipe" || faults_.windows()[f->window].start_ns != op.time_ns) return;
    for (const std::string& t : f->targets) wipes_.push_back({t, op.time_ns});
  }

  void finish() override {
    if (plan_.modes.read_repair != ReadRepair::kBlocking) return;  // only blocking repair claims
    purged_ = &purged_tombstones(events_, plan_);
    for (int i = 1; i <= plan_.cluster.nodes; ++i) {
      const std::string node = node_name(static_cast<NodeId>(i));
      const bool found = events_.for_each(node, [&](const json& ev, const std::string& where) {
        if (event_string(ev, "event", where) == "read_repaired") check_claim(node, ev, where);
      });
      if (!found) unseen_.push_back(node);
    }
  }

  std::string note() const override {
    if (unseen_.empty()) return "";
    std::string out = "no events.jsonl (claims not seen) for";
    for (const std::string& n : unseen_) out += " " + n;
    return out;
  }

 private:
  struct Wipe {
    std::string node;
    int64_t start_ns;
  };

  void check_claim(const std::string& node, const json& ev, const std::string& where) {
    WitnessOp claim = record_event_op(node, ev, where);
    claim.f = "read_repaired";
    const std::string replica = event_plan_node(ev, "replica", plan_, where);
    if (ev.contains("owner")) {
      event_plan_node(ev, "owner", plan_, where);  // strict about its type and name
      return;
    }
    const int64_t at_ns = event_time_ns(ev, where);
    for (const Wipe& w : wipes_) {
      if (w.node == replica && w.start_ns >= at_ns - kWipeSlackMs * kNsPerMs) return;
    }
    if (holds_or_purged(final_, *purged_, replica, claim.key, claim.version)) return;
    std::optional<Record> held;
    if (const KeyFinalState* k = final_.find(claim.key)) {
      for (const auto& [n, r] : k->holders) {
        if (n == replica) held = r;
      }
    }
    violation([&] {
      Witness w;
      const std::string holds = held ? describe_version(held->version, held->tombstone) : "nothing";
      w.summary = node + " read_repaired " + replica + " (" + claim.key + " " +
                  describe_version(claim.version, claim.tombstone) + ") but " + replica + "'s final dump holds " +
                  holds;
      w.explanation = "Node " + node + " logged that its blocking read repair of key " + claim.key + " brought " +
                      replica + " to version " + describe_version(claim.version, claim.tombstone) + " (" + where +
                      "), but after the run " + replica + " holds " + holds +
                      " of that key: neither that version nor a newer one, nor a newer tombstone it purged.";
      w.ops.push_back(claim);
      if (held) w.ops.push_back(witness_record(*held, replica));
      return w;
    });
  }

  const Plan& plan_;
  const FinalState& final_;
  const NodeEvents& events_;
  FaultWindows faults_;
  std::vector<Wipe> wipes_;
  const PurgedTombstones* purged_ = nullptr;  // events_'s, set by finish()
  std::vector<std::string> unseen_;
};

}  // namespace

std::unique_ptr<PropertyChecker> make_repair_claims(const CheckContext& ctx) {
  return std::make_unique<RepairClaims>(*ctx.plan, *ctx.final_state, *ctx.events);
}

}  // namespace faultline
