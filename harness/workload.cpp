#include "harness/workload.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "core/plan_limits.h"
#include "core/assert.h"
#include "core/clock.h"
#include "core/rng.h"
#include "core/types.h"
#include "core/workload_draw.h"
#include "harness/client_op.h"
#include "harness/resp_client.h"

namespace faultline {

namespace {

using SteadyClock = std::chrono::steady_clock;

}  // namespace

Workload::Workload(const Plan& plan, std::vector<int> client_ports, HistoryWriter* history)
    : plan_(plan), client_ports_(std::move(client_ports)), history_(history) {
  FL_ASSERT(!client_ports_.empty());
}

void Workload::run() {
  const int clients = plan_.workload.clients;
  // Forked in order on this thread, so each worker's stream depends only on
  // the seed and its index, never on thread scheduling.
  const std::vector<uint64_t> seeds = worker_seeds(plan_);
  std::vector<WorkerResult> results(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  for (int w = 0; w < clients; ++w) {
    threads.emplace_back([this, w, &seeds, &results] { run_worker(w, seeds[w], &results[w]); });
  }
  for (auto& t : threads) t.join();
  next_free_process_ = 0;
  for (const auto& r : results) {
    keys_written_.insert(r.keys_written.begin(), r.keys_written.end());
    next_free_process_ = std::max(next_free_process_, r.last_process + 1);
  }
}

void Workload::run_worker(int worker, uint64_t seed, WorkerResult* result) {
  const WorkloadSpec& w = plan_.workload;
  WorkerDraw draw(plan_, worker, seed);
  std::vector<std::unique_ptr<RespClient>> conns;
  for (int port : client_ports_) conns.push_back(std::make_unique<RespClient>(port));
  FL_ASSERT(conns.size() == static_cast<size_t>(plan_.cluster.nodes));

  // Each worker carries rate / clients of the load, paced to a fixed
  // schedule. A worker that falls behind (slow replies) skips the missed
  // slots instead of bursting to catch up.
  // validate_plan bounds the rate, so the interval fits (1024 clients at
  // the lowest rate: about 10^15 ns).
  FL_ASSERT(w.rate >= kWorkloadRateMin);
  FL_ASSERT(w.rate <= kWorkloadRateMax);
  const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 * w.clients / w.rate));
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::milliseconds(w.duration_ms);
  auto elapsed_ms = [start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
  };
  // Spread the workers' first operations over one interval.
  auto next = SteadyClock::now() + interval * worker / w.clients;
  while (!stop_.load()) {
    // Never past the end: at a low rate the next slot can lie long after it.
    std::this_thread::sleep_until(std::min(next, end));
    if (SteadyClock::now() >= end || stop_.load()) break;
    next += interval;
    if (next < SteadyClock::now()) next = SteadyClock::now();

    const DrawnOp op = draw.next(elapsed_ms());
    const size_t node = op.node - 1;
    HistoryOp done = execute_client_op(op, node_name(op.node), conns[node].get(), request_timeout_ms(), history_);
    ops_done_.fetch_add(1, std::memory_order_relaxed);
    draw.completed(op, done.type, done.error, elapsed_ms());
  }
  result->keys_written = draw.keys_written();
  result->last_process = draw.process();
}

}  // namespace faultline
