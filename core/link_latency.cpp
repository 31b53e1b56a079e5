#include "core/link_latency.h"

#include <algorithm>
#include <cmath>

#include "core/json_reader.h"
#include "core/rng.h"

namespace faultline {
namespace {

ordered_json dist_to_json(const LatencyDistribution& d) {
  switch (d.kind) {
    case LatencyDistribution::Kind::kConstant: return {{"dist", "constant"}, {"ms", d.a}};
    case LatencyDistribution::Kind::kExponential: return {{"dist", "exponential"}, {"mean_ms", d.a}};
    case LatencyDistribution::Kind::kLognormal: return {{"dist", "lognormal"}, {"mu", d.a}, {"sigma", d.b}};
  }
  return {};
}

void legs_to_json(const LegLatencies& legs, ordered_json* j) {
  for (int i = 0; i < kMessageLegCount; ++i) {
    if (legs.legs[i]) (*j)[std::string(to_string(static_cast<MessageLeg>(i)))] = dist_to_json(*legs.legs[i]);
  }
}

// One parameter: present, a finite number, >= min (when given).
void param(ObjectReader& r, const ordered_json& j, const char* name, bool non_negative, double* out) {
  if (!j.contains(name)) return r.fail(name, "missing");
  const ordered_json& v = j[name];
  if (!v.is_number() || !std::isfinite(v.get<double>()) || (non_negative && v.get<double>() < 0)) {
    return r.fail(name, non_negative ? "must be a number >= 0" : "must be a finite number");
  }
  r.get(name, out);
}

Status dist_from_json(const ordered_json& j, const std::string& path, LatencyDistribution* out) {
  ObjectReader r(j, path);
  std::string dist;
  r.get("dist", &dist);
  if (!j.is_object()) return r.finish();
  double a = 0, b = 0;
  if (dist == "constant") {
    param(r, j, "ms", true, &a);
    *out = LatencyDistribution::constant(a);
  } else if (dist == "exponential") {
    param(r, j, "mean_ms", true, &a);
    *out = LatencyDistribution::exponential(a);
  } else if (dist == "lognormal") {
    param(r, j, "mu", false, &a);
    param(r, j, "sigma", true, &b);
    *out = LatencyDistribution::lognormal(a, b);
  } else {
    r.fail("dist", "must be constant, exponential or lognormal, got '" + dist + "'");
  }
  return r.finish();
}

// The leg fields of one object (the defaults or an override).
Status legs_from_json(ObjectReader& r, const std::string& path, LegLatencies* legs) {
  for (int i = 0; i < kMessageLegCount; ++i) {
    const std::string name(to_string(static_cast<MessageLeg>(i)));
    const ordered_json* c = r.child(name.c_str());
    if (c == nullptr) continue;
    LatencyDistribution d;
    if (Status s = dist_from_json(*c, path + "." + name, &d); !s) return s;
    legs->legs[i] = d;
  }
  return Status::ok();
}

Status node_field(const ordered_json& j, const std::string& path, const char* name, int nodes, std::string* out) {
  const std::string at = path + "." + name;
  if (!j.is_object()) return Status::invalid(path + ": must be an object");
  if (!j.contains(name)) return Status::invalid(at + ": missing");
  if (!j[name].is_string()) return Status::invalid(at + ": must be a node name");
  *out = j[name].get<std::string>();
  NodeId id = 0;
  // Written as the plan names nodes ("n1", not "n01"): overrides are matched
  // by name, so another spelling would never apply.
  if (Status s = parse_node_name(*out, &id); !s || id < 1 || id > static_cast<NodeId>(nodes) || node_name(id) != *out) {
    return Status::invalid(at + ": no node '" + *out + "' in the cluster");
  }
  return Status::ok();
}

Status override_from_json(const ordered_json& j, const std::string& path, int nodes, LinkLatencyOverride* o) {
  if (Status s = node_field(j, path, "from", nodes, &o->from); !s) return s;
  if (Status s = node_field(j, path, "to", nodes, &o->to); !s) return s;
  ObjectReader r(j, path);
  r.child("from");
  r.child("to");
  if (o->from == o->to) return Status::invalid(path + ".to: a link joins two different nodes");
  if (Status s = legs_from_json(r, path, &o->legs); !s) return s;
  if (Status s = r.finish(); !s) return s;
  if (o->legs.empty()) return Status::invalid(path + ": sets no leg (write, ack, read, response, other)");
  return Status::ok();
}

}  // namespace

bool LegLatencies::empty() const {
  for (const auto& l : legs) {
    if (l) return false;
  }
  return true;
}

const LatencyDistribution* LinkLatency::find(NodeId from, NodeId to, MessageLeg leg) const {
  const std::string f = node_name(from), t = node_name(to);
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (it->from == f && it->to == t && it->legs[leg]) return &*it->legs[leg];
  }
  return defaults[leg] ? &*defaults[leg] : nullptr;
}

bool LinkLatency::any(NodeId from, NodeId to) const {
  for (int i = 0; i < kMessageLegCount; ++i) {
    if (find(from, to, static_cast<MessageLeg>(i)) != nullptr) return true;
  }
  return false;
}

bool LinkLatency::draw_ms(NodeId from, NodeId to, MessageLeg leg, Rng& rng, double* ms) const {
  const LatencyDistribution* d = find(from, to, leg);
  if (d == nullptr) return false;
  *ms = std::min(d->sample(rng), kLegDelayMsMax);
  return true;
}

std::string link_latency_to_json(const LinkLatency& l) {
  ordered_json j = ordered_json::object();
  legs_to_json(l.defaults, &j);
  if (!l.overrides.empty()) {
    ordered_json list = ordered_json::array();
    for (const LinkLatencyOverride& o : l.overrides) {
      ordered_json e = {{"from", o.from}, {"to", o.to}};
      legs_to_json(o.legs, &e);
      list.push_back(std::move(e));
    }
    j["overrides"] = std::move(list);
  }
  return j.dump();
}

Status link_latency_from_json(std::string_view text, const std::string& path, int nodes, LinkLatency* out) {
  const ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::invalid(path + ": not valid JSON");
  ObjectReader r(j, path);
  LinkLatency l;
  if (Status s = legs_from_json(r, path, &l.defaults); !s) return s;
  if (const ordered_json* list = r.child("overrides")) {
    if (!list->is_array()) return Status::invalid(path + ".overrides: must be an array");
    for (size_t i = 0; i < list->size(); ++i) {
      LinkLatencyOverride o;
      const std::string at = path + ".overrides[" + std::to_string(i) + "]";
      if (Status s = override_from_json((*list)[i], at, nodes, &o); !s) return s;
      l.overrides.push_back(std::move(o));
    }
  }
  if (Status s = r.finish(); !s) return s;
  *out = std::move(l);
  return Status::ok();
}

}  // namespace faultline
