#include "generators/plan_gen.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/assert.h"
#include "core/node_config.h"
#include "core/ring.h"
#include "core/rng.h"
#include "core/workload_draw.h"

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
// One plan in four is delete-heavy (deletes up to kDeleteHeavyPercentMax).
struct Mix {
  int read_pct, delete_pct;
};
Gen<Mix> gen_mix() {
  Gen<int> delete_cap = gen::weightedOneOf<int>({{3, gen::just(kDeletePercentMax)}, {1, gen::just(kDeleteHeavyPercentMax)}});
  return gen::mapcat(delete_cap, [](int cap) {
    return gen::mapcat(int_in(kReadPercentMin, kReadPercentMax), [cap](int read_pct) {
      int delete_pct_max = std::min(cap, 100 - kReadPercentMin - read_pct);
      return gen::map(int_in(0, delete_pct_max), [read_pct](int delete_pct) { return Mix{read_pct, delete_pct}; });
    });
  });
}

// Key count: a decade, then a count in it (1..10, 11..100, ...).
Gen<int> gen_keys() {
  return gen::mapcat(int_in(0, 3), [](int decade) {
    int lo = 1, hi = 10;
    for (int d = 0; d < decade; ++d) {
      lo = hi + 1;
      hi *= 10;
    }
    return int_in(lo, std::min(hi, kKeysMax));
  });
}

struct ValueSizes {
  int64_t min = 0, max = 0;
  bool large() const { return max > 1024 * 1024; }
};
// Bare identities (today's values) first; then small, medium, large.
Gen<ValueSizes> gen_value_sizes() {
  constexpr int64_t kKiB = 1024, kMiB = 1024 * 1024;
  return gen::weightedOneOf<ValueSizes>(
      {{10, gen::just(ValueSizes{0, 0})},
       {5, gen::map(gen::element<int64_t>(64, kKiB), [](int64_t max) { return ValueSizes{0, max}; })},
       {3, gen::map(gen::element<int64_t>(4 * kKiB, 64 * kKiB, 256 * kKiB), [](int64_t max) { return ValueSizes{0, max}; })},
       {1, gen::map(gen::element<int64_t>(0, kMiB / 2),
                    [](int64_t min) { return ValueSizes{min, kValueBytesLargeMax}; })}});
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
  return gen::mapcat(gen_value_sizes(), [pins, rf, read_cl, write_cl, duration_ms](ValueSizes sizes) {
    const int rate_max = sizes.large() ? kLargeValueRateMax : kRateMax;
    Gen<double> rate = pinned_or(pins.rate, gen::map(int_in(kRateMin, rate_max), [](int r) { return double(r); }));
    return gen::apply(
        [rf, sizes](int clients, int keys, double ops_per_s, int64_t d_ms, CL rcl, CL wcl, Mix mix,
                    KeyDistribution dist, Routing routing, double read_recent_share) {
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
          w.value_bytes_min = sizes.min;
          w.value_bytes_max = sizes.max;
          w.routing = routing;
          if (dist != KeyDistribution::kFresh) w.read_recent_share = read_recent_share;
          return w;
        },
        pinned_or(pins.clients, int_in(1, kClientsMax)), pinned_or(pins.keys, gen_keys()), rate, duration_ms, read_cl,
        write_cl, gen_mix(),
        gen::element(KeyDistribution::kUniform, KeyDistribution::kZipfian, KeyDistribution::kHotKey,
                     KeyDistribution::kFresh),
        gen::element(Routing::kRandom, Routing::kPinned, Routing::kFailover),
        gen::element(0.0, 0.5, 0.8));
  });
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

namespace {

FaultEvent make_event(const std::string& kind, Drawn body, int64_t start_ms, int64_t length_ms) {
  FaultEvent e;
  e.start_ms = start_ms;
  e.duration_ms = length_ms;
  e.kind = kind;
  e.targets = std::move(body.targets);
  e.params_json = std::move(body.params_json);
  return e;
}

// One fault of a kind among `kinds`, at any time.
Gen<FaultEvent> gen_fault_of(const std::vector<std::string>& kinds, int nodes, int64_t duration_ms) {
  return gen::apply(
      [](const std::pair<std::string, Drawn>& body, std::pair<int64_t, int64_t> window) {
        return make_event(body.first, body.second, window.first, window.second);
      },
      gen::mapcat(gen::elementOf(kinds),
                  [nodes](const std::string& kind) {
                    return gen::map(gen_fault_body(kind, nodes), [kind](Drawn d) { return std::pair{kind, d}; });
                  }),
      gen_fault_window(duration_ms));
}

struct Window {
  int64_t start_ms, length_ms;
  int64_t end_ms() const { return start_ms + length_ms; }
};
// start in [lo, hi], length in [len_min, min(len_max, end - start)]; needs
// hi + len_min <= end.
Gen<Window> gen_window(int64_t lo, int64_t hi, int64_t len_min, int64_t len_max, int64_t end) {
  FL_ASSERT(lo <= hi && hi + len_min <= end);
  return gen::mapcat(ms_in(lo, hi), [len_min, len_max, end](int64_t start) {
    return gen::map(ms_in(len_min, std::min(len_max, end - start)), [start](int64_t len) { return Window{start, len}; });
  });
}

// A fault in force at the anchor's middle: starts in its first half (at
// least 250 ms before the middle), ends in its second half.
Gen<Window> gen_window_through(Window anchor) {
  const int64_t mid = anchor.start_ms + anchor.length_ms / 2;
  return gen::mapcat(ms_in(anchor.start_ms, mid - kFaultDurationMsMin / 2), [mid, anchor](int64_t start) {
    return gen::map(ms_in(mid + kFaultDurationMsMin / 2, anchor.end_ms()),
                    [start](int64_t end) { return Window{start, end - start}; });
  });
}

// An anchor window of 1..5 s for faults that meet inside it.
Gen<Window> gen_anchor(int64_t duration_ms) {
  return gen_window(0, duration_ms - 2 * kFaultDurationMsMin, 2 * kFaultDurationMsMin, kFaultDurationMsMax, duration_ms);
}

// A fault of `kind` with its drawn body in window w.
Gen<FaultEvent> gen_event_in(const std::string& kind, int nodes, Gen<Window> w) {
  return gen::apply([kind](Drawn body, Window win) { return make_event(kind, std::move(body), win.start_ms, win.length_ms); },
                    gen_fault_body(kind, nodes), std::move(w));
}

Drawn on_nodes(std::vector<std::string> targets) { return Drawn{std::move(targets), "{}"}; }

using Events = std::vector<FaultEvent>;

Gen<Events> gen_sparse(const std::vector<std::string>& kinds, int nodes, int64_t duration_ms) {
  return gen::mapcat(int_in(0, kFaultsMax), [kinds, nodes, duration_ms](int count) {
    return gen::container<Events>(static_cast<size_t>(count), gen_fault_of(kinds, nodes, duration_ms));
  });
}

Gen<Events> gen_overlap(const std::vector<std::string>& kinds, int nodes, int64_t duration_ms) {
  return gen::mapcat(gen::pair(int_in(2, 3), gen_anchor(duration_ms)), [kinds, nodes](std::pair<int, Window> cw) {
    return gen::container<Events>(
        static_cast<size_t>(cw.first), gen::mapcat(gen::elementOf(kinds), [nodes, anchor = cw.second](const std::string& kind) {
          return gen_event_in(kind, nodes, gen_window_through(anchor));
        }));
  });
}

// kind (a node fault) of each of `targets`, all through the anchor.
Gen<Events> gen_two_down(const std::vector<std::string>& down_kinds, int nodes, int64_t duration_ms) {
  return gen::mapcat(gen::pair(gen_anchor(duration_ms), gen_distinct_nodes(nodes, 2)),
                     [down_kinds](std::pair<Window, std::vector<std::string>> at) {
                       auto one = [&](const std::string& node) {
                         return gen::apply(
                             [node](const std::string& kind, Window w) {
                               return make_event(kind, on_nodes({node}), w.start_ms, w.length_ms);
                             },
                             gen::elementOf(down_kinds), gen_window_through(at.first));
                       };
                       return gen::apply([](FaultEvent a, FaultEvent b) { return Events{a, b}; }, one(at.second[0]),
                                         one(at.second[1]));
                     });
}

// A partition and a `kind` fault that starts while it is in force (one
// target node for kill and wipe).
Gen<Events> gen_in_partition(const std::string& kind, int nodes, int64_t duration_ms) {
  return gen::mapcat(gen_window(0, duration_ms - 3 * kFaultDurationMsMin, 3 * kFaultDurationMsMin, kFaultDurationMsMax,
                                duration_ms),
                     [kind, nodes, duration_ms](Window p) {
                       Gen<Drawn> body = kind == "clock" ? gen_clock(nodes)
                                                         : gen::map(gen_distinct_nodes(nodes, 1), on_nodes);
                       Gen<Window> w = kind == "clock" ? gen_window_through(p)
                                                       : gen_window(p.start_ms, p.end_ms() - kFaultDurationMsMin,
                                                                    kFaultDurationMsMin, kFaultDurationMsMax, duration_ms);
                       return gen::apply(
                           [kind, p](Drawn part, Drawn body, Window w) {
                             return Events{make_event("partition", std::move(part), p.start_ms, p.length_ms),
                                           make_event(kind, std::move(body), w.start_ms, w.length_ms)};
                           },
                           gen_partition(nodes), body, w);
                     });
}

Gen<Events> gen_pause_around_fd(int nodes, int64_t duration_ms) {
  const int64_t fd_ms = NodeConfig{}.peer_down_after_ms;
  const int64_t half = duration_ms / 2;
  const int64_t long_min = fd_ms + kFaultDurationMsMin;
  Gen<Window> shorter = gen_window(0, half - fd_ms, kFaultDurationMsMin, fd_ms - 200, half);
  Gen<Window> longer = gen_window(half, duration_ms - long_min, long_min, kFaultDurationMsMax, duration_ms);
  return gen::apply(
      [](std::vector<std::string> a, Window wa, std::vector<std::string> b, Window wb) {
        return Events{make_event("pause", on_nodes(std::move(a)), wa.start_ms, wa.length_ms),
                      make_event("pause", on_nodes(std::move(b)), wb.start_ms, wb.length_ms)};
      },
      gen_distinct_nodes(nodes, 1), shorter, gen_distinct_nodes(nodes, 1), longer);
}

// Short kills of distinct nodes, each starting 0..300 ms after the last healed.
constexpr int64_t kStormKillMsMax = 1000, kStormGapMsMax = 300;
Gen<Events> gen_restart_storm(int nodes, int64_t duration_ms) {
  const int count_max = static_cast<int>(std::min<int64_t>({nodes, 4, duration_ms / (kStormKillMsMax + kStormGapMsMax)}));
  return gen::mapcat(int_in(2, std::max(2, count_max)), [nodes, duration_ms](int count) {
    const int64_t span_max = count * (kStormKillMsMax + kStormGapMsMax);
    return gen::apply(
        [](std::vector<std::string> targets, int64_t start, std::vector<int64_t> lengths, std::vector<int64_t> gaps) {
          Events out;
          int64_t at = start;
          for (size_t i = 0; i < targets.size(); ++i) {
            out.push_back(make_event("kill", on_nodes({targets[i]}), at, lengths[i]));
            at += lengths[i] + gaps[i];
          }
          return out;
        },
        gen_distinct_nodes(nodes, count), ms_in(0, duration_ms - span_max),
        gen::container<std::vector<int64_t>>(static_cast<size_t>(count), ms_in(kFaultDurationMsMin, kStormKillMsMax)),
        gen::container<std::vector<int64_t>>(static_cast<size_t>(count), ms_in(0, kStormGapMsMax)));
  });
}

// A coordinator X cut off (one way: X -> Y) from one or two replicas, and
// killed while cut: its writes in flight reached only some replicas. The
// closest real processes get to a coordinator dying mid-write.
Gen<Events> gen_partial_write(int nodes, int64_t duration_ms) {
  const int cuts_max = std::min(2, nodes - 1);
  return gen::mapcat(
      gen::pair(int_in(1, cuts_max), gen_window(0, duration_ms - 3 * kFaultDurationMsMin, 3 * kFaultDurationMsMin,
                                                kFaultDurationMsMax, duration_ms)),
      [nodes, duration_ms](std::pair<int, Window> cp) {
        const Window p = cp.second;
        return gen::apply(
            [p, cuts = cp.first](std::vector<std::string> who, Window kill) {
              Events out;
              for (int i = 1; i <= cuts; ++i) {
                out.push_back(make_event("partition",
                                         Drawn{{who[0], who[static_cast<size_t>(i)]},
                                               params_text({{"partition", "one-way"}})},
                                         p.start_ms, p.length_ms));
              }
              out.push_back(make_event("kill", on_nodes({who[0]}), kill.start_ms, kill.length_ms));
              return out;
            },
            gen_distinct_nodes(nodes, cp.first + 1),
            gen_window(p.start_ms + kFaultDurationMsMin, p.end_ms() - kFaultDurationMsMin, kFaultDurationMsMin,
                       kFaultDurationMsMax, duration_ms));
      });
}

bool has(const std::vector<std::string>& kinds, const char* kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// The shapes the enabled kinds allow, in kFaultShapes order.
std::vector<std::string> shapes_for(const std::vector<std::string>& kinds, int nodes, int64_t duration_ms) {
  std::vector<std::string> out = {"sparse"};
  if (duration_ms < kCompositionDurationMsMin || nodes < 2) return out;
  out.push_back("overlap");
  if (has(kinds, "kill") || has(kinds, "pause")) out.push_back("two-down");
  if (has(kinds, "kill") && has(kinds, "partition")) out.push_back("kill-in-partition");
  if (has(kinds, "pause")) out.push_back("pause-around-fd");
  if (has(kinds, "kill")) out.push_back("restart-storm");
  if (has(kinds, "wipe") && has(kinds, "partition")) out.push_back("wipe-in-partition");
  if (has(kinds, "clock") && has(kinds, "partition")) out.push_back("clock-in-partition");
  if (has(kinds, "kill") && has(kinds, "partition") && nodes >= 3) out.push_back("partial-write");
  return out;
}

Gen<Events> gen_shape(const std::string& shape, const std::vector<std::string>& kinds, int nodes, int64_t duration_ms) {
  if (shape == "overlap") return gen_overlap(kinds, nodes, duration_ms);
  if (shape == "two-down") {
    std::vector<std::string> down;
    for (const char* k : {"kill", "pause"}) {
      if (has(kinds, k)) down.push_back(k);
    }
    return gen_two_down(down, nodes, duration_ms);
  }
  if (shape == "kill-in-partition") return gen_in_partition("kill", nodes, duration_ms);
  if (shape == "wipe-in-partition") return gen_in_partition("wipe", nodes, duration_ms);
  if (shape == "clock-in-partition") return gen_in_partition("clock", nodes, duration_ms);
  if (shape == "pause-around-fd") return gen_pause_around_fd(nodes, duration_ms);
  if (shape == "restart-storm") return gen_restart_storm(nodes, duration_ms);
  if (shape == "partial-write") return gen_partial_write(nodes, duration_ms);
  return gen_sparse(kinds, nodes, duration_ms);
}

bool is_node_fault(const std::string& kind) { return kind == "kill" || kind == "pause" || kind == "wipe"; }
bool overlap(const FaultEvent& a, const FaultEvent& b) {
  return a.start_ms < b.start_ms + b.duration_ms && b.start_ms < a.start_ms + a.duration_ms;
}

// Sorted by start; a node fault drops the targets an earlier overlapping
// node fault holds and those that would leave no node up, a clock fault
// those an earlier overlapping clock fault holds; a fault left without
// targets goes.
Events settle(Events events, int nodes) {
  std::stable_sort(events.begin(), events.end(),
                   [](const FaultEvent& a, const FaultEvent& b) { return a.start_ms < b.start_ms; });
  Events out;
  for (FaultEvent& e : events) {
    const bool node_fault = is_node_fault(e.kind);
    if (!node_fault && e.kind != "clock") {
      out.push_back(std::move(e));
      continue;
    }
    std::vector<std::string> busy;
    for (const FaultEvent& o : out) {
      if ((node_fault ? is_node_fault(o.kind) : o.kind == "clock") && overlap(o, e)) {
        busy.insert(busy.end(), o.targets.begin(), o.targets.end());
      }
    }
    std::vector<std::string> kept;
    for (const std::string& t : e.targets) {
      if (std::find(busy.begin(), busy.end(), t) != busy.end()) continue;
      if (node_fault && static_cast<int>(busy.size() + kept.size()) >= nodes - 1) break;
      kept.push_back(t);
    }
    if (kept.empty()) continue;
    e.targets = std::move(kept);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Gen<std::vector<FaultEvent>> gen_faults(int nodes, int64_t duration_ms) {
  if (nodes < 1 || duration_ms < kFaultDurationMsMin) return gen::just(std::vector<FaultEvent>{});
  std::vector<std::string> all = {"kill", "pause", "delay", "clock", "wipe"};
  if (nodes >= 2) all.insert(all.begin() + 1, "partition");
  // Each kind on or off (shrinking turns kinds off); none on: no faults.
  return gen::mapcat(
      gen::container<std::vector<bool>>(all.size(), gen::arbitrary<bool>()), [all, nodes, duration_ms](std::vector<bool> on) {
        std::vector<std::string> kinds;
        for (size_t i = 0; i < all.size(); ++i) {
          if (on[i]) kinds.push_back(all[i]);
        }
        if (kinds.empty()) return gen::just(Events{});
        return gen::mapcat(gen::elementOf(shapes_for(kinds, nodes, duration_ms)), [kinds, nodes, duration_ms](
                                                                                      const std::string& shape) {
          Gen<Events> extra = shape == "sparse" ? gen::just(Events{})
                                                : gen::mapcat(int_in(0, kExtraFaultsMax), [kinds, nodes, duration_ms](int n) {
                                                    return gen::container<Events>(static_cast<size_t>(n),
                                                                                  gen_fault_of(kinds, nodes, duration_ms));
                                                  });
          return gen::apply(
              [nodes](Events main, Events more) {
                main.insert(main.end(), more.begin(), more.end());
                return settle(std::move(main), nodes);
              },
              gen_shape(shape, kinds, nodes, duration_ms), extra);
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

namespace {

// A disk fault on `targets` over [start_ms, start_ms + length_ms), clipped to
// the workload (a schedule never outlasts it).
FaultEvent disk_event(std::vector<std::string> targets, int64_t start_ms, int64_t length_ms, int64_t duration_ms) {
  FaultEvent e;
  e.kind = "disk";
  e.start_ms = std::clamp<int64_t>(start_ms, 0, duration_ms - kFaultDurationMsMin);
  e.duration_ms = std::clamp<int64_t>(length_ms, kFaultDurationMsMin, duration_ms - e.start_ms);
  e.targets = std::move(targets);
  return e;
}

// After the faults that start no later (stable: the order stays sorted).
void insert_in_start_order(FaultEvent e, Plan* p) {
  auto at = std::upper_bound(p->faults.begin(), p->faults.end(), e.start_ms,
                             [](int64_t t, const FaultEvent& f) { return t < f.start_ms; });
  p->faults.insert(at, std::move(e));
}

// disk-across-replay: the node a kill, pause or partition took away (so
// coordinators stored hints for it) refuses writes from just before it
// comes back until well after, across the first hint replays to it.
std::optional<FaultEvent> disk_across_replay(const Plan& p, Rng* rng) {
  std::vector<const FaultEvent*> outages;
  for (const FaultEvent& f : p.faults) {
    if ((f.kind == "kill" || f.kind == "pause" || f.kind == "partition") && !f.targets.empty()) outages.push_back(&f);
  }
  if (outages.empty() || !p.modes.hinted_handoff) return std::nullopt;
  const FaultEvent& o = *outages[rng->uniform(outages.size())];
  const std::string target = o.targets[rng->uniform(o.targets.size())];
  const int64_t back_ms = o.start_ms + o.duration_ms;
  if (back_ms >= p.workload.duration_ms) return std::nullopt;  // healed only after the workload
  const int64_t before_ms = rng->range(0, 500);
  return disk_event({target}, back_ms - before_ms, before_ms + rng->range(kDiskAfterReturnMsMin, kDiskAfterReturnMsMax),
                    p.workload.duration_ms);
}

// disk-on-replicas: one or two nodes (at most rf - 1, when rf allows)
// refuse writes while the workload writes through them.
FaultEvent disk_on_replicas(const Plan& p, Rng* rng) {
  std::vector<std::string> names;
  for (int i = 1; i <= p.cluster.nodes; ++i) names.push_back(node_name(static_cast<NodeId>(i)));
  for (size_t i = names.size(); i > 1; --i) std::swap(names[i - 1], names[rng->uniform(i)]);
  const int most = std::max(1, std::min(2, p.cluster.rf - 1));
  names.resize(static_cast<size_t>(rng->range(1, most)));
  const int64_t length_ms = rng->range(kFaultDurationMsMin, kFaultDurationMsMax);
  return disk_event(names, rng->range(0, p.workload.duration_ms - kFaultDurationMsMin), length_ms,
                    p.workload.duration_ms);
}

// disk-on-key-replicas: the quorum-blind nodes refuse writes, from the
// start of the run half the time (so the keys first written in the window
// are missing, not older, on them), for kDiskOnKeyReplicasMs{Min,Max}.
FaultEvent disk_on_key_replicas(const Plan& p, Rng* rng) {
  const int64_t start_ms = rng->chance(0.5) ? 0 : rng->range(0, p.workload.duration_ms - kFaultDurationMsMin);
  return disk_event(quorum_blind_nodes(p), start_ms, rng->range(kDiskOnKeyReplicasMsMin, kDiskOnKeyReplicasMsMax),
                    p.workload.duration_ms);
}

// The key weights of the plan's distribution (fresh keys are named apart;
// their placement is as random as uniform keys', so any set will do).
double key_weight(const WorkloadSpec& w, int index) {
  if (w.key_distribution == KeyDistribution::kZipfian) return 1.0 / (index + 1);
  if (w.key_distribution == KeyDistribution::kHotKey && index == 0) {
    return 1.0 + w.keys * KeyPicker::kHotKeyShare / (1 - KeyPicker::kHotKeyShare);  // k0's share over another key's
  }
  return 1.0;
}

}  // namespace

bool disk_can_fool_quorums(const Plan& p) {
  const int rf = p.cluster.rf;
  const ConsistencyLevel rcl = p.workload.read_cl, wcl = p.workload.write_cl;
  const int r = required_acks(rcl, rf);
  const int w = wcl == ConsistencyLevel::kAny ? 0 : required_acks(wcl, rf);
  const bool wiped = std::any_of(p.faults.begin(), p.faults.end(), [](const FaultEvent& f) { return f.kind == "wipe"; });
  if (rf < 2 || rf > p.cluster.nodes || r >= rf || p.modes.quorum != QuorumMode::kStrict || wiped) return false;
  const bool stale_visible = w >= 2 && r + w > rf;
  const bool repair_visible = rcl == ConsistencyLevel::kQuorum && p.modes.read_repair == ReadRepair::kBlocking;
  return stale_visible || repair_visible;
}

namespace {

// The node set carrying the most key weight among k0..k<kDiskKeysSurveyed - 1>,
// each key counted under part(its preference list), sorted.
template <typename Part>
std::vector<std::string> heaviest_replica_set(const Plan& p, Part part) {
  std::vector<NodeId> ids;
  for (int i = 1; i <= p.cluster.nodes; ++i) ids.push_back(static_cast<NodeId>(i));
  const Ring ring(ids, p.cluster.vnodes, p.cluster.rf);
  std::map<std::vector<NodeId>, double> weight;
  for (int i = 0; i < std::min(p.workload.keys, kDiskKeysSurveyed); ++i) {
    std::vector<NodeId> set = part(ring.preference_list(token_of("k" + std::to_string(i))));
    std::sort(set.begin(), set.end());
    weight[set] += key_weight(p.workload, i);
  }
  // The heaviest set; ties go to the first in order, so the draw is stable.
  auto best = std::max_element(weight.begin(), weight.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  std::vector<std::string> out;
  for (NodeId n : best->first) out.push_back(node_name(n));
  return out;
}

}  // namespace

std::vector<std::string> quorum_blind_nodes(const Plan& p) {
  return heaviest_replica_set(p, [](std::vector<NodeId> list) {
    list.pop_back();  // the one replica that stores the writes
    return list;
  });
}

std::vector<std::string> heaviest_key_replicas(const Plan& p) {
  return heaviest_replica_set(p, [](std::vector<NodeId> list) { return list; });
}

bool all_replicas_down_can_show(const Plan& p) {
  const int rf = p.cluster.rf;
  const ConsistencyLevel wcl = p.workload.write_cl;
  const int w = wcl == ConsistencyLevel::kAny ? 1 : required_acks(wcl, rf);
  const bool skew_or_wipe = std::any_of(p.faults.begin(), p.faults.end(),
                                        [](const FaultEvent& f) { return f.kind == "clock" || f.kind == "wipe"; });
  return p.modes.quorum == QuorumMode::kSloppy && rf <= p.cluster.nodes - w && !skew_or_wipe &&
         p.workload.duration_ms >= kAllReplicasDownMsMin;
}

void draw_all_replicas_down(uint64_t seed, Plan* p) {
  if (!all_replicas_down_can_show(*p)) return;
  // Its own stream: the rest of the plan, disk fault included, is as before.
  Rng rng = Rng(seed).fork(kAllReplicasDownStream);
  if (!rng.chance(kAllReplicasDownChance)) return;
  const int64_t end_ms = p->workload.duration_ms - rng.range(0, kAllReplicasDownHealBeforeEndMsMax);
  const int64_t length_ms = rng.range(kAllReplicasDownMsMin, kAllReplicasDownMsMax);
  FaultEvent e;
  e.kind = rng.chance(0.5) ? "kill" : "pause";
  e.targets = heaviest_key_replicas(*p);
  e.params_json = "{}";
  // Node faults that overlap never share a target and leave a node up
  // (settle): kept by meeting none. The window ends at end_ms, or else as
  // late as it can: where a node fault of the plan starts.
  std::vector<int64_t> ends = {end_ms};
  for (const FaultEvent& f : p->faults) {
    if (is_node_fault(f.kind) && f.start_ms < end_ms) ends.push_back(f.start_ms);
  }
  std::sort(ends.rbegin(), ends.rend());
  for (int64_t end : ends) {
    e.start_ms = std::max<int64_t>(0, end - length_ms);
    e.duration_ms = end - e.start_ms;
    if (e.duration_ms < kAllReplicasDownMsFloor) continue;
    if (std::none_of(p->faults.begin(), p->faults.end(),
                     [&](const FaultEvent& f) { return is_node_fault(f.kind) && overlap(f, e); })) {
      return insert_in_start_order(std::move(e), p);
    }
  }
}

void draw_disk_faults(uint64_t seed, Plan* p) {
  if (p->workload.duration_ms < kFaultDurationMsMin) return;
  // Its own stream: the rest of the plan is drawn exactly as before.
  Rng rng = Rng(seed).fork(kDiskStream);
  const bool drawn = rng.chance(kDiskChance);
  std::optional<FaultEvent> e;
  if (drawn && rng.chance(0.5)) e = disk_across_replay(*p, &rng);
  // Where refused writes can show, disk-on-key-replicas instead of
  // disk-on-replicas, and in most plans that drew no disk fault.
  if (!e && disk_can_fool_quorums(*p) && (drawn || rng.chance(kDiskOnKeyReplicasChance))) {
    e = disk_on_key_replicas(*p, &rng);
  }
  if (!e && drawn) e = disk_on_replicas(*p, &rng);
  if (!e) return;
  insert_in_start_order(std::move(*e), p);
}

Status plan_from_seed(uint64_t seed, const PlanPins& pins, Plan* out) {
  if (Status s = check_pins(pins); !s) return s;
  try {
    *out = gen_plan(pins)(rc::Random(seed), kPlanGenSize).value();
  } catch (const rc::GenerationFailure& e) {
    return Status::invalid(std::string("cannot draw a plan with these options: ") + e.what());
  }
  draw_disk_faults(seed, out);
  draw_all_replicas_down(seed, out);
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
