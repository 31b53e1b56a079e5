#include "sim/staleness_probe.h"

#include <algorithm>

#include "core/assert.h"

namespace faultline {

namespace {

ConsistencyLevel cl_of(int count, int nodes) {
  if (count == nodes) return ConsistencyLevel::kAll;
  FL_ASSERT(count == 1 || count == 2);
  return count == 1 ? ConsistencyLevel::kOne : ConsistencyLevel::kTwo;
}

}  // namespace

Plan staleness_probe_plan(const StalenessProbe& p) {
  Plan plan;
  plan.seed = p.seed;
  plan.cluster.nodes = p.nodes;
  plan.cluster.rf = p.nodes;
  plan.modes.read_repair = p.read_repair;
  plan.modes.digest_reads = p.digest_reads;
  plan.modes.hinted_handoff = p.hinted_handoff;
  plan.modes.anti_entropy = p.anti_entropy_interval_ms > 0;
  if (plan.modes.anti_entropy) plan.modes.anti_entropy_interval_ms = p.anti_entropy_interval_ms;
  plan.faults = p.faults;
  plan.workload.read_cl = cl_of(p.r, p.nodes);
  plan.workload.write_cl = cl_of(p.w, p.nodes);
  for (MessageLeg leg : {MessageLeg::kWrite, MessageLeg::kAck, MessageLeg::kRead, MessageLeg::kResponse}) {
    plan.latency.defaults[leg] = p.leg;
  }
  plan.probe.gap_ms = p.gap_ms;
  if (p.read_every_t) {
    plan.probe.t_ms = p.t_ms;
    plan.probe.rounds = p.reads_per_t;
    plan.probe.reads_per_key = static_cast<int>(p.t_ms.size());
    plan.probe.writes_per_key = p.k_staleness ? p.writes_per_key : 1;
    plan.probe.write_quorum_only = p.k_staleness;
  } else if (p.k_staleness) {
    plan.probe.t_ms = {0};
    plan.probe.rounds = p.reads_per_t;
    plan.probe.writes_per_key = p.writes_per_key;
    plan.probe.write_quorum_only = true;
  } else {
    plan.probe.t_ms = p.t_ms;
    plan.probe.rounds = p.reads_per_t * static_cast<int64_t>(p.t_ms.size());
  }
  return plan;
}

WarsConfig staleness_probe_model(const StalenessProbe& p) {
  WarsConfig c;
  c.n = p.nodes;
  c.r = p.r;
  c.w = p.w;
  c.write_leg = c.ack_leg = c.read_leg = c.response_leg = p.leg;
  c.coordinator_is_replica = true;
  c.read_contacts_all = false;
  return c;
}

std::vector<double> staleness_probe_model_t(const StalenessProbe& p) {
  std::vector<double> t;
  for (int64_t ms : p.t_ms) t.push_back(static_cast<double>(ms) + kProbeReadStartOffsetMs);
  return t;
}

std::string staleness_probe_repair(const StalenessProbe& p) {
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " ") + part; };
  if (p.read_repair != ReadRepair::kNone) add("rr=" + std::string(to_string(p.read_repair)));
  if (p.digest_reads) add("digest");
  if (p.anti_entropy_interval_ms > 0) add("ae=" + std::to_string(p.anti_entropy_interval_ms) + "ms");
  if (p.hinted_handoff) add("hints");
  return out.empty() ? "none" : out;
}

int64_t staleness_probe_expected_ms(const StalenessProbe& p) {
  const int64_t t_max = p.t_ms.empty() ? 0 : *std::max_element(p.t_ms.begin(), p.t_ms.end());
  const int64_t rounds = p.read_every_t || p.k_staleness ? p.reads_per_t
                                                         : p.reads_per_t * static_cast<int64_t>(p.t_ms.size());
  const int64_t t_each = p.read_every_t ? t_max : (p.k_staleness ? 0 : t_max / 2);
  return rounds * (t_each + p.gap_ms);
}

}  // namespace faultline
