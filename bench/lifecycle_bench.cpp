// Lifecycle timings: how long `faultline run` takes to get every
// node ready, and how long quiesce takes after the heal. Runs the real CLI
// several times per configuration and reads the figures it prints:
// - ready_ms: Cluster::start() until every node answered PING
//   ("cluster ready in N ms");
// - launch_ms: from starting the faultline process until that line arrived
//   (plan, run directory, proxies and nodes);
// - quiesce_ms: heal until hints are drained and one anti-entropy round
//   completed ("healed and quiesced in N ms").
// Configurations, measured side by side in one run: the default scenario
// (5 nodes, partition,kill,pause), the same without faults, and one node
// alone (the floor for ready). Prints min/median/max per figure and the
// ratios 5 nodes / 1 node (ready) and faults / no faults (quiesce).
// Not a test: no assertions on time.
//
// Usage: lifecycle_bench [tries] [duration_s]
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"

namespace faultline {
namespace {

struct Config {
  const char* name;
  const char* args;
};
constexpr Config kConfigs[] = {
    {"5 nodes, faults", "--nodes 5 --rf 3"},  // the default scenario: partition,kill,pause
    {"5 nodes, no faults", "--nodes 5 --rf 3 --faults none"},
    {"1 node, no faults", "--nodes 1 --rf 1 --faults none"},
};

struct Samples {
  std::vector<double> ready_ms, launch_ms, quiesce_ms;
};

// Reads the number after `prefix` in line into *out; false when absent.
bool number_after(const std::string& line, const std::string& prefix, double* out) {
  size_t at = line.find(prefix);
  if (at == std::string::npos) return false;
  *out = std::strtod(line.c_str() + at + prefix.size(), nullptr);
  return true;
}

// One run; appends its figures. False (and says why) when the run failed
// or printed neither line.
bool run_once(const std::string& cmd, Samples* samples) {
  const int64_t launched_ns = monotonic_now_ns();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return false;
  char buf[4096];
  std::string output;
  bool ready = false, quiesced = false;
  double v = 0;
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    std::string line = buf;
    output += line;
    if (!ready && number_after(line, "cluster ready in ", &v)) {
      ready = true;
      samples->ready_ms.push_back(v);
      samples->launch_ms.push_back(static_cast<double>(monotonic_now_ns() - launched_ns) / 1e6);
    }
    if (!quiesced && number_after(line, "healed and quiesced in ", &v)) {
      quiesced = true;
      samples->quiesce_ms.push_back(v);
    }
  }
  int status = ::pclose(p);
  // Exit 0 (valid) is expected: these are clean nodes in guaranteeing modes.
  if (!ready || !quiesced || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "lifecycle_bench: run failed: %s\n%s\n", cmd.c_str(), output.c_str());
    return false;
  }
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print_row(const char* config, const char* figure, const std::vector<double>& v) {
  std::printf("%-20s %-11s %8.0f %8.0f %8.0f %6zu\n", config, figure, *std::min_element(v.begin(), v.end()),
              median(v), *std::max_element(v.begin(), v.end()), v.size());
}

int bench_main(int argc, char** argv) {
  const int tries = argc > 1 ? std::atoi(argv[1]) : 5;
  const double duration_s = argc > 2 ? std::strtod(argv[2], nullptr) : 3;
  if (tries <= 0 || !(duration_s > 0)) {
    std::fprintf(stderr, "usage: lifecycle_bench [tries > 0] [duration_s > 0]\n");
    return 2;
  }
  const std::string faultline =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "faultline").string();
  char tmpl[] = "/tmp/faultline-lifecycle-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "lifecycle_bench: cannot create a directory in /tmp\n");
    return 1;
  }
  const std::string out_dir = tmpl;

  std::vector<Samples> samples(std::size(kConfigs));
  int failed = 0;
  // Interleaved, so load from other programs spreads over every configuration.
  for (int t = 0; t < tries; ++t) {
    for (size_t c = 0; c < std::size(kConfigs); ++c) {
      char duration[32];
      std::snprintf(duration, sizeof duration, "%g", duration_s);
      std::string cmd = faultline + " run " + kConfigs[c].args + " --duration " + duration + " --out " + out_dir;
      if (t == 0) std::printf("  $ %s\n", cmd.c_str());
      if (!run_once(cmd, &samples[c])) ++failed;
      std::fflush(stdout);
    }
  }
  std::printf("\n%d tries per configuration, workload %.1f s, %d failed\n", tries, duration_s, failed);
  std::printf("%-20s %-11s %8s %8s %8s %6s\n", "configuration", "figure", "min_ms", "median", "max_ms", "n");
  for (size_t c = 0; c < std::size(kConfigs); ++c) {
    const Samples& s = samples[c];
    if (s.ready_ms.empty()) continue;
    print_row(kConfigs[c].name, "ready_ms", s.ready_ms);
    print_row(kConfigs[c].name, "launch_ms", s.launch_ms);
    print_row(kConfigs[c].name, "quiesce_ms", s.quiesce_ms);
  }
  if (samples[0].ready_ms.empty() || samples[1].ready_ms.empty() || samples[2].ready_ms.empty()) return 1;
  std::printf("ratios of medians: ready 5 nodes / 1 node %.2f; quiesce faults / no faults %.2f\n",
              median(samples[1].ready_ms) / median(samples[2].ready_ms),
              median(samples[0].quiesce_ms) / median(samples[1].quiesce_ms));
  std::error_code ec;
  if (failed == 0) std::filesystem::remove_all(out_dir, ec);
  else std::printf("run directories kept in %s\n", out_dir.c_str());
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) { return faultline::bench_main(argc, argv); }
