#include "checker/identity.h"

namespace faultline {

Status check_plan_node(const std::string& name, const Plan& plan) {
  NodeId id = 0;
  Status s = parse_node_name(name, &id);
  if (!s) return s;
  if (id > static_cast<NodeId>(plan.cluster.nodes)) {
    return Status::invalid("node '" + name + "' is not in the plan (nodes n1 to n" +
                           std::to_string(plan.cluster.nodes) + ")");
  }
  return Status::ok();
}

Status check_plan_coordinator(const Version& v, const Plan& plan) {
  if (v.coordinator_id >= 1 && v.coordinator_id <= static_cast<NodeId>(plan.cluster.nodes)) return Status::ok();
  return Status::invalid("version " + v.to_string() + " names coordinator " + std::to_string(v.coordinator_id) +
                         ", not a node of the plan (1 to " + std::to_string(plan.cluster.nodes) + ")");
}

Status check_op_identity(const HistoryOp& op, const Plan& plan) {
  if (op.is_nemesis()) return Status::ok();
  if (!op.node.empty()) {
    if (Status s = check_plan_node(op.node, plan); !s) return Status::invalid("'node': " + s.message());
  }
  if (op.version) return check_plan_coordinator(*op.version, plan);
  return Status::ok();
}

}  // namespace faultline
