#include "sim/staleness_probe.h"

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
  plan.modes.read_repair = ReadRepair::kNone;
  plan.modes.hinted_handoff = false;
  plan.modes.anti_entropy = false;
  plan.workload.read_cl = cl_of(p.r, p.nodes);
  plan.workload.write_cl = cl_of(p.w, p.nodes);
  for (MessageLeg leg : {MessageLeg::kWrite, MessageLeg::kAck, MessageLeg::kRead, MessageLeg::kResponse}) {
    plan.latency.defaults[leg] = p.leg;
  }
  plan.probe.gap_ms = p.gap_ms;
  if (p.k_staleness) {
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

}  // namespace faultline
