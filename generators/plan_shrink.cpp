#include "generators/plan_shrink.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "generators/plan_gen.h"

namespace faultline {

namespace {

namespace seq = rc::seq;
namespace shrink = rc::shrink;
using rc::Seq;

std::string partition_kind(const FaultEvent& f) {
  nlohmann::json p = nlohmann::json::parse(f.params_json, nullptr, false);
  if (p.is_object() && p.contains("partition") && p["partition"].is_string()) return p["partition"].get<std::string>();
  return "one";  // faults/schedule.h's default
}

bool targets_within(const FaultEvent& f, int nodes) {
  for (const auto& t : f.targets) {
    NodeId id;
    if (!parse_node_name(t, &id) || id > static_cast<NodeId>(nodes)) return false;
  }
  return true;
}

// The smallest target count a fault of this kind may shrink to; nullopt when
// its targets must stay as they are (delay, one, one-way, majorities-ring).
std::optional<size_t> targets_min(const FaultEvent& f) {
  if (f.kind == "kill" || f.kind == "pause" || f.kind == "wipe" || f.kind == "clock" || f.kind == "disk") return 1;
  if (f.kind != "partition") return std::nullopt;
  const std::string kind = partition_kind(f);
  if (kind == "halves") return 1;
  if (kind == "bridge") return 2;
  return std::nullopt;
}

// `values` mapped to copies of `plan` changed by set(plan&, value).
template <typename T, typename Set>
Seq<Plan> each(const Plan& plan, Seq<T> values, Set set) {
  return seq::map(std::move(values), [plan, set](const T& v) {
    Plan p = plan;
    set(p, v);
    return p;
  });
}

// An int field shrunk toward `target` (nothing when it is already there).
template <typename T>
Seq<T> down_to(T value, T target) {
  return value > target ? shrink::towards(value, target) : Seq<T>();
}

// Faults clipped into a workload of duration_ms: a fault starting at or
// after the end goes, one running past it ends at it.
std::vector<FaultEvent> clip_faults(std::vector<FaultEvent> faults, int64_t duration_ms) {
  std::vector<FaultEvent> out;
  for (auto& f : faults) {
    if (f.start_ms >= duration_ms) continue;
    f.duration_ms = std::min(f.duration_ms, duration_ms - f.start_ms);
    out.push_back(std::move(f));
  }
  return out;
}

// Faults in a cluster cut to `nodes`: targets above it go, and a fault whose
// remaining targets no longer fit its kind goes.
std::vector<FaultEvent> faults_within(std::vector<FaultEvent> faults, int nodes) {
  std::vector<FaultEvent> out;
  for (auto& f : faults) {
    const size_t before = f.targets.size();
    std::erase_if(f.targets, [nodes](const std::string& t) {
      NodeId id;
      return !parse_node_name(t, &id) || id > static_cast<NodeId>(nodes);
    });
    // A delay on one node that lost it would become a delay on every link.
    if (f.kind == "delay" && f.targets.size() != before) continue;
    if (fault_targets_fit(f, nodes)) out.push_back(std::move(f));
  }
  return out;
}

Seq<FaultEvent> fault_shrinks(const FaultEvent& f, int nodes) {
  auto with = [f](auto set) {
    return [f, set](auto v) {
      FaultEvent g = f;
      set(g, v);
      return g;
    };
  };
  Seq<FaultEvent> shorter = seq::map(down_to<int64_t>(f.duration_ms, std::min(f.duration_ms, kFaultDurationMsMin)),
                                     with([](FaultEvent& g, int64_t ms) { g.duration_ms = ms; }));
  Seq<FaultEvent> fewer_targets;
  if (auto min = targets_min(f); min && f.targets.size() > *min) {
    fewer_targets = seq::filter(
        seq::map(shrink::removeChunks(f.targets),
                 with([](FaultEvent& g, const std::vector<std::string>& t) { g.targets = t; })),
        [min = *min, nodes](const FaultEvent& g) { return g.targets.size() >= min && fault_targets_fit(g, nodes); });
  }
  Seq<FaultEvent> earlier =
      seq::map(down_to<int64_t>(f.start_ms, 0), with([](FaultEvent& g, int64_t ms) { g.start_ms = ms; }));
  return seq::concat(std::move(shorter), std::move(fewer_targets), std::move(earlier));
}

}  // namespace

bool fault_targets_fit(const FaultEvent& f, int nodes) {
  if (!targets_within(f, nodes)) return false;
  const size_t n = f.targets.size();
  if (f.kind == "kill" || f.kind == "pause" || f.kind == "wipe" || f.kind == "clock" || f.kind == "disk") return n >= 1;
  if (f.kind != "partition") return true;
  const std::string kind = partition_kind(f);
  if (nodes < (kind == "bridge" ? 3 : 2)) return false;
  const size_t size = static_cast<size_t>(nodes);
  if (kind == "one") return n == 1;
  if (kind == "one-way") return n == 2;
  if (kind == "halves") return n >= 1 && n < size;
  if (kind == "bridge") return n >= 2 && n < size;
  if (kind == "majorities-ring") return n == 0 || n == size;
  return false;  // an unknown kind: validate_plan's callers reject it elsewhere; never shrink into it
}

Seq<Plan> plan_shrinks(const Plan& plan) {
  const WorkloadSpec& w = plan.workload;
  Seq<Plan> fewer_faults = each(plan, shrink::removeChunks(plan.faults),
                                [](Plan& p, const std::vector<FaultEvent>& f) { p.faults = f; });

  const int64_t steps = w.duration_ms / kDurationStepMs;
  const int64_t steps_min = std::min(steps, kDurationMsMin / kDurationStepMs);
  Seq<Plan> shorter_run = seq::filter(each(plan, down_to<int64_t>(steps, steps_min),
                                           [](Plan& p, int64_t s) {
                                             p.workload.duration_ms = s * kDurationStepMs;
                                             p.faults = clip_faults(p.faults, p.workload.duration_ms);
                                           }),
                                      [d = w.duration_ms](const Plan& p) { return p.workload.duration_ms < d; });

  Seq<Plan> fewer_nodes = each(plan, down_to(plan.cluster.nodes, plan.cluster.rf), [](Plan& p, int n) {
    p.cluster.nodes = n;
    p.faults = faults_within(p.faults, n);
  });
  Seq<Plan> fewer_keys = each(plan, down_to(w.keys, 1), [](Plan& p, int k) { p.workload.keys = k; });
  Seq<Plan> fewer_clients = each(plan, down_to(w.clients, 1), [](Plan& p, int c) { p.workload.clients = c; });
  // Smaller values: the largest size toward the smallest, then the
  // smallest toward 0; the simplest routing (random) last.
  Seq<Plan> smaller_values = seq::concat(
      seq::filter(each(plan, shrink::towards<int64_t>(w.value_bytes_max, w.value_bytes_min),
                       [](Plan& p, int64_t b) { p.workload.value_bytes_max = b; }),
                  [m = w.value_bytes_max](const Plan& p) { return p.workload.value_bytes_max < m; }),
      seq::filter(each(plan, shrink::towards<int64_t>(w.value_bytes_min, 0),
                       [](Plan& p, int64_t b) { p.workload.value_bytes_min = b; }),
                  [m = w.value_bytes_min](const Plan& p) { return p.workload.value_bytes_min < m; }));
  Seq<Plan> simpler_routing;
  if (w.routing != Routing::kRandom) {
    Plan p = plan;
    p.workload.routing = Routing::kRandom;
    simpler_routing = seq::just(std::move(p));
  }

  Seq<Plan> lower_rate;
  if (w.rate > kRateMin) {
    const auto rate_up = static_cast<int64_t>(std::ceil(w.rate));
    lower_rate = seq::filter(each(plan, shrink::towards<int64_t>(rate_up, kRateMin),
                                  [](Plan& p, int64_t r) { p.workload.rate = static_cast<double>(r); }),
                             [r = w.rate](const Plan& p) { return p.workload.rate < r; });
  }

  const int nodes = plan.cluster.nodes;
  Seq<Plan> smaller_faults =
      each(plan, shrink::eachElement(plan.faults, [nodes](const FaultEvent& f) { return fault_shrinks(f, nodes); }),
           [](Plan& p, const std::vector<FaultEvent>& f) { p.faults = f; });
  Seq<Plan> fewer_vnodes = each(plan, down_to(plan.cluster.vnodes, 1), [](Plan& p, int v) { p.cluster.vnodes = v; });

  return seq::concat(std::move(fewer_faults), std::move(shorter_run), std::move(fewer_nodes), std::move(fewer_keys),
                     std::move(fewer_clients), std::move(smaller_values), std::move(lower_rate),
                     std::move(smaller_faults), std::move(fewer_vnodes), std::move(simpler_routing));
}

rc::Shrinkable<Plan> shrinkable_plan(const Plan& plan) { return rc::shrinkable::shrinkRecur(plan, &plan_shrinks); }

}  // namespace faultline
