// Simulator speed against real processes, measured in one run: the default
// scenario of the README (5 nodes, rf 3, 20 s of workload at 200
// operations/s, the default faults, anti-entropy on) simulated and checked
// (sim/sim_check.h, what explore pays per plan) on one thread and on every
// core, and the same plan run on real processes by `faultline run --plan`.
// Each simulated run varies only the plan's seed (the workload's choices),
// seeds 1..runs; the real runs use seed 1's plan.
//
// Prints runs per second (one thread, all threads, per core), virtual
// seconds per wall second per core, and the ratio of a real run's wall time
// to a simulated run's on one core (issue 17's goal: at least 1000).
// Not a test: no assertions on time.
//
// Usage: sim_bench [sim_runs] [real_runs] [threads]
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "harness/run.h"
#include "sim/sim_check.h"

namespace faultline {
namespace {

double seconds_since(int64_t start_ns) { return static_cast<double>(monotonic_now_ns() - start_ns) / 1e9; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct SimTotals {
  std::atomic<int64_t> runs{0}, failed{0}, operations{0}, virtual_ms{0};
};

// Simulates and checks the plan with seeds next, next+1, ... until `runs`
// are taken (shared by the threads); wall seconds of each in *walls.
void sim_worker(const Plan& base, int runs, std::atomic<int>* next, SimTotals* totals, std::vector<double>* walls) {
  for (int i; (i = next->fetch_add(1)) < runs;) {
    Plan plan = base;
    plan.seed = static_cast<uint64_t>(i) + 1;
    SimCheckResult r;
    const int64_t start = monotonic_now_ns();
    Status s = simulate_and_check(plan, SimCheckOptions{}, &r);
    walls->push_back(seconds_since(start));
    if (!s || r.verdict.value != VerdictValue::kValid) {
      ++totals->failed;
      std::fprintf(stderr, "sim_bench: seed %d: %s\n", i + 1,
                   s ? std::string(to_string(r.verdict.value)).c_str() : s.message().c_str());
    }
    ++totals->runs;
    totals->operations += r.summary.operations;
    totals->virtual_ms += r.summary.virtual_ms;
  }
}

struct SimFigures {
  double wall_s = 0, median_run_s = 0;
  int64_t runs = 0, failed = 0, operations = 0, virtual_ms = 0;
};

SimFigures simulate(const Plan& base, int runs, int threads) {
  SimTotals totals;
  std::atomic<int> next{0};
  std::vector<std::vector<double>> walls(static_cast<size_t>(threads));
  const int64_t start = monotonic_now_ns();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back(sim_worker, std::cref(base), runs, &next, &totals, &walls[static_cast<size_t>(t)]);
  }
  for (auto& t : pool) t.join();
  SimFigures f;
  f.wall_s = seconds_since(start);
  std::vector<double> all;
  for (const auto& w : walls) all.insert(all.end(), w.begin(), w.end());
  f.median_run_s = all.empty() ? 0 : median(all);
  f.runs = totals.runs;
  f.failed = totals.failed;
  f.operations = totals.operations;
  f.virtual_ms = totals.virtual_ms;
  return f;
}

void print_sim(const char* label, int threads, const SimFigures& f) {
  const double per_s = static_cast<double>(f.runs) / f.wall_s;
  std::printf("%-22s %7d %6lld %9.2f %9.2f %12.1f %10.0f %9.1f\n", label, threads, static_cast<long long>(f.runs),
              per_s, per_s / threads, f.median_run_s * 1000, static_cast<double>(f.operations) / f.wall_s,
              static_cast<double>(f.virtual_ms) / 1000 / f.wall_s / threads);
}

// Wall seconds of `faultline run --plan plan_file`; negative when it could
// not run or ended with a harness error.
double real_run(const std::string& faultline, const std::string& plan_file, const std::string& out_dir) {
  const std::string cmd = faultline + " run --plan " + plan_file + " --out " + out_dir + " >/dev/null 2>&1";
  std::printf("  $ %s\n", cmd.c_str());
  std::fflush(stdout);
  const int64_t start = monotonic_now_ns();
  int status = std::system(cmd.c_str());
  double wall = seconds_since(start);
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 2) {
    std::fprintf(stderr, "sim_bench: the real run failed (status %d)\n", status);
    return -1;
  }
  return wall;
}

int bench_main(int argc, char** argv) {
  const int sim_runs = argc > 1 ? std::atoi(argv[1]) : 40;
  const int real_runs = argc > 2 ? std::atoi(argv[2]) : 1;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = argc > 3 ? std::atoi(argv[3]) : cores;
  if (sim_runs <= 0 || real_runs < 0 || threads <= 0) {
    std::fprintf(stderr, "usage: sim_bench [sim_runs > 0] [real_runs >= 0] [threads > 0]\n");
    return 2;
  }
  Plan base;
  if (Status s = resolve_plan(RunOverrides{}, &base); !s) {
    std::fprintf(stderr, "sim_bench: default plan: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("default scenario: %d nodes, rf %d, %.0f s at %.0f ops/s, %zu faults; %d cores\n", base.cluster.nodes,
              base.cluster.rf, static_cast<double>(base.workload.duration_ms) / 1000, base.workload.rate,
              base.faults.size(), cores);
  std::printf("%-22s %7s %6s %9s %9s %12s %10s %9s\n", "simulated + checked", "threads", "runs", "runs/s",
              "per_core", "median_ms", "ops/s", "virt_x");
  SimFigures one = simulate(base, sim_runs, 1);
  print_sim("one thread", 1, one);
  SimFigures many = simulate(base, sim_runs, threads);
  print_sim("every core", threads, many);
  std::fflush(stdout);

  char tmpl[] = "/tmp/faultline-sim-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "sim_bench: cannot create a directory in /tmp\n");
    return 1;
  }
  const std::string dir = tmpl;
  Plan first = base;
  first.seed = 1;
  if (Status s = write_plan_file(dir + "/plan.json", first); !s) {
    std::fprintf(stderr, "sim_bench: %s\n", s.message().c_str());
    return 1;
  }
  const std::string faultline =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "faultline").string();
  std::vector<double> real;
  for (int i = 0; i < real_runs; ++i) {
    double wall = real_run(faultline, dir + "/plan.json", dir + "/runs");
    if (wall < 0) return 1;
    real.push_back(wall);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  const double sim_run_s = one.wall_s / static_cast<double>(one.runs);
  std::printf("sim runs not valid: %lld of %lld\n", static_cast<long long>(one.failed + many.failed),
              static_cast<long long>(one.runs + many.runs));
  if (real.empty()) return 0;
  const double real_s = median(real);
  std::printf("real run (faultline run --plan, seed 1): median %.2f s wall over %zu\n", real_s, real.size());
  std::printf("speed-up, real wall / simulated wall on one core: %.0fx (goal 1000x)\n", real_s / sim_run_s);
  return 0;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) { return faultline::bench_main(argc, argv); }
