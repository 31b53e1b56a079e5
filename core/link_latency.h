// Per-leg message latency on the links of a cluster: the plan's optional
// "latency" object (core/plan.h). Each leg of core/message_leg.h (write,
// ack, read, response, other) may name a distribution; a list of overrides
// replaces legs for one direction (from -> to). A message with no
// distribution for its leg takes the link's ordinary time (the simulator's
// 1 ms hop; the proxy forwards it at once).
//
// JSON (plan.json):
//   "latency": {
//     "write":    {"dist": "exponential", "mean_ms": 5},
//     "response": {"dist": "lognormal", "mu": 1.0, "sigma": 0.5},
//     "ack":      {"dist": "constant", "ms": 2},
//     "overrides": [{"from": "n1", "to": "n2", "write": {"dist": "exponential", "mean_ms": 40}}]
//   }
// Every field is optional; unknown fields, unknown distributions, missing
// or negative parameters and unknown nodes are errors naming the field path
// ("latency.overrides[0].write.mean_ms: must be a number >= 0").
//
// Plain values; no JSON types in this header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/latency.h"
#include "core/message_leg.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

class Rng;

// A drawn message delay is capped here (a lognormal tail could overflow).
inline constexpr double kLegDelayMsMax = 600000;

struct LegLatencies {
  std::optional<LatencyDistribution> legs[kMessageLegCount];

  bool empty() const;
  const std::optional<LatencyDistribution>& operator[](MessageLeg leg) const { return legs[static_cast<int>(leg)]; }
  std::optional<LatencyDistribution>& operator[](MessageLeg leg) { return legs[static_cast<int>(leg)]; }
};

struct LinkLatencyOverride {
  std::string from, to;  // node names
  LegLatencies legs;     // replaces the defaults' legs that are set here
};

struct LinkLatency {
  LegLatencies defaults;
  std::vector<LinkLatencyOverride> overrides;

  bool empty() const { return defaults.empty() && overrides.empty(); }
  // The distribution for one message leg on from -> to: the last override
  // of that direction that sets the leg, else the default; null: none.
  const LatencyDistribution* find(NodeId from, NodeId to, MessageLeg leg) const;
  // True when some leg of from -> to has a distribution.
  bool any(NodeId from, NodeId to) const;
  // One message's time on the wire in ms, drawn from `rng` and capped at
  // kLegDelayMsMax; false (nothing drawn) when its leg has no distribution.
  bool draw_ms(NodeId from, NodeId to, MessageLeg leg, Rng& rng, double* ms) const;
};

// The object's JSON text, fields in a fixed order (legs, then overrides).
std::string link_latency_to_json(const LinkLatency& l);
// `path` prefixes errors ("latency"); `nodes` bounds the node names.
Status link_latency_from_json(std::string_view text, const std::string& path, int nodes, LinkLatency* out);

}  // namespace faultline
