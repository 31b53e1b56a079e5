#include "faults/nemesis.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/assert.h"
#include "core/clock.h"
#include "faults/fault_kinds.h"

namespace faultline {

namespace {

using ordered_json = nlohmann::ordered_json;

NodeId node_id_of(const std::string& name) {
  NodeId id = 0;
  FL_ASSERT(parse_node_name(name, &id));  // targets were validated with the plan
  return id;
}

}  // namespace

Nemesis::Nemesis(FaultedCluster* cluster, HistoryWriter* history, const std::vector<FaultEvent>& schedule,
                 std::function<int64_t()> clock_ns)
    : cluster_(cluster), history_(history), clock_ns_(std::move(clock_ns)), schedule_(schedule) {}

std::vector<Nemesis::Action> Nemesis::actions() const {
  std::vector<Action> actions;
  for (size_t i = 0; i < schedule_.size(); ++i) {
    actions.push_back({schedule_[i].start_ms, false, i});
    actions.push_back({schedule_[i].start_ms + schedule_[i].duration_ms, true, i});
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.heal > b.heal;
  });
  return actions;
}

void Nemesis::apply(const Action& a) {
  if (a.heal) heal(a.index);
  else start(a.index);
}

void Nemesis::run(const std::atomic<bool>& done) {
  const int64_t t0_ns = monotonic_now_ns();
  for (const Action& a : actions()) {
    while (!done.load() && (monotonic_now_ns() - t0_ns) / 1000000 < a.at_ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kWaitStepMs));
    }
    if (done.load()) return;
    apply(a);
  }
  while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(kWaitStepMs));
}

void Nemesis::append(const std::string& f, const std::string& value_json) {
  append_nemesis_info(history_, f, value_json, clock_ns_ ? clock_ns_() : 0);
}

void Nemesis::start(size_t index) {
  const FaultEvent& e = schedule_[index];
  Active a{index, {}, {}};
  Status s = decode_fault(e, cluster_->size(), &a.spec);
  FL_ASSERT(s.is_ok());  // validated with the plan
  const FaultKind& kind = fault_kind(e.kind);
  std::vector<std::string> problems;
  for (const auto& target : a.spec.targets) {
    if (kind.on_links) break;  // apply_links below
    Status r = kind.start(cluster_, node_id_of(target), a.spec);
    if (r) a.affected.push_back(target);
    else problems.push_back(r.message());
  }
  active_.push_back(std::move(a));
  if (Status links = apply_links(); !links) problems.push_back(links.message());
  record(e, active_.back().spec, "start", problems);
  update_in_force();
}

void Nemesis::heal(size_t index) {
  auto it = std::find_if(active_.begin(), active_.end(), [&](const Active& a) { return a.index == index; });
  if (it == active_.end()) return;
  Active a = std::move(*it);
  active_.erase(it);
  const FaultKind& kind = fault_kind(a.spec.kind);
  std::vector<std::string> problems;
  for (const auto& target : a.affected) {
    if (Status r = kind.heal(cluster_, node_id_of(target)); !r) problems.push_back(r.message());
  }
  if (Status links = apply_links(); !links) problems.push_back(links.message());
  record(schedule_[index], a.spec, "heal", problems);
  update_in_force();
}

std::string Nemesis::in_force() const {
  std::lock_guard<std::mutex> lock(in_force_mu_);
  return in_force_;
}

void Nemesis::update_in_force() {
  std::string text;
  for (const Active& a : active_) {
    if (!text.empty()) text += ", ";
    text += a.spec.kind;
    if (a.spec.kind == "partition") text += " " + a.spec.partition;
    for (size_t i = 0; i < a.spec.targets.size(); ++i) text += (i ? "," : " ") + a.spec.targets[i];
  }
  std::lock_guard<std::mutex> lock(in_force_mu_);
  in_force_ = text.empty() ? "none" : text;
}

Status Nemesis::apply_links() {
  std::vector<const FaultSpec*> links;
  for (const Active& a : active_) {
    if (fault_kind(a.spec.kind).on_links) links.push_back(&a.spec);
  }
  LinkControl* control = cluster_->links();
  if (control == nullptr) {
    return links.empty() ? Status::ok() : Status::invalid("partition and delay need a cluster started with the link proxy");
  }
  const NodeId n = static_cast<NodeId>(cluster_->size());
  for (NodeId from = 1; from <= n; ++from) {
    for (NodeId to = 1; to <= n; ++to) {
      if (from == to) continue;
      const LinkState state = link_state(links, node_name(from), node_name(to));
      if (control->link(from, to) == state) continue;
      if (Status s = control->set_link(from, to, state); !s) return s;
    }
  }
  return Status::ok();
}

void Nemesis::record(const FaultEvent& e, const FaultSpec& spec, const char* phase,
                     const std::vector<std::string>& problems) {
  ordered_json value = ordered_json::object();
  value["phase"] = phase;
  value["targets"] = spec.targets;
  ordered_json params = ordered_json::parse(e.params_json, nullptr, false);
  if (params.is_object()) {
    for (const auto& [k, v] : params.items()) value[k] = v;
  }
  if (spec.kind == "partition") {
    value["grudge"] = ordered_json::object();
    for (const auto& [receiver, senders] : spec.grudge) value["grudge"][receiver] = senders;
  }
  if (!problems.empty()) value["problems"] = problems;
  append(e.kind, value.dump());
}

Status Nemesis::heal_all() {
  while (!active_.empty()) heal(active_.back().index);
  std::vector<std::string> problems;
  if (LinkControl* control = cluster_->links()) {
    if (Status s = control->set_all_up(); !s) problems.push_back(s.message());
  }
  const NodeId n = static_cast<NodeId>(cluster_->size());
  for (NodeId id = 1; id <= n; ++id) {
    Status s;
    if (cluster_->paused(id)) s = cluster_->resume_node(id);
    if (s && cluster_->down(id)) s = cluster_->restart_node(id);
    if (!s) problems.push_back(s.message());
  }
  // Node state the kill heals above do not reset, wherever the schedule has
  // such a fault (a node that never had it is left alone).
  auto schedules = [&](const char* kind) {
    return std::any_of(schedule_.begin(), schedule_.end(), [&](const FaultEvent& e) { return e.kind == kind; });
  };
  const bool clock = schedules("clock"), disk = schedules("disk");
  for (NodeId id = 1; id <= n; ++id) {
    if (Status s = clock ? cluster_->set_clock_offset_ms(id, 0) : Status::ok(); !s) problems.push_back(s.message());
    if (Status s = disk ? cluster_->set_disk_failing(id, false) : Status::ok(); !s) problems.push_back(s.message());
  }
  ordered_json value = {{"phase", "heal"}, {"ok", problems.empty()}};
  if (!problems.empty()) value["problems"] = problems;
  append("phase", value.dump());
  if (problems.empty()) return Status::ok();
  std::string joined;
  for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
  return Status::io("heal failed: " + joined);
}

}  // namespace faultline
