// hint-obligations: what hinted handoff promises, beyond delivering the
// hints it stored (hint-replay's part).
//
// Definition (from the history, nodes/<id>/events.jsonl and final/*.json):
// 1. No hint decision contradicts the recorded downtime. A node stores a
//    hint for every replica a write could not reach unless it states why not
//    (hint_not_stored with a reason). The reason "hint_window" claims the
//    target has been down, in this node's failure detector, for longer than
//    modes.hint_window_ms. The node's own events bound that: the target is
//    down since its last peer_down on this node, or since this node's last
//    node_started (every peer starts down) when it has not been up since;
//    after a peer_up it is up. A "hint_window" decision while the target is
//    up, or less than hint_window_ms - kEventSlackMs after the outage began,
//    is a violation (each one; witness: the decision and the event that
//    began the outage). Without either reference event the decision is not
//    judged.
// 2. After quiesce, every replica of a key (core Ring over the plan) holds
//    the newest version of it acknowledged by an ok write or delete, or a
//    newer one: a replica down while the write happened gets it by hint
//    (stored when the coordinator knew it down, or when it did not answer in
//    time) or by a sloppy-quorum handoff. Exempt, because a stated reason
//    covers them:
//    - writes whose coordinator was killed or wiped between the write's
//      invocation and request_timeout_ms + kKillSlackMs after its
//      completion (its hints for unanswered replicas were never stored);
//    - a (replica, key) pair for which some node stated a reason (a
//      hint_not_stored not contradicted by 1, hint_expired, handoff_dropped)
//      or the replica reported a store_error for the key;
//    - keys with a tombstone_purged event anywhere (a purge legitimately
//      leaves replicas holding nothing; no-resurrection judges what follows).
//    Each (replica, key) short of its version is one violation; the witness
//    is the acknowledged write and what the replica holds. Undecided (unknown
//    when nothing else is violated) without a successful quiesce.
//
// Guaranteed with hinted handoff on and no wipe (a wipe erases what hints
// delivered and the hints a node held); the longest outage does not matter,
// since a hint not stored for a long outage is a stated reason.
//
// Memory: per key the newest acknowledged version; the acknowledged writes
// of the last request_timeout_ms (pending the coordinator-kill check); the
// exempted pairs; each node's peer states while its events are read.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "checker/node_events.h"
#include "checker/property.h"
#include "core/ring.h"

namespace faultline {

namespace {

using nlohmann::json;

constexpr int64_t kNsPerMs = 1000000;
// The node's "node_started" is written after its failure detector started,
// and after hints were loaded from disk: the outage it begins can be older
// by that much.
constexpr int64_t kEventSlackMs = 500;
// Beyond request_timeout_ms: the timer firing late on a loaded machine.
constexpr int64_t kKillSlackMs = 1000;

struct Acked {
  WitnessOp op;  // the ok completion, key and coordinator from the invocation
  int64_t invoke_ns = 0;
};

class HintObligations final : public LoggingChecker {
 public:
  HintObligations(const Plan& plan, const FinalState& final_state, const NodeEvents& events, const RunPhases& phases)
      : plan_(plan),
        final_(final_state),
        events_(events),
        phases_(phases),
        ring_(all_nodes(plan), plan.cluster.vnodes, plan.cluster.rf),
        exempt_window_ns_((plan.modes.request_timeout_ms + kKillSlackMs) * kNsPerMs) {}

  void on_nemesis(const HistoryOp& op) override {
    flush(op.time_ns);
    if (op.f != "kill" && op.f != "wipe") return;
    json value = json::parse(op.fault_json, nullptr, false);
    if (!value.is_object() || value.value("phase", "") != "start" || !value.contains("targets")) return;
    if (!value["targets"].is_array()) return;
    for (const auto& t : value["targets"]) {
      if (t.is_string()) kills_.push_back({t.get<std::string>(), op.time_ns});
    }
  }

  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    (void)key;
    flush(done.time_ns);
    if (done.type != OpType::kOk || done.f == "read" || !done.version) return;
    pending_.push_back({witness_op(invoke, done), invoke.time_ns});
  }

  void finish() override {
    flush(INT64_MAX);
    for (int i = 1; i <= plan_.cluster.nodes; ++i) read_events(node_name(static_cast<NodeId>(i)));
    if (!phases_.quiesced()) {
      undecided_ = phases_.unquiesced_reason();
      return;
    }
    for (const auto& [key, acked] : newest_) check_replicas(key, acked);
  }

  std::string undecided() const override { return undecided_; }

 private:
  static std::vector<NodeId> all_nodes(const Plan& plan) {
    std::vector<NodeId> nodes;
    for (int i = 1; i <= plan.cluster.nodes; ++i) nodes.push_back(static_cast<NodeId>(i));
    return nodes;
  }

  // Decides the acknowledged writes whose kill window ended before now_ns.
  void flush(int64_t now_ns) {
    while (!pending_.empty() && (now_ns == INT64_MAX || pending_.front().op.time_ns + exempt_window_ns_ < now_ns)) {
      Acked a = std::move(pending_.front());
      pending_.pop_front();
      if (coordinator_killed(a)) continue;
      auto it = newest_.find(a.op.key);
      if (it == newest_.end()) {
        std::string key = a.op.key;
        newest_.emplace(std::move(key), std::move(a));
      } else if (it->second.op.version < a.op.version) {
        it->second = std::move(a);
      }
    }
  }

  bool coordinator_killed(const Acked& a) const {
    const int64_t until_ns = a.op.time_ns + exempt_window_ns_;
    return std::any_of(kills_.begin(), kills_.end(), [&](const auto& k) {
      return k.first == a.op.node && k.second >= a.invoke_ns && k.second <= until_ns;
    });
  }

  // Part 1 for one node, and the exemptions its events state.
  void read_events(const std::string& node) {
    std::map<std::string, Outage> peers;  // peer -> its state on this node
    int64_t started_ns = -1;
    const bool found = events_.for_each(node, [&](const json& ev, const std::string& where) {
      const std::string name = event_string(ev, "event", where);
      const int64_t t = event_time_ns(ev, where);
      if (name == "node_started") {
        started_ns = t;
        started_event_ = bare_event_op(node, ev, where);
        peers.clear();  // every peer starts down, since this event
      } else if (name == "peer_down") {
        peers[event_plan_node(ev, "peer", plan_, where)] = {false, t, bare_event_op(node, ev, where)};
      } else if (name == "peer_up") {
        peers[event_plan_node(ev, "peer", plan_, where)] = {true, t, bare_event_op(node, ev, where)};
      } else if (name == "hint_not_stored") {
        on_not_stored(node, ev, where, peers, started_ns);
      } else if (name == "hint_expired" || name == "handoff_dropped") {
        const char* field = ev.contains("target") ? "target" : "owner";
        exempt_.insert(pair_key(event_plan_node(ev, field, plan_, where), event_string(ev, "key", where)));
      } else if (name == "store_error") {
        if (ev.contains("key") && ev["key"].is_string()) exempt_.insert(pair_key(node, ev["key"].get<std::string>()));
      } else if (name == "tombstone_purged") {
        purged_.insert(event_string(ev, "key", where));
      }
    });
    if (!found && plan_.modes.hinted_handoff) {
      throw std::runtime_error(events_.run_dir() + "/nodes/" + node + "/events.jsonl: missing (node events unavailable)");
    }
  }

  // A peer as this node's failure detector last reported it.
  struct Outage {
    bool up = false;
    int64_t since_ns = 0;
    WitnessOp event;  // the peer_down or peer_up
  };

  void on_not_stored(const std::string& node, const json& ev, const std::string& where,
                     const std::map<std::string, Outage>& peers, int64_t started_ns) {
    const std::string target = event_plan_node(ev, "target", plan_, where);
    const WitnessOp decision = record_event_op(node, ev, where);
    const std::string reason = event_string(ev, "reason", where);
    auto contradicted = [&](const std::string& why, const WitnessOp& began) {
      violation([&] {
        Witness w;
        w.summary = node + " stored no hint for " + target + " (" + decision.key + ") for reason hint_window, but " + why;
        w.explanation = "Node " + node + " decided not to store a hint for " + target + " of key " + decision.key +
                        " at version " + describe_version(decision.version) + ", because " + target +
                        " had been down longer than the hint window (" + std::to_string(plan_.modes.hint_window_ms) +
                        " ms); its own events say " + why + ".";
        w.ops = {began, decision};
        return w;
      });
    };
    if (reason == "hint_window") {
      auto it = peers.find(target);
      const int64_t window_ns = (plan_.modes.hint_window_ms - kEventSlackMs) * kNsPerMs;
      if (it != peers.end() && it->second.up) {
        return contradicted(target + " was up (peer_up before it)", it->second.event);
      }
      if (it != peers.end()) {
        const int64_t down_ns = decision.time_ns - it->second.since_ns;
        if (down_ns < window_ns) {
          return contradicted(target + " went down only " + std::to_string(down_ns / kNsPerMs) + " ms before",
                              it->second.event);
        }
      } else if (started_ns >= 0 && decision.time_ns - started_ns < window_ns) {
        return contradicted(node + " started only " + std::to_string((decision.time_ns - started_ns) / kNsPerMs) +
                                " ms before (its peers start down)",
                            started_event_);
      }
    }
    exempt_.insert(pair_key(target, decision.key));
  }

  void check_replicas(const std::string& key, const Acked& acked) {
    if (purged_.count(key)) return;
    const KeyFinalState* held = final_.find(key);
    for (NodeId r : ring_.preference_list(token_of(key))) {
      const std::string replica = node_name(r);
      if (exempt_.count(pair_key(replica, key))) continue;
      std::optional<Record> has;
      if (held) {
        for (const auto& [n, rec] : held->holders) {
          if (n == replica) has = rec;
        }
      }
      if (has && has->version >= acked.op.version) continue;
      violation([&] {
        Witness w;
        const std::string holds = has ? describe_version(has->version, has->tombstone) : "nothing";
        w.summary = replica + " holds " + holds + " for " + key + " after quiesce, below " + op_label(acked.op) +
                    " acknowledged at " + describe_version(acked.op.version);
        w.explanation = "The " + acked.op.f + " of key " + key + " was acknowledged at version " +
                        describe_version(acked.op.version, acked.op.tombstone) + " by coordinator " + acked.op.node +
                        ", which was not killed while it could still hint; " + replica +
                        " is a replica of the key, and no node stated a reason (hint not stored, expired, store "
                        "error) for it to miss the write, yet after quiesce it holds " + holds + ".";
        w.ops.push_back(acked.op);
        if (has) w.ops.push_back(witness_record(*has, replica));
        return w;
      });
    }
  }

  static std::string pair_key(const std::string& node, const std::string& key) { return node + '\n' + key; }

  const Plan& plan_;
  const FinalState& final_;
  const NodeEvents& events_;
  const RunPhases& phases_;
  const Ring ring_;
  const int64_t exempt_window_ns_;
  std::vector<std::pair<std::string, int64_t>> kills_;  // (node, kill or wipe start)
  std::deque<Acked> pending_;                           // acknowledged, kill window still open
  std::unordered_map<std::string, Acked> newest_;       // key -> newest acknowledged, coordinator not killed
  std::unordered_set<std::string> exempt_;              // pair_key(replica, key)
  std::unordered_set<std::string> purged_;
  WitnessOp started_event_;  // the node_started of the node whose events are read
  std::string undecided_;
};

}  // namespace

std::unique_ptr<PropertyChecker> make_hint_obligations(const CheckContext& ctx) {
  return std::make_unique<HintObligations>(*ctx.plan, *ctx.final_state, *ctx.events, *ctx.phases);
}

}  // namespace faultline
