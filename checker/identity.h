// Cross-file identity: every node name and coordinator id the history and
// the final dumps mention must be a node of plan.json (n1..nN). A history
// or dump from another cluster, or a version whose coordinator no node of
// the run could have stamped, is evidence about something else: the checker
// refuses it (unknown, naming file and line) instead of judging it.
//
// Pure functions; errors as values, the caller adds where.
#pragma once

#include <string>

#include "core/history.h"
#include "core/plan.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

// `name` ("n2") names a node of the plan.
Status check_plan_node(const std::string& name, const Plan& plan);
// `v`'s coordinator is a node of the plan (ids 1..nodes).
Status check_plan_coordinator(const Version& v, const Plan& plan);
// A client operation's coordinator ("node") and version against the plan.
Status check_op_identity(const HistoryOp& op, const Plan& plan);

}  // namespace faultline
