#include "generators/plan_gen.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/assert.h"

namespace faultline {

namespace {

using rc::Gen;
namespace gen = rc::gen;

// Inclusive range [lo, hi], shrinking toward lo.
Gen<int> int_in(int lo, int hi) { return gen::inRange<int>(lo, hi + 1); }
Gen<int64_t> ms_in(int64_t lo_ms, int64_t hi_ms) { return gen::inRange<int64_t>(lo_ms, hi_ms + 1); }

template <typename T>
Gen<T> pinned_or(const std::optional<T>& pin, Gen<T> drawn) {
  return pin ? gen::just(*pin) : std::move(drawn);
}

// `count` distinct node names of n1..n<nodes>: each draw picks among the
// nodes not taken yet, so every draw shrinks toward the lowest free node.
Gen<std::vector<std::string>> gen_distinct_nodes(int nodes, int count) {
  return gen::map(gen::container<std::vector<int>>(static_cast<size_t>(count), gen::inRange(0, nodes)),
                  [nodes](const std::vector<int>& picks) {
                    std::vector<int> free;
                    for (int i = 1; i <= nodes; ++i) free.push_back(i);
                    std::vector<std::string> out;
                    for (int pick : picks) {
                      auto at = free.begin() + pick % static_cast<int>(free.size());
                      out.push_back(node_name(static_cast<NodeId>(*at)));
                      free.erase(at);
                    }
                    return out;
                  });
}

// 1..count_max distinct nodes.
Gen<std::vector<std::string>> gen_some_nodes(int nodes, int count_max) {
  return gen::mapcat(int_in(1, std::min(nodes, std::max(1, count_max))),
                     [nodes](int count) { return gen_distinct_nodes(nodes, count); });
}

std::string params_text(const nlohmann::ordered_json& params) { return params.dump(); }

struct Drawn {  // kind-specific part of a fault
  std::vector<std::string> targets;
  std::string params_json;
};

// Partition kinds and their targets as faults/partition.h reads them.
Gen<Drawn> gen_partition(int nodes) {
  std::vector<std::string> kinds = {"one", "halves", "majorities-ring", "one-way"};
  if (nodes >= 3) kinds.push_back("bridge");
  return gen::mapcat(gen::elementOf(kinds), [nodes](const std::string& kind) {
    Gen<std::vector<std::string>> targets = gen::just(std::vector<std::string>{});  // majorities-ring: n1..nN
    if (kind == "one") targets = gen_distinct_nodes(nodes, 1);
    if (kind == "halves") targets = gen_some_nodes(nodes, nodes / 2);
    if (kind == "one-way") targets = gen_distinct_nodes(nodes, 2);
    if (kind == "bridge") {  // bridge node, then side A; side B (the rest) stays non-empty
      targets = gen::mapcat(int_in(2, nodes - 1), [nodes](int count) { return gen_distinct_nodes(nodes, count); });
    }
    return gen::map(targets, [kind](std::vector<std::string> t) {
      return Drawn{std::move(t), params_text({{"partition", kind}})};
    });
  });
}

Gen<Drawn> gen_delay(int nodes) {
  // No target: every link; one target: the links into and out of it.
  Gen<std::vector<std::string>> targets =
      gen::oneOf(gen::just(std::vector<std::string>{}), gen_distinct_nodes(nodes, 1));
  return gen::apply(
      [](std::vector<std::string> t, int64_t latency_ms, int64_t jitter_ms) {
        return Drawn{std::move(t), params_text({{"latency_ms", latency_ms}, {"jitter_ms", jitter_ms}})};
      },
      targets, ms_in(1, kDelayLatencyMsMax), ms_in(0, kDelayJitterMsMax));
}

Gen<Drawn> gen_clock(int nodes) {
  return gen::apply(
      [](std::vector<std::string> t, int64_t magnitude_ms, bool behind) {
        return Drawn{std::move(t), params_text({{"offset_ms", behind ? -magnitude_ms : magnitude_ms}})};
      },
      gen_some_nodes(nodes, nodes / 2 + 1), ms_in(kClockOffsetMsMin, kClockOffsetMsMax), gen::arbitrary<bool>());
}

// kill, pause, wipe: one node up to a bare majority.
Gen<Drawn> gen_node_fault(int nodes) {
  return gen::map(gen_some_nodes(nodes, nodes / 2 + 1),
                  [](std::vector<std::string> t) { return Drawn{std::move(t), "{}"}; });
}

Gen<Drawn> gen_fault_body(const std::string& kind, int nodes) {
  if (kind == "partition") return gen_partition(nodes);
  if (kind == "delay") return gen_delay(nodes);
  if (kind == "clock") return gen_clock(nodes);
  return gen_node_fault(nodes);
}

// Start within the run, then a length that heals by its end.
Gen<std::pair<int64_t, int64_t>> gen_fault_window(int64_t duration_ms) {
  return gen::mapcat(ms_in(0, duration_ms - kFaultDurationMsMin), [duration_ms](int64_t start_ms) {
    int64_t length_ms_max = std::min(kFaultDurationMsMax, duration_ms - start_ms);
    return gen::map(ms_in(kFaultDurationMsMin, length_ms_max),
                    [start_ms](int64_t length_ms) { return std::pair{start_ms, length_ms}; });
  });
}

ConsistencyLevel cl_or_quorum(ConsistencyLevel cl, int rf) {
  return cl == ConsistencyLevel::kTwo && rf < 2 ? ConsistencyLevel::kQuorum : cl;
}

// The operation mix in whole percent, so the fractions sum to exactly 1
// after division: reads first, deletes next, writes take the rest (>= 10%).
struct Mix {
  int read_pct, delete_pct;
};
Gen<Mix> gen_mix() {
  return gen::mapcat(int_in(kReadPercentMin, kReadPercentMax), [](int read_pct) {
    int delete_pct_max = std::min(kDeletePercentMax, 100 - kReadPercentMin - read_pct);
    return gen::map(int_in(0, delete_pct_max), [read_pct](int delete_pct) { return Mix{read_pct, delete_pct}; });
  });
}

// Checks the pins with validate_plan itself (one place knows the ranges): a
// default plan with the pins set, and an unpinned node count at its largest
// so that it does not bound a pinned rf. A bad pin is then reported naming
// its field instead of failing inside a generator.
Status check_pins(const PlanPins& p) {
  constexpr int kNodesAcceptedMax = 64;  // validate_plan's bound on cluster.nodes
  Plan plan;
  plan.cluster.nodes = p.nodes.value_or(kNodesAcceptedMax);
  plan.cluster.rf = p.rf.value_or(1);
  plan.cluster.vnodes = p.vnodes.value_or(plan.cluster.vnodes);
  plan.workload.clients = p.clients.value_or(plan.workload.clients);
  plan.workload.keys = p.keys.value_or(plan.workload.keys);
  plan.workload.rate = p.rate.value_or(plan.workload.rate);
  plan.workload.duration_ms = p.duration_ms.value_or(plan.workload.duration_ms);
  return validate_plan(plan);
}

// Every pin is in the drawn plan as given: the generators draw only what
// is not pinned (the pins themselves were checked by check_pins).
void assert_pins_honoured(const PlanPins& p, const Plan& plan) {
  if (p.nodes) FL_ASSERT(plan.cluster.nodes == *p.nodes);
  if (p.rf) FL_ASSERT(plan.cluster.rf == *p.rf);
  if (p.vnodes) FL_ASSERT(plan.cluster.vnodes == *p.vnodes);
  if (p.clients) FL_ASSERT(plan.workload.clients == *p.clients);
  if (p.keys) FL_ASSERT(plan.workload.keys == *p.keys);
  if (p.rate) FL_ASSERT(plan.workload.rate == *p.rate);
  if (p.duration_ms) FL_ASSERT(plan.workload.duration_ms == *p.duration_ms);
}

}  // namespace

Gen<ClusterSpec> gen_cluster(const PlanPins& pins) {
  // A pinned rf above kNodesMin lifts the node range with it.
  const int rf_floor = pins.rf.value_or(1);
  Gen<int> nodes = pinned_or(pins.nodes, int_in(std::max(kNodesMin, rf_floor), std::max(kNodesMax, rf_floor)));
  return gen::mapcat(nodes, [pins](int n) {
    const int rf_max = std::min(n, kRfMax);
    Gen<int> rf = int_in(1, rf_max);
    if (rf_max >= kRfPreferred) rf = gen::weightedOneOf<int>({{3, gen::just(kRfPreferred)}, {1, int_in(1, rf_max)}});
    return gen::apply([n](int r, int v) { return ClusterSpec{n, r, v}; }, pinned_or(pins.rf, rf),
                      pinned_or(pins.vnodes, int_in(1, kVnodesMax)));
  });
}

Gen<ModeSpec> gen_modes() {
  // gc_grace and the hint window come from a few values that matter for a
  // short run: longer than any run, about a fault's length, and shorter.
  Gen<int64_t> long_medium_short_ms = gen::element<int64_t>(60000, 3000, 800);
  return gen::apply(
      [](ReadRepair rr, bool digest, bool handoff, QuorumMode q, bool ae, int64_t ae_ms, int depth,
         int64_t gc_grace_ms, int64_t hint_window_ms) {
        ModeSpec m;
        m.read_repair = rr;
        m.digest_reads = digest;
        m.hinted_handoff = handoff;
        m.quorum = q;
        m.anti_entropy = ae;
        m.anti_entropy_interval_ms = ae_ms;
        m.merkle_depth = depth;
        m.gc_grace_ms = gc_grace_ms;
        m.hint_window_ms = hint_window_ms;
        return m;
      },
      gen::element(ReadRepair::kBlocking, ReadRepair::kAsync, ReadRepair::kNone), gen::arbitrary<bool>(),
      gen::arbitrary<bool>(), gen::element(QuorumMode::kStrict, QuorumMode::kSloppy), gen::arbitrary<bool>(),
      ms_in(200, 3000), int_in(1, 12), long_medium_short_ms, long_medium_short_ms);
}

Gen<WorkloadSpec> gen_workload(const PlanPins& pins, int rf) {
  using CL = ConsistencyLevel;
  Gen<CL> read_cl = gen::element(CL::kQuorum, CL::kOne, CL::kAll, CL::kTwo);
  Gen<CL> write_cl = gen::element(CL::kQuorum, CL::kOne, CL::kAll, CL::kTwo, CL::kAny);
  Gen<int64_t> duration_ms = pins.duration_ms
                                 ? gen::just(*pins.duration_ms)
                                 : gen::map(ms_in(kDurationMsMin / kDurationStepMs, kDurationMsMax / kDurationStepMs),
                                            [](int64_t steps) { return steps * kDurationStepMs; });
  Gen<double> rate = pinned_or(pins.rate, gen::map(int_in(kRateMin, kRateMax), [](int r) { return double(r); }));
  return gen::apply(
      [rf](int clients, int keys, double ops_per_s, int64_t d_ms, CL rcl, CL wcl, Mix mix, KeyDistribution dist) {
        WorkloadSpec w;
        w.clients = clients;
        w.keys = keys;
        w.rate = ops_per_s;
        w.duration_ms = d_ms;
        w.read_cl = cl_or_quorum(rcl, rf);
        w.write_cl = cl_or_quorum(wcl, rf);
        w.read_fraction = mix.read_pct / 100.0;
        w.delete_fraction = mix.delete_pct / 100.0;
        w.write_fraction = (100 - mix.read_pct - mix.delete_pct) / 100.0;
        w.key_distribution = dist;
        return w;
      },
      pinned_or(pins.clients, int_in(1, kClientsMax)), pinned_or(pins.keys, int_in(1, kKeysMax)), rate, duration_ms,
      read_cl, write_cl, gen_mix(),
      gen::element(KeyDistribution::kUniform, KeyDistribution::kZipfian, KeyDistribution::kHotKey));
}

Gen<FaultEvent> gen_fault(int nodes, int64_t duration_ms) {
  std::vector<std::string> kinds = {"kill", "pause", "delay", "clock", "wipe"};
  if (nodes >= 2) kinds.insert(kinds.begin() + 1, "partition");
  return gen::apply(
      [](const std::pair<std::string, Drawn>& body, std::pair<int64_t, int64_t> window) {
        FaultEvent e;
        e.start_ms = window.first;
        e.duration_ms = window.second;
        e.kind = body.first;
        e.targets = body.second.targets;
        e.params_json = body.second.params_json;
        return e;
      },
      gen::mapcat(gen::elementOf(kinds),
                  [nodes](const std::string& kind) {
                    return gen::map(gen_fault_body(kind, nodes), [kind](Drawn d) { return std::pair{kind, d}; });
                  }),
      gen_fault_window(duration_ms));
}

Gen<std::vector<FaultEvent>> gen_faults(int nodes, int64_t duration_ms) {
  if (nodes < 1 || duration_ms < kFaultDurationMsMin) return gen::just(std::vector<FaultEvent>{});
  return gen::mapcat(int_in(0, kFaultsMax), [nodes, duration_ms](int count) {
    return gen::map(gen::container<std::vector<FaultEvent>>(static_cast<size_t>(count), gen_fault(nodes, duration_ms)),
                    [](std::vector<FaultEvent> faults) {
                      std::stable_sort(faults.begin(), faults.end(), [](const FaultEvent& a, const FaultEvent& b) {
                        return a.start_ms < b.start_ms;
                      });
                      return faults;
                    });
  });
}

Gen<Plan> gen_plan(const PlanPins& pins) {
  return gen::mapcat(gen_cluster(pins), [pins](ClusterSpec cluster) {
    return gen::mapcat(gen_workload(pins, cluster.rf), [cluster](WorkloadSpec workload) {
      return gen::apply(
          [cluster, workload](ModeSpec modes, std::vector<FaultEvent> faults) {
            Plan p;
            p.cluster = cluster;
            p.modes = modes;
            p.workload = workload;
            p.faults = std::move(faults);
            return p;
          },
          gen_modes(), gen_faults(cluster.nodes, workload.duration_ms));
    });
  });
}

Status plan_from_seed(uint64_t seed, const PlanPins& pins, Plan* out) {
  if (Status s = check_pins(pins); !s) return s;
  try {
    *out = gen_plan(pins)(rc::Random(seed), kPlanGenSize).value();
  } catch (const rc::GenerationFailure& e) {
    return Status::invalid(std::string("cannot draw a plan with these options: ") + e.what());
  }
  out->seed = seed;
  assert_pins_honoured(pins, *out);
  return validate_plan(*out);
}

PlanSize plan_size(const Plan& plan) {
  PlanSize s;
  s.nodes = plan.cluster.nodes;
  s.keys = plan.workload.keys;
  s.faults = static_cast<int>(plan.faults.size());
  for (const auto& f : plan.faults) s.fault_ms += f.duration_ms;
  s.duration_ms = plan.workload.duration_ms;
  return s;
}

}  // namespace faultline
