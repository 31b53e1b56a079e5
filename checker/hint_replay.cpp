// hint-replay.
//
// Definition (from nodes/<id>/events.jsonl and final/<id>.json; the wave's
// shared event spec):
// - every hint_stored {hint_id, target, key, version} of a node is followed,
//   in that node's events, by hint_replayed (the target acknowledged the
//   replayed write) or by hint_expired with a non-empty reason; a hint that is
//   neither is lost, or still pending if final/<node>.json "hints" lists it;
// - every hint still pending after quiesce (in any final/<node>.json "hints")
//   is a violation: quiesce waits until hints drain. This part is judged
//   even when the harness's quiesce marker says it failed, as long as the
//   heal marker says every fault was healed: the harness observed the hints
//   pending with every target reachable for the whole bounded quiesce, which
//   is what the definition forbids (judging such a run unknown made `ci`
//   read it as a harness error). Without a successful quiesce the rest
//   of the property is undecided (unknown unless a pending hint violates);
//   without a quiesce record or a successful heal, all of it is;
// - after hint_replayed, the target's final dump holds the key at the hint's
//   version or newer, or holds nothing of the key and logged
//   tombstone_purged for it at the hint's version or newer (a later delete
//   superseded the hint and was purged, as gc_grace allows);
// - a hint is replayed within its lifetime: a hint_replayed more than
//   gc_grace_ms + request_timeout_ms + kReplayLateSlackMs after its
//   hint_stored (event times) is a violation, since a hint older than
//   gc_grace must expire (it may resurrect a delete whose tombstone was
//   purged). The slack covers the node's replay tick and the target's
//   acknowledgement, plus the longest pause fault (a paused coordinator logs
//   an acknowledgement late). Not checked with clock faults in the plan: the
//   node ages hints by its realtime clock, which those skew;
// - sloppy-quorum fallbacks alike: every handoff_stored {owner, key, version}
//   is followed by handoff_delivered, and the owner then holds that version
//   or newer;
// - a hint_replayed, hint_expired or handoff_delivered with nothing stored
//   before it is a violation (the node forgot what it stored, or invented).
// Each broken hint is one violation; its witness is its events (and the
// target's final record).
//
// Missing events: a node without events.jsonl makes the property unknown
// when hinted handoff is on or the quorum sloppy (we cannot see its hints or
// handoffs); otherwise such a node stores neither and there is nothing to check.
//
// Memory: the hints in flight of one node at a time.
#include <algorithm>
#include <stdexcept>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "checker/expectations.h"
#include "checker/identity.h"
#include "checker/node_events.h"
#include "checker/property.h"

namespace faultline {

namespace {

using nlohmann::json;

struct StoredHint {
  WitnessOp stored;  // the hint_stored (or handoff_stored) event
  std::string target;
};

class HintReplay final : public LoggingChecker {
 public:
  HintReplay(const Plan& plan, const FinalState& final_state, const NodeEvents& events, const RunPhases& phases)
      : plan_(plan), final_(final_state), events_(events), phases_(phases) {}

  void finish() override {
    if (!phases_.quiesced()) {
      undecided_ = phases_.unquiesced_reason();
      if (!phases_.healed || !phases_.quiesce_recorded) return;
      for (const std::string& node : final_.nodes()) check_final_hints(node);
      return;
    }
    purged_ = &purged_tombstones(events_, plan_);
    for (int i = 1; i <= plan_.cluster.nodes; ++i) check_node(node_name(static_cast<NodeId>(i)));
    for (const std::string& node : final_.nodes()) check_final_hints(node);
  }

  std::string undecided() const override { return undecided_; }

 private:
  void check_node(const std::string& node) {
    std::unordered_map<std::string, StoredHint> in_flight;  // hint id -> stored hint
    restarted_ = false;
    const bool found = events_.for_each(node, [&](const json& ev, const std::string& where) {
      on_event(node, ev, where, &in_flight);
    });
    if (!found) {
      if (plan_.modes.hinted_handoff || plan_.modes.quorum == QuorumMode::kSloppy) {
        throw std::runtime_error(events_.run_dir() + "/nodes/" + node + "/events.jsonl: missing (node events unavailable)");
      }
      return;
    }
    for (const auto& [id, hint] : in_flight) {
      if (pending_in_final(node, id)) continue;  // counted by check_final_hints
      hint_violation(hint, {}, "was neither replayed, expired, nor still pending in final/" + node + ".json");
    }
  }

  void on_event(const std::string& node, const json& ev, const std::string& where,
                std::unordered_map<std::string, StoredHint>* in_flight) {
    const std::string name = ev["event"].get<std::string>();
    if (name == "node_started") restarted_ = started_once_(node);
    bool hint = name.rfind("hint_", 0) == 0 && name != "hint_not_stored";
    bool handoff = name == "handoff_stored" || name == "handoff_delivered";
    if (!hint && !handoff) return;
    WitnessOp op = record_event_op(node, ev, where);
    std::string target = event_plan_node(ev, hint ? "target" : "owner", plan_, where);
    std::string id = hint ? event_string(ev, "hint_id", where) : "handoff " + target + " " + op.key + " " + op.version.to_string();
    if (name == "hint_stored" || name == "handoff_stored") {
      (*in_flight)[id] = {op, target};
      return;
    }
    auto it = in_flight->find(id);
    // A node stores a hint durably, then logs hint_stored: killed between
    // the two, it replays or expires after its restart a hint it never
    // logged (test run seed 4832574732959082). Only after a restart.
    if (it == in_flight->end() && hint && restarted_) return;
    if (it == in_flight->end()) {
      return hint_violation({op, target}, {}, "has no earlier " + std::string(hint ? "hint_stored" : "handoff_stored"));
    }
    StoredHint stored = std::move(it->second);
    in_flight->erase(it);
    if (name == "hint_expired") {
      if (!ev.contains("reason") || !ev["reason"].is_string() || ev["reason"].get<std::string>().empty()) {
        hint_violation(stored, op, "expired without a stated reason");
      }
      return;
    }
    if (hint) check_replayed_in_time(stored, op);
    check_target_holds(stored, op);
  }

  void check_replayed_in_time(const StoredHint& hint, const WitnessOp& replayed) {
    if (!holds(Condition::kNoClockSkew, plan_)) return;
    int64_t pause_ms = 0;
    for (const FaultEvent& f : plan_.faults) {
      if (f.kind == "pause") pause_ms = std::max(pause_ms, f.duration_ms);
    }
    const int64_t late_ms = plan_.modes.gc_grace_ms + plan_.modes.request_timeout_ms + kReplayLateSlackMs + pause_ms;
    const int64_t age_ms = (replayed.time_ns - hint.stored.time_ns) / 1000000;
    if (age_ms <= late_ms) return;
    hint_violation(hint, replayed, "was replayed " + std::to_string(age_ms) + " ms after it was stored, beyond gc_grace " +
                                       std::to_string(plan_.modes.gc_grace_ms) + " ms (it should have expired)");
  }

  // Beyond gc_grace_ms + request_timeout_ms: the node's replay tick (200 ms)
  // and scheduling delays.
  static constexpr int64_t kReplayLateSlackMs = 1000;

  void check_target_holds(const StoredHint& hint, const WitnessOp& delivered) {
    if (holds_or_purged(final_, *purged_, hint.target, hint.stored.key, hint.stored.version)) return;
    hint_violation(hint, delivered, "was delivered but " + hint.target + "'s final dump holds no version of " +
                                        hint.stored.key + " at or above " + hint.stored.version.to_string());
  }

  bool pending_in_final(const std::string& node, const std::string& hint_id) const {
    const std::vector<PendingHint>& hints = final_.hints(node);
    return std::any_of(hints.begin(), hints.end(), [&](const PendingHint& h) { return h.hint_id == hint_id; });
  }

  void check_final_hints(const std::string& node) {
    for (const PendingHint& h : final_.hints(node)) {
      const std::string where = "final/" + node + ".json hints";
      StoredHint hint{pending_hint_op(node, h), plan_node(h.target, where)};
      hint_violation(hint, {}, "is still pending after quiesce (hints must drain)");
    }
  }

  // A hint pending in a final dump as a witness entry: the hinted record,
  // held by `node` for its target.
  static WitnessOp pending_hint_op(const std::string& node, const PendingHint& h) {
    WitnessOp op = witness_record(Record{h.key, "", h.version, h.tombstone, 0}, node);
    op.f = "pending_hint";
    return op;
  }

  // `name` if it is a node of the plan (checker/identity.h); throws otherwise.
  std::string plan_node(std::string name, const std::string& where) const {
    if (Status s = check_plan_node(name, plan_); !s) throw std::runtime_error(where + ": " + s.message());
    return name;
  }

  void hint_violation(const StoredHint& hint, const std::optional<WitnessOp>& other, const std::string& why) {
    violation([&] {
      Witness w;
      const WitnessOp& s = hint.stored;
      w.summary = s.node + " " + s.f + " for " + hint.target + " (" + s.key + " " + describe_version(s.version) +
                  ") " + why;
      w.explanation = "Node " + s.node + "'s " + s.f + " for " + hint.target + " of key " + s.key + " at version " +
                      describe_version(s.version, s.tombstone) + " " + why + ".";
      w.ops.push_back(s);
      if (other) w.ops.push_back(*other);
      return w;
    });
  }

  const PurgedTombstones* purged_ = nullptr;  // events_'s, set by finish()
  // Whether the node being read has logged node_started before (a restart).
  bool started_once_(const std::string& node) { return !first_start_.insert(node).second; }
  std::set<std::string> first_start_;
  bool restarted_ = false;  // the node being read was restarted before this event

  const Plan& plan_;
  const FinalState& final_;
  const NodeEvents& events_;
  const RunPhases& phases_;
  std::string undecided_;  // why only pending hints were judged
};

}  // namespace

std::unique_ptr<PropertyChecker> make_hint_replay(const CheckContext& ctx) {
  return std::make_unique<HintReplay>(*ctx.plan, *ctx.final_state, *ctx.events, *ctx.phases);
}

}  // namespace faultline
