// One client operation as a client sends it, and the history records that
// carry it (DESIGN.md "History"): its invoke, and what every completion
// repeats from it. The workload draw (core/workload_draw.h), the real
// clients (harness/client_op.h) and the simulator's (sim/plan_sim.cpp) all
// use these, so an operation is recorded alike in real and simulated runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/history.h"
#include "core/types.h"

namespace faultline {

struct ClientRequest {
  int64_t process = 0;
  std::string f;                     // "read" | "write" | "delete"
  std::string key;
  std::optional<std::string> value;  // write only
  ConsistencyLevel cl = ConsistencyLevel::kQuorum;
};

// Sets on `op` what each record of `req` repeats from it: process, f, key,
// and a write's value (a read's value is what the reply carries).
void set_request_fields(const ClientRequest& req, HistoryOp* op);

// The invoke record of `req` sent to `node` ("n2"); index and time are the
// caller's or the writer's.
HistoryOp invoke_of(const ClientRequest& req, const std::string& node);

}  // namespace faultline
