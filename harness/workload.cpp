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
  Rng rng(seed);
  KeyPicker keys(w.key_distribution, w.keys);
  std::vector<std::unique_ptr<RespClient>> conns;
  for (int port : client_ports_) conns.push_back(std::make_unique<RespClient>(port));

  // Each worker carries rate / clients of the load, paced to a fixed
  // schedule. A worker that falls behind (slow replies) skips the missed
  // slots instead of bursting to catch up.
  // validate_plan bounds the rate, so the interval fits (1024 clients at
  // the lowest rate: about 10^15 ns).
  FL_ASSERT(w.rate >= kWorkloadRateMin);
  FL_ASSERT(w.rate <= kWorkloadRateMax);
  const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 * w.clients / w.rate));
  const auto end = SteadyClock::now() + std::chrono::milliseconds(w.duration_ms);
  // Spread the workers' first operations over one interval.
  auto next = SteadyClock::now() + interval * worker / w.clients;
  int64_t process = worker;
  int64_t seq = 0;
  while (!stop_.load()) {
    // Never past the end: at a low rate the next slot can lie long after it.
    std::this_thread::sleep_until(std::min(next, end));
    if (SteadyClock::now() >= end || stop_.load()) break;
    next += interval;
    if (next < SteadyClock::now()) next = SteadyClock::now();

    ClientRequest req;
    req.process = process;
    req.f = pick_operation(w, &rng);
    req.key = keys.pick(&rng);
    req.cl = req.f == "read" ? w.read_cl : w.write_cl;
    if (req.f == "write") req.value = std::to_string(process) + "-" + std::to_string(seq++);
    if (req.f != "read") result->keys_written.insert(req.key);
    size_t node = rng.uniform(conns.size());

    HistoryOp done = execute_client_op(req, node_name(static_cast<NodeId>(node + 1)), conns[node].get(),
                                       request_timeout_ms(), history_);
    ops_done_.fetch_add(1, std::memory_order_relaxed);
    if (done.type == OpType::kInfo) {
      process += w.clients;
      seq = 0;
    }
  }
  result->last_process = process;
}

}  // namespace faultline
