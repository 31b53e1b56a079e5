#include "harness/nemesis.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/assert.h"
#include "core/clock.h"
#include "harness/resp_client.h"

namespace faultline {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr int64_t kStatusTimeoutMs = 1000;
constexpr int64_t kQuiescePollMs = 100;


void append_nemesis(HistoryWriter* history, const std::string& f, const ordered_json& value) {
  HistoryOp op;
  op.process = kNemesisProcess;
  op.type = OpType::kInfo;
  op.f = f;
  op.fault_json = value.dump();
  history->append(op);
}

}  // namespace

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
  std::vector<std::string> problems;
  for (const auto& target : a.spec.targets) {
    const NodeId id = cluster_->node_id(target);
    Status r;
    if (e.kind == "kill") r = cluster_->kill_node(id);
    else if (e.kind == "wipe") r = cluster_->wipe_node(id);
    else if (e.kind == "pause") r = cluster_->pause_node(id);
    else if (e.kind == "clock") r = cluster_->set_clock_offset_ms(id, a.spec.offset_ms);
    else continue;  // link faults act below
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
  std::vector<std::string> problems;
  for (const auto& target : a.affected) {
    const NodeId id = cluster_->node_id(target);
    Status r;
    if (a.spec.kind == "kill" || a.spec.kind == "wipe") r = cluster_->restart_node(id);
    else if (a.spec.kind == "pause") r = cluster_->resume_node(id);
    else if (a.spec.kind == "clock") r = cluster_->set_clock_offset_ms(id, 0);
    if (!r) problems.push_back(r.message());
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
  LinkProxy* proxy = cluster_->proxy();
  if (proxy == nullptr) {
    bool any = std::any_of(active_.begin(), active_.end(),
                           [](const Active& a) { return a.spec.kind == "partition" || a.spec.kind == "delay"; });
    return any ? Status::invalid("partition and delay need a cluster started with the link proxy") : Status::ok();
  }
  for (const auto& from : cluster_->nodes()) {
    for (const auto& to : cluster_->nodes()) {
      if (from.id == to.id) continue;
      LinkState state = LinkState::up();
      for (const Active& a : active_) {
        if (a.spec.kind == "partition" && link_cut(a.spec.grudge, from.name, to.name)) {
          state = LinkState::down();
          break;
        }
        const auto& t = a.spec.targets;
        bool covered = t.empty() || std::count(t.begin(), t.end(), from.name) || std::count(t.begin(), t.end(), to.name);
        if (a.spec.kind == "delay" && covered && a.spec.latency_ms >= state.latency_ms) {
          state = LinkState::delayed(a.spec.latency_ms, a.spec.jitter_ms);
        }
      }
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

namespace {

// One FL.STATUS as JSON; error naming the node otherwise.
Status node_status(const NodeProcess& n, ordered_json* out) {
  RespClient client(n.client_port);
  RespValue reply;
  Status s = client.call({"FL.STATUS"}, kStatusTimeoutMs, &reply);
  if (!s) return Status::unavailable(n.name + ": FL.STATUS: " + s.message());
  if (reply.type != RespValue::Type::kBulk) return Status::io(n.name + ": FL.STATUS: unexpected reply");
  *out = ordered_json::parse(reply.str, nullptr, false);
  if (!out->is_object()) return Status::io(n.name + ": FL.STATUS is not a JSON object");
  return Status::ok();
}

int64_t int_field(const ordered_json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;  // missing: 0
}

// Empty when n is quiet: peers all up, no request of its own in flight (a
// write that times out after the heal stores a hint then) and no hint
// pending; else what it waits for.
std::string not_quiet(const NodeProcess& n) {
  ordered_json j;
  if (Status s = node_status(n, &j); !s) return s.message();
  if (j.contains("peers") && j["peers"].is_object()) {
    for (const auto& [peer, state] : j["peers"].items()) {
      if (state != "up") return n.name + " sees " + peer + " " + state.dump();
    }
  }
  if (int64_t requests = int_field(j, "requests_in_flight"); requests != 0) {
    return n.name + " has " + std::to_string(requests) + " request(s) in flight";
  }
  if (int64_t hints = int_field(j, "hints_pending"); hints != 0) {
    return n.name + " has " + std::to_string(hints) + " hint(s) pending";
  }
  return "";
}

// Waits until every node satisfies `pending` (empty string) or the deadline.
template <class Pending>
std::string wait_all(const Cluster& cluster, const Deadline& deadline, Pending pending) {
  for (;;) {
    std::string waiting;
    for (const auto& n : cluster.nodes()) {
      waiting = pending(n);
      if (!waiting.empty()) break;
    }
    if (waiting.empty() || deadline.expired()) return waiting;
    std::this_thread::sleep_for(std::chrono::milliseconds(kQuiescePollMs));
  }
}

// Sends FL.REPAIR everywhere; fills the round each node must reach, or says
// why anti-entropy is not available.
std::string request_repair(const Cluster& cluster, std::map<NodeId, int64_t>* rounds) {
  for (const auto& n : cluster.nodes()) {
    RespClient client(n.client_port);
    RespValue reply;
    Status s = client.call({"FL.REPAIR"}, kStatusTimeoutMs, &reply);
    if (!s) return n.name + ": FL.REPAIR: " + s.message();
    if (reply.type != RespValue::Type::kInteger) return n.name + ": FL.REPAIR: " + resp_encode(reply).substr(0, 200);
    (*rounds)[n.id] = reply.integer;
  }
  return "";
}

}  // namespace

QuiesceResult quiesce(const Cluster& cluster, const ModeSpec& modes, int64_t timeout_ms, HistoryWriter* history) {
  const int64_t t0_ns = monotonic_now_ns();
  const Deadline deadline = Deadline::after_ms(timeout_ms);
  QuiesceResult r;
  r.anti_entropy = "off";
  std::string waiting = wait_all(cluster, deadline, not_quiet);
  if (waiting.empty() && modes.anti_entropy) {
    std::map<NodeId, int64_t> rounds;
    std::string unavailable = request_repair(cluster, &rounds);
    if (!unavailable.empty()) {
      r.anti_entropy = "not available: " + unavailable;
    } else {
      waiting = wait_all(cluster, deadline, [&](const NodeProcess& n) -> std::string {
        ordered_json j;
        if (Status s = node_status(n, &j); !s) return s.message();
        int64_t done = int_field(j, "ae_rounds_completed");
        if (done >= rounds[n.id]) return "";
        return n.name + " completed anti-entropy round " + std::to_string(done) + " of " +
               std::to_string(rounds[n.id]);
      });
      if (waiting.empty()) r.anti_entropy = "complete";
    }
  }
  r.quiesce_ms = (monotonic_now_ns() - t0_ns) / 1000000;
  r.ok = waiting.empty();
  if (!r.ok) r.reason = "not quiet after " + std::to_string(timeout_ms) + " ms: " + waiting;
  ordered_json value = {{"phase", "quiesce"}, {"quiesce_ms", r.quiesce_ms}, {"ok", r.ok},
                        {"anti_entropy", r.anti_entropy}};
  if (!r.ok) value["reason"] = r.reason;
  append_nemesis(history, "phase", value);
  return r;
}

}  // namespace faultline
