#include "faults/schedule.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace faultline {

namespace {

std::vector<std::string> node_names(int nodes) {
  std::vector<std::string> out;
  for (int i = 1; i <= nodes; ++i) out.push_back(node_name(static_cast<NodeId>(i)));
  return out;
}

bool known_kind(std::string_view kind) {
  return std::find(std::begin(kFaultKinds), std::end(kFaultKinds), kind) != std::end(kFaultKinds);
}

// Reads an integer param within [lo, hi] when present.
Status int_param(const nlohmann::json& p, const char* name, int64_t lo, int64_t hi, int64_t* out) {
  if (!p.contains(name)) return Status::ok();
  const auto& v = p[name];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    return Status::invalid(std::string("params.") + name + ": must be an integer in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]");
  }
  *out = v.get<int64_t>();
  return Status::ok();
}

Status decode_params(const nlohmann::json& p, FaultSpec* f, const std::vector<std::string>& nodes) {
  constexpr int64_t kLatencyMsMax = 60000, kOffsetMsMax = 86400000;
  for (const auto& [name, value] : p.items()) {
    static const std::vector<std::string> allowed = {"partition", "latency_ms", "jitter_ms", "offset_ms", "grudge"};
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Status::invalid("params: unknown field '" + name + "'");
    }
  }
  Status s;
  if (f->kind == "partition") {
    f->partition = "one";
    if (p.contains("partition")) {
      if (!p["partition"].is_string()) return Status::invalid("params.partition: must be a string");
      f->partition = p["partition"].get<std::string>();
    }
    if (nodes.size() < (f->partition == "bridge" ? 3u : 2u)) {
      return Status::invalid("partition " + f->partition + ": too few nodes");
    }
    s = partition_grudge(f->partition, f->targets, nodes, &f->grudge);
  } else if (f->kind == "delay") {
    if ((s = int_param(p, "latency_ms", 0, kLatencyMsMax, &f->latency_ms))) {
      s = int_param(p, "jitter_ms", 0, kLatencyMsMax, &f->jitter_ms);
    }
  } else if (f->kind == "clock") {
    s = int_param(p, "offset_ms", -kOffsetMsMax, kOffsetMsMax, &f->offset_ms);
  }
  return s;
}

// One node, a minority or a majority, at random.
std::vector<std::string> pick_node_targets(const std::vector<std::string>& nodes, Rng* rng) {
  std::vector<std::string> order = nodes;
  shuffle_names(&order, rng);
  const size_t n = order.size();
  const size_t sizes[] = {1, std::max<size_t>(1, (n - 1) / 2), n / 2 + 1};
  size_t count = std::min(n, sizes[rng->uniform(3)]);
  return std::vector<std::string>(order.begin(), order.begin() + count);
}

FaultEvent make_event(const std::string& kind, const std::vector<std::string>& nodes, Rng* rng) {
  FaultEvent e;
  e.kind = kind;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  if (kind == "partition") {
    std::vector<std::string_view> kinds(std::begin(kPartitionKinds), std::end(kPartitionKinds));
    if (nodes.size() < 3) std::erase(kinds, "bridge");
    std::string partition(kinds[rng->uniform(kinds.size())]);
    e.targets = pick_partition_targets(partition, nodes, rng);
    params["partition"] = partition;
  } else if (kind == "delay") {
    // One node's links, or every link.
    if (rng->chance(0.5)) e.targets = {nodes[rng->uniform(nodes.size())]};
    const int64_t latencies_ms[] = {20, 50, 100};
    params["latency_ms"] = latencies_ms[rng->uniform(3)];
    params["jitter_ms"] = 10;
  } else if (kind == "clock") {
    e.targets = {nodes[rng->uniform(nodes.size())]};
    params["offset_ms"] = rng->chance(0.5) ? 2000 : -2000;
  } else {
    e.targets = pick_node_targets(nodes, rng);
  }
  e.params_json = params.dump();
  return e;
}

}  // namespace

Status decode_fault(const FaultEvent& e, int nodes, FaultSpec* out) {
  *out = FaultSpec();
  out->kind = e.kind;
  out->targets = e.targets;
  if (!known_kind(e.kind)) {
    return Status::invalid("kind: unknown fault '" + e.kind + "' (partition, delay, kill, pause, wipe, clock, disk)");
  }
  if ((e.kind == "kill" || e.kind == "pause" || e.kind == "wipe" || e.kind == "clock" || e.kind == "disk") &&
      e.targets.empty()) {
    return Status::invalid("targets: " + e.kind + " needs at least one target node");
  }
  nlohmann::json params = nlohmann::json::parse(e.params_json, nullptr, false);
  if (!params.is_object()) return Status::invalid("params: must be a JSON object");
  Status s = decode_params(params, out, node_names(nodes));
  if (!s) return Status::invalid(e.kind + ": " + s.message());
  return Status::ok();
}

Status parse_fault_kinds(std::string_view list, std::vector<std::string>* out) {
  out->clear();
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    if (comma == std::string_view::npos) comma = list.size();
    std::string kind(list.substr(at, comma - at));
    if (!known_kind(kind)) {
      return Status::invalid("unknown fault '" + kind + "' (choose from partition, delay, kill, pause, wipe, clock, disk)");
    }
    if (std::find(out->begin(), out->end(), kind) == out->end()) out->push_back(kind);
    at = comma + 1;
  }
  return Status::ok();
}

std::vector<FaultEvent> build_schedule(const ScheduleOptions& o, Rng* rng) {
  std::vector<FaultEvent> events;
  if (o.kinds.empty() || o.nodes < 2) return events;
  const int64_t slots = 2 * static_cast<int64_t>(o.kinds.size()) + 1;
  const int64_t interval_ms =
      std::max(kFaultIntervalMsMin, o.interval_ms > 0 ? o.interval_ms : o.duration_ms / slots);
  const std::vector<std::string> nodes = node_names(o.nodes);
  std::vector<std::string> round;
  for (int64_t start_ms = interval_ms; start_ms + interval_ms <= o.duration_ms; start_ms += 2 * interval_ms) {
    if (round.empty()) {
      round = o.kinds;
      shuffle_names(&round, rng);
      std::reverse(round.begin(), round.end());  // taken from the back
    }
    FaultEvent e = make_event(round.back(), nodes, rng);
    round.pop_back();
    e.start_ms = start_ms;
    e.duration_ms = interval_ms;
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace faultline
