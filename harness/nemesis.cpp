#include "harness/nemesis.h"

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

void append_nemesis(HistoryWriter* history, const std::string& f, const ordered_json& value) {
  append_nemesis_info(history, f, value.dump());
}

}  // namespace

void append_nemesis_info(HistoryWriter* history, const std::string& f, const std::string& value_json) {
  HistoryOp op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = f;
  op.fault_json = value_json;
  history->append(op);
}

Nemesis::Nemesis(Cluster* cluster, HistoryWriter* history, const std::vector<FaultEvent>& schedule)
    : cluster_(cluster), history_(history), schedule_(schedule) {}

void Nemesis::run(const std::atomic<bool>& done) {
  // Every start and heal, in time order; at equal times heals go first.
  struct Action {
    int64_t at_ms;
    bool heal;
    size_t index;
  };
  std::vector<Action> actions;
  for (size_t i = 0; i < schedule_.size(); ++i) {
    actions.push_back({schedule_[i].start_ms, false, i});
    actions.push_back({schedule_[i].start_ms + schedule_[i].duration_ms, true, i});
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.heal > b.heal;
  });
  const int64_t t0_ns = monotonic_now_ns();
  for (const Action& a : actions) {
    while (!done.load() && (monotonic_now_ns() - t0_ns) / 1000000 < a.at_ms) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kWaitStepMs));
    }
    if (done.load()) return;
    if (a.heal) heal(a.index);
    else start(a.index);
  }
  while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(kWaitStepMs));
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
    Status r = kind.start(cluster_, cluster_->node_id(target), a.spec);
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
    if (Status r = kind.heal(cluster_, cluster_->node_id(target)); !r) problems.push_back(r.message());
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
  LinkProxy* proxy = cluster_->proxy();
  if (proxy == nullptr) {
    return links.empty() ? Status::ok() : Status::invalid("partition and delay need a cluster started with the link proxy");
  }
  for (const auto& from : cluster_->nodes()) {
    for (const auto& to : cluster_->nodes()) {
      if (from.id == to.id) continue;
      const LinkState state = link_state(links, from.name, to.name);
      if (proxy->link(from.id, to.id) == state) continue;
      if (Status s = proxy->set_link(from.id, to.id, state); !s) return s;
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
  append_nemesis(history_, e.kind, value);
}

Status Nemesis::heal_all() {
  while (!active_.empty()) heal(active_.back().index);
  std::vector<std::string> problems;
  if (LinkProxy* proxy = cluster_->proxy()) {
    if (Status s = proxy->set_all_up(); !s) problems.push_back(s.message());
  }
  for (const auto& n : cluster_->nodes()) {
    Status s;
    if (n.paused) s = cluster_->resume_node(n.id);
    if (s && n.pid <= 0) s = cluster_->restart_node(n.id);
    if (!s) problems.push_back(s.message());
  }
  for (const auto& e : schedule_) {
    if (e.kind != "clock") continue;
    for (const auto& n : cluster_->nodes()) {
      if (Status s = cluster_->set_clock_offset_ms(n.id, 0); !s) problems.push_back(s.message());
    }
    break;
  }
  ordered_json value = {{"phase", "heal"}, {"ok", problems.empty()}};
  if (!problems.empty()) value["problems"] = problems;
  append_nemesis(history_, "phase", value);
  if (problems.empty()) return Status::ok();
  std::string joined;
  for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
  return Status::io("heal failed: " + joined);
}

}  // namespace faultline
