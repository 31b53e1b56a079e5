#include "faults/fault_kinds.h"

#include <algorithm>

#include "core/assert.h"
#include "faults/partition.h"

namespace faultline {

namespace {

Status kill_start(FaultTarget* t, NodeId n, const FaultSpec&) { return t->kill_node(n); }
Status wipe_start(FaultTarget* t, NodeId n, const FaultSpec&) { return t->wipe_node(n); }
Status pause_start(FaultTarget* t, NodeId n, const FaultSpec&) { return t->pause_node(n); }
Status clock_start(FaultTarget* t, NodeId n, const FaultSpec& s) { return t->set_clock_offset_ms(n, s.offset_ms); }
Status disk_start(FaultTarget* t, NodeId n, const FaultSpec&) { return t->set_disk_failing(n, true); }
Status disk_heal(FaultTarget* t, NodeId n) { return t->set_disk_failing(n, false); }
Status restart_heal(FaultTarget* t, NodeId n) { return t->restart_node(n); }
Status resume_heal(FaultTarget* t, NodeId n) { return t->resume_node(n); }
Status clock_heal(FaultTarget* t, NodeId n) { return t->set_clock_offset_ms(n, 0); }

std::vector<FaultKind> make_kinds() {
  std::vector<FaultKind> kinds = {
      {"partition", true, nullptr, nullptr},    {"delay", true, nullptr, nullptr},
      {"kill", false, kill_start, restart_heal}, {"pause", false, pause_start, resume_heal},
      {"wipe", false, wipe_start, restart_heal}, {"clock", false, clock_start, clock_heal},
      {"disk", false, disk_start, disk_heal},
  };
  // One entry per kind the schedule knows, in its order.
  FL_ASSERT(kinds.size() == std::size(kFaultKinds));
  for (size_t i = 0; i < kinds.size(); ++i) FL_ASSERT(kinds[i].name == kFaultKinds[i]);
  return kinds;
}

// A delay covers the links into and out of its targets, or every link.
bool delay_covers(const FaultSpec& s, const std::string& from, const std::string& to) {
  const auto& t = s.targets;
  return t.empty() || std::count(t.begin(), t.end(), from) || std::count(t.begin(), t.end(), to);
}

}  // namespace

const std::vector<FaultKind>& fault_kinds() {
  static const std::vector<FaultKind> kinds = make_kinds();
  return kinds;
}

const FaultKind& fault_kind(std::string_view name) {
  for (const FaultKind& k : fault_kinds()) {
    if (k.name == name) return k;
  }
  FL_ASSERT_MSG(false, std::string(name).c_str());
  return fault_kinds().front();
}

LinkState link_state(const std::vector<const FaultSpec*>& in_force, const std::string& from, const std::string& to) {
  LinkState state = LinkState::up();
  for (const FaultSpec* s : in_force) {
    if (s->kind == "partition" && link_cut(s->grudge, from, to)) return LinkState::down();
    if (s->kind == "delay" && delay_covers(*s, from, to) && s->latency_ms >= state.latency_ms) {
      state = LinkState::delayed(s->latency_ms, s->jitter_ms);
    }
  }
  return state;
}

}  // namespace faultline
