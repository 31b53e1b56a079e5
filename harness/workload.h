// Workload: the concurrent clients of a run (DESIGN.md "The harness", step 3).
//
// plan.workload.clients worker threads, each with its own RESP connection to
// every node and its own Rng forked from plan.seed, together issue reads,
// writes and deletes at plan.workload.rate operations per second for
// plan.workload.duration_ms. Every operation goes to the history through
// execute_client_op.
//
// Process ids: worker w starts as process w. A process whose operation ended
// in info never issues again (its operation may still take effect at any
// time); the worker continues as process + clients, so ids never repeat.
// Written values are "<process>-<seq>", unique in the run.
//
// Thread-safety: run() blocks the calling thread; stop() may be called from
// any thread. The accessors are valid after run() returns.
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/history.h"
#include "core/lifecycle.h"
#include "core/plan.h"

namespace faultline {

class Workload {
 public:
  // Added to the node's own request timeout: the node answers -TIMEOUT
  // itself after request_timeout_ms, so the client waits a bit longer to
  // hear it rather than give up first.
  static constexpr int64_t kRequestMarginMs = kClientTimeoutMarginMs;

  // client_ports[i] is the client port of node n<i+1>. history: not owned.
  Workload(const Plan& plan, std::vector<int> client_ports, HistoryWriter* history);

  void run();
  void stop() { stop_.store(true); }

  // Keys some write or delete was invoked on.
  const std::set<std::string>& keys_written() const { return keys_written_; }
  // The smallest process id no worker has used.
  int64_t next_free_process() const { return next_free_process_; }

  // Operations completed so far (ok, fail or info), for a progress line.
  // Thread-safe, also while run() runs.
  int64_t ops_done() const { return ops_done_.load(std::memory_order_relaxed); }

  int64_t request_timeout_ms() const { return plan_.modes.request_timeout_ms + kRequestMarginMs; }

 private:
  struct WorkerResult {
    std::set<std::string> keys_written;
    int64_t last_process = 0;
  };
  void run_worker(int worker, uint64_t seed, WorkerResult* result);

  const Plan plan_;
  const std::vector<int> client_ports_;
  HistoryWriter* history_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> ops_done_{0};
  std::set<std::string> keys_written_;
  int64_t next_free_process_ = 0;
};

}  // namespace faultline
