#include "core/plan.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/bugs.h"
#include "core/file_io.h"
#include "core/json_reader.h"
#include "core/merkle_hash.h"
#include "core/plan_limits.h"

namespace faultline {

using nlohmann::ordered_json;

std::string_view to_string(ReadRepair m) {
  switch (m) {
    case ReadRepair::kNone: return "none";
    case ReadRepair::kAsync: return "async";
    case ReadRepair::kBlocking: return "blocking";
  }
  return "?";
}

std::string_view to_string(QuorumMode m) { return m == QuorumMode::kStrict ? "strict" : "sloppy"; }

std::string_view to_string(KeyDistribution d) {
  switch (d) {
    case KeyDistribution::kUniform: return "uniform";
    case KeyDistribution::kZipfian: return "zipfian";
    case KeyDistribution::kHotKey: return "hot-key";
    case KeyDistribution::kFresh: return "fresh";
  }
  return "?";
}

std::string_view to_string(Routing r) {
  switch (r) {
    case Routing::kRandom: return "random";
    case Routing::kPinned: return "pinned";
    case Routing::kFailover: return "failover";
  }
  return "?";
}

Status parse_routing(std::string_view s, Routing* out) {
  if (s == "random") *out = Routing::kRandom;
  else if (s == "pinned") *out = Routing::kPinned;
  else if (s == "failover") *out = Routing::kFailover;
  else return Status::invalid("unknown routing '" + std::string(s) + "' (random, pinned, failover)");
  return Status::ok();
}

Status parse_read_repair(std::string_view s, ReadRepair* out) {
  if (s == "none") *out = ReadRepair::kNone;
  else if (s == "async") *out = ReadRepair::kAsync;
  else if (s == "blocking") *out = ReadRepair::kBlocking;
  else return Status::invalid("unknown read repair mode '" + std::string(s) + "' (none, async, blocking)");
  return Status::ok();
}

Status parse_quorum_mode(std::string_view s, QuorumMode* out) {
  if (s == "strict") *out = QuorumMode::kStrict;
  else if (s == "sloppy") *out = QuorumMode::kSloppy;
  else return Status::invalid("unknown quorum mode '" + std::string(s) + "' (strict, sloppy)");
  return Status::ok();
}

Status parse_key_distribution(std::string_view s, KeyDistribution* out) {
  if (s == "uniform") *out = KeyDistribution::kUniform;
  else if (s == "zipfian") *out = KeyDistribution::kZipfian;
  else if (s == "hot-key") *out = KeyDistribution::kHotKey;
  else if (s == "fresh") *out = KeyDistribution::kFresh;
  else return Status::invalid("unknown key distribution '" + std::string(s) + "' (uniform, zipfian, hot-key, fresh)");
  return Status::ok();
}

namespace {

Status read_fault(const ordered_json& j, const std::string& path, FaultEvent* f) {
  ObjectReader r(j, path);
  r.get("start_ms", &f->start_ms);
  r.get("duration_ms", &f->duration_ms);
  r.get("kind", &f->kind);
  if (const auto* t = r.child("targets")) {
    if (!t->is_array()) {
      r.fail("targets", "must be an array of node names");
    } else {
      for (const auto& e : *t) {
        if (!e.is_string()) {
          r.fail("targets", "must be an array of node names");
          break;
        }
        f->targets.push_back(e.get<std::string>());
      }
    }
  }
  if (const auto* p = r.child("params")) {
    if (!p->is_object()) r.fail("params", "must be an object");
    else f->params_json = p->dump();
  }
  return r.finish();
}

Status probe_from_json(const ordered_json& j, ProbeSpec* probe) {
  ObjectReader r(j, "probe");
  r.require({"t_ms", "rounds"});
  if (const auto* t = r.child("t_ms")) {
    if (!t->is_array() || t->empty()) {
      r.fail("t_ms", "must be a non-empty array of integers >= 0");
    } else {
      for (const auto& e : *t) {
        if (!json_integer_fits<int64_t>(e) || e.get<int64_t>() < 0 || e.get<int64_t>() > kWorkloadDurationMsMax) {
          r.fail("t_ms", "must be a non-empty array of integers >= 0");
          break;
        }
        probe->t_ms.push_back(e.get<int64_t>());
      }
    }
  }
  r.get("rounds", &probe->rounds);
  r.get("writes_per_key", &probe->writes_per_key);
  r.get("gap_ms", &probe->gap_ms);
  r.get("write_quorum_only", &probe->write_quorum_only);
  r.get("reads_per_key", &probe->reads_per_key);
  return r.finish();
}

}  // namespace

std::string plan_to_json(const Plan& p) {
  ordered_json j;
  j["format_version"] = kPlanFormatVersion;
  j["seed"] = p.seed;
  j["cluster"] = {{"nodes", p.cluster.nodes}, {"rf", p.cluster.rf}, {"vnodes", p.cluster.vnodes}};
  j["modes"] = modes_to_json(p.modes);
  const WorkloadSpec& w = p.workload;
  j["workload"] = {{"clients", w.clients},
                   {"keys", w.keys},
                   {"rate", w.rate},
                   {"duration_ms", w.duration_ms},
                   {"read_cl", to_string(w.read_cl)},
                   {"write_cl", to_string(w.write_cl)},
                   {"read_fraction", w.read_fraction},
                   {"write_fraction", w.write_fraction},
                   {"delete_fraction", w.delete_fraction},
                   {"key_distribution", to_string(w.key_distribution)},
                   {"value_bytes_min", w.value_bytes_min},
                   {"value_bytes_max", w.value_bytes_max},
                   {"routing", to_string(w.routing)},
                   {"read_recent_share", w.read_recent_share}};
  j["faults"] = ordered_json::array();
  for (const auto& f : p.faults) {
    j["faults"].push_back({{"start_ms", f.start_ms},
                           {"duration_ms", f.duration_ms},
                           {"kind", f.kind},
                           {"targets", f.targets},
                           {"params", ordered_json::parse(f.params_json)}});
  }
  j["bugs"] = p.bugs;
  if (!p.latency.empty()) j["latency"] = ordered_json::parse(link_latency_to_json(p.latency));
  if (p.probe.enabled()) {
    j["probe"] = {{"t_ms", p.probe.t_ms},
                  {"rounds", p.probe.rounds},
                  {"writes_per_key", p.probe.writes_per_key},
                  {"gap_ms", p.probe.gap_ms},
                  {"write_quorum_only", p.probe.write_quorum_only}};
    // Only when set, so plans from before it keep their text byte for byte.
    if (p.probe.reads_per_key != 1) j["probe"]["reads_per_key"] = p.probe.reads_per_key;
  }
  return j.dump(2) + "\n";
}

Status plan_from_json(std::string_view text, Plan* out) {
  ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Status::invalid("plan is not valid JSON");
  Plan p;
  ObjectReader r(j, "");
  int format_version = kPlanFormatVersion;
  r.get("format_version", &format_version);
  if (format_version != kPlanFormatVersion) r.fail("format_version", "unsupported plan format version");
  r.get("seed", &p.seed);
  Status s;
  if (const auto* c = r.child("cluster")) {
    ObjectReader cr(*c, "cluster");
    cr.get("nodes", &p.cluster.nodes);
    cr.get("rf", &p.cluster.rf);
    cr.get("vnodes", &p.cluster.vnodes);
    if (!(s = cr.finish())) return s;
  }
  if (const auto* c = r.child("modes")) {
    if (!(s = modes_from_json(*c, "modes", &p.modes))) return s;
  }
  if (const auto* c = r.child("workload")) {
    ObjectReader wr(*c, "workload");
    WorkloadSpec& w = p.workload;
    wr.get("clients", &w.clients);
    wr.get("keys", &w.keys);
    wr.get("rate", &w.rate);
    wr.get("duration_ms", &w.duration_ms);
    wr.get_enum("read_cl", &w.read_cl, parse_consistency_level);
    wr.get_enum("write_cl", &w.write_cl, parse_consistency_level);
    wr.get("read_fraction", &w.read_fraction);
    wr.get("write_fraction", &w.write_fraction);
    wr.get("delete_fraction", &w.delete_fraction);
    wr.get_enum("key_distribution", &w.key_distribution, parse_key_distribution);
    // Optional (absent in plans written before them): the defaults are the
    // workload of those plans.
    wr.get("value_bytes_min", &w.value_bytes_min);
    wr.get("value_bytes_max", &w.value_bytes_max);
    wr.get_enum("routing", &w.routing, parse_routing);
    wr.get("read_recent_share", &w.read_recent_share);
    if (!(s = wr.finish())) return s;
  }
  if (const auto* f = r.child("faults")) {
    if (!f->is_array()) {
      r.fail("faults", "must be an array");
    } else {
      for (size_t i = 0; i < f->size(); ++i) {
        FaultEvent e;
        if (!(s = read_fault((*f)[i], "faults[" + std::to_string(i) + "]", &e))) return s;
        p.faults.push_back(std::move(e));
      }
    }
  }
  if (const auto* b = r.child("bugs")) {
    if (!b->is_array()) {
      r.fail("bugs", "must be an array of bug names");
    } else {
      for (const auto& e : *b) {
        if (!e.is_string()) return Status::invalid("bugs: must be an array of bug names");
        p.bugs.push_back(e.get<std::string>());
      }
    }
  }
  if (const auto* l = r.child("latency")) {
    // Node names are bounded by the cluster in validate_plan.
    if (!(s = link_latency_from_json(l->dump(), "latency", kPlanNodesMax, &p.latency))) return s;
  }
  if (const auto* c = r.child("probe")) {
    if (!(s = probe_from_json(*c, &p.probe))) return s;
  }
  if (!(s = r.finish())) return s;
  if (!(s = validate_plan(p))) return s;
  *out = std::move(p);
  return Status::ok();
}

ordered_json modes_to_json(const ModeSpec& m) {
  return {{"read_repair", to_string(m.read_repair)},
          {"digest_reads", m.digest_reads},
          {"hinted_handoff", m.hinted_handoff},
          {"quorum", to_string(m.quorum)},
          {"anti_entropy", m.anti_entropy},
          {"anti_entropy_interval_ms", m.anti_entropy_interval_ms},
          {"merkle_depth", m.merkle_depth},
          {"gc_grace_ms", m.gc_grace_ms},
          {"hint_window_ms", m.hint_window_ms},
          {"fsync", m.fsync},
          {"request_timeout_ms", m.request_timeout_ms}};
}

Status modes_from_json(const ordered_json& j, const std::string& path, ModeSpec* m) {
  ObjectReader mr(j, path);
  mr.get_enum("read_repair", &m->read_repair, parse_read_repair);
  mr.get("digest_reads", &m->digest_reads);
  mr.get("hinted_handoff", &m->hinted_handoff);
  mr.get_enum("quorum", &m->quorum, parse_quorum_mode);
  mr.get("anti_entropy", &m->anti_entropy);
  mr.get("anti_entropy_interval_ms", &m->anti_entropy_interval_ms);
  mr.get("merkle_depth", &m->merkle_depth);
  mr.get("gc_grace_ms", &m->gc_grace_ms);
  mr.get("hint_window_ms", &m->hint_window_ms);
  mr.get("fsync", &m->fsync);
  mr.get("request_timeout_ms", &m->request_timeout_ms);
  return mr.finish();
}

namespace {

Status bad_field(const std::string& field, const std::string& why) { return Status::invalid(field + ": " + why); }

std::string range_text(int64_t min, int64_t max) {
  return "must be in " + std::to_string(min) + ".." + std::to_string(max);
}

Status validate_modes(const ModeSpec& m) {
  if (m.anti_entropy_interval_ms < kAntiEntropyIntervalMsMin || m.anti_entropy_interval_ms > kAntiEntropyIntervalMsMax) {
    return bad_field("modes.anti_entropy_interval_ms", range_text(kAntiEntropyIntervalMsMin, kAntiEntropyIntervalMsMax));
  }
  if (m.merkle_depth < kMerkleDepthMin || m.merkle_depth > kMerkleDepthMax) {
    return bad_field("modes.merkle_depth", range_text(kMerkleDepthMin, kMerkleDepthMax));
  }
  if (m.gc_grace_ms < 0 || m.gc_grace_ms > kModeWindowMsMax) return bad_field("modes.gc_grace_ms", range_text(0, kModeWindowMsMax));
  if (m.hint_window_ms < 0 || m.hint_window_ms > kModeWindowMsMax) {
    return bad_field("modes.hint_window_ms", range_text(0, kModeWindowMsMax));
  }
  if (m.request_timeout_ms < 1 || m.request_timeout_ms > kRequestTimeoutMsMax) {
    return bad_field("modes.request_timeout_ms", range_text(1, kRequestTimeoutMsMax));
  }
  return Status::ok();
}

Status validate_workload(const WorkloadSpec& w) {
  if (w.clients < 1 || w.clients > 1024) return bad_field("workload.clients", "must be in 1..1024");
  if (w.keys < 1) return bad_field("workload.keys", "must be >= 1");
  // A rate outside the bounds would make the pacing interval overflow or
  // round to nothing (1e-300 ops/s once ran forever).
  if (!(w.rate >= kWorkloadRateMin && w.rate <= kWorkloadRateMax)) {
    return bad_field("workload.rate", "must be in [0.001, 1000000] operations per second");
  }
  if (w.duration_ms < 0 || w.duration_ms > kWorkloadDurationMsMax) {
    return bad_field("workload.duration_ms", range_text(0, kWorkloadDurationMsMax) + " (a week)");
  }
  if (w.read_cl == ConsistencyLevel::kAny) return bad_field("workload.read_cl", "ANY is for writes only");
  if (w.value_bytes_min < 0 || w.value_bytes_min > kPlanValueBytesMax) {
    return bad_field("workload.value_bytes_min", range_text(0, kPlanValueBytesMax));
  }
  if (w.value_bytes_max < w.value_bytes_min || w.value_bytes_max > kPlanValueBytesMax) {
    return bad_field("workload.value_bytes_max", "must be in workload.value_bytes_min.." + std::to_string(kPlanValueBytesMax));
  }
  if (!(w.read_recent_share >= 0 && w.read_recent_share <= 1)) {
    return bad_field("workload.read_recent_share", "must be in [0, 1]");
  }
  for (double f : {w.read_fraction, w.write_fraction, w.delete_fraction}) {
    if (f < 0 || f > 1) return bad_field("workload", "operation fractions must be in [0, 1]");
  }
  if (std::abs(w.read_fraction + w.write_fraction + w.delete_fraction - 1.0) > 1e-6) {
    return bad_field("workload", "read_fraction + write_fraction + delete_fraction must be 1");
  }
  return Status::ok();
}

Status validate_fault(const FaultEvent& f, const std::string& at, int nodes) {
  if (f.kind.empty()) return bad_field(at + ".kind", "must be set");
  if (f.start_ms < 0 || f.start_ms > kWorkloadDurationMsMax) return bad_field(at + ".start_ms", range_text(0, kWorkloadDurationMsMax));
  if (f.duration_ms < 0 || f.duration_ms > kWorkloadDurationMsMax) {
    return bad_field(at + ".duration_ms", range_text(0, kWorkloadDurationMsMax));
  }
  for (const auto& t : f.targets) {
    NodeId id;
    Status s = parse_node_name(t, &id);
    if (!s) return bad_field(at + ".targets", s.message());
    if (id > static_cast<NodeId>(nodes)) return bad_field(at + ".targets", "no node " + t + " in the cluster");
  }
  return Status::ok();
}


Status validate_latency(const LinkLatency& l, int nodes) {
  for (size_t i = 0; i < l.overrides.size(); ++i) {
    const std::string at = "latency.overrides[" + std::to_string(i) + "]";
    for (const auto& [field, name] : {std::pair{"from", &l.overrides[i].from}, {"to", &l.overrides[i].to}}) {
      NodeId id = 0;
      if (!parse_node_name(*name, &id) || id > static_cast<NodeId>(nodes)) {
        return bad_field(at + "." + field, "no node " + *name + " in the cluster");
      }
    }
  }
  return Status::ok();
}

Status validate_probe(const ProbeSpec& probe, const ClusterSpec& cluster) {
  if (!probe.enabled()) return Status::ok();
  if (probe.write_quorum_only && cluster.nodes != cluster.rf) {
    return bad_field("probe.write_quorum_only", "needs cluster.nodes == cluster.rf (every node a replica of every key)");
  }
  if (probe.rounds < 1 || probe.rounds > kProbeRoundsMax) return bad_field("probe.rounds", range_text(1, kProbeRoundsMax));
  if (probe.writes_per_key < 1 || probe.writes_per_key > kProbeWritesPerKeyMax) {
    return bad_field("probe.writes_per_key", range_text(1, kProbeWritesPerKeyMax));
  }
  if (probe.gap_ms < 0 || probe.gap_ms > kWorkloadDurationMsMax) return bad_field("probe.gap_ms", range_text(0, kWorkloadDurationMsMax));
  if (probe.reads_per_key < 1 || probe.reads_per_key > kProbeReadsPerKeyMax) {
    return bad_field("probe.reads_per_key", range_text(1, kProbeReadsPerKeyMax));
  }
  return Status::ok();
}

}  // namespace

Status validate_plan(const Plan& p) {
  if (p.cluster.nodes < 1 || p.cluster.nodes > kPlanNodesMax) return bad_field("cluster.nodes", "must be in 1..64");
  if (p.cluster.rf < 1 || p.cluster.rf > p.cluster.nodes) return bad_field("cluster.rf", "must be in 1..cluster.nodes");
  if (p.cluster.vnodes < 1 || p.cluster.vnodes > 256) return bad_field("cluster.vnodes", "must be in 1..256");
  if (Status s = validate_modes(p.modes); !s) return s;
  if (Status s = validate_workload(p.workload); !s) return s;
  BugSet bugs;
  if (Status b = BugSet::parse(p.bugs, &bugs); !b) return bad_field("bugs", b.message());
  for (size_t i = 0; i < p.faults.size(); ++i) {
    if (Status s = validate_fault(p.faults[i], "faults[" + std::to_string(i) + "]", p.cluster.nodes); !s) return s;
  }
  if (Status s = validate_latency(p.latency, p.cluster.nodes); !s) return s;
  return validate_probe(p.probe, p.cluster);
}

Status read_plan_file(const std::string& path, Plan* out) {
  std::string text;
  if (!read_file(path, &text)) return Status::not_found("cannot open plan " + path);
  Status s = plan_from_json(text, out);
  if (!s) return Status::invalid(path + ": " + s.message());
  return Status::ok();
}

Status write_plan_file(const std::string& path, const Plan& plan) { return write_file_atomic(path, plan_to_json(plan)); }

}  // namespace faultline
