// Cluster throughput and latency: redis-benchmark GET and SET with
// 8 and 50 clients against one node of a 5-node, RF 3, QUORUM faultline
// cluster whose peer traffic crosses the link proxies (the cluster a faulted
// `faultline run` starts), and against a redis-server on the same machine, in
// the same run. Prints requests/s, p50 and p99 latency per test and the ratio
// faultline / redis-server. Not a test: no assertions on time.
//
// Both servers get the same redis-benchmark command (random keys over
// kKeyspace, 3-byte values), except -n: redis-server is about ten times
// faster, so each gets its own request count to run for a few seconds.
//
// Usage: cluster_bench [node_requests] [redis_requests]
// Needs redis-server and redis-benchmark on PATH (scripts/setup.sh).
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "harness/child_registry.h"
#include "harness/cluster.h"
#include "harness/resp_client.h"

namespace faultline {
namespace {

constexpr int kKeyspace = 100000;        // redis-benchmark -r
constexpr int64_t kRedisReadyTimeoutMs = 5000;
constexpr int64_t kPingTimeoutMs = 200;
constexpr int64_t kRedisStopTimeoutMs = 5000;
constexpr int kClientCounts[] = {8, 50};

struct Figures {
  double rps = 0, p50_ms = 0, p99_ms = 0;
};
// "SET" / "GET" -> figures, from one redis-benchmark --csv run.
using Results = std::map<std::string, Figures>;

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
    cells.push_back(cell);
  }
  return cells;
}

// Parses redis-benchmark --csv: a header row naming the columns, then one
// row per test. Lines not starting with a quote (warnings) are skipped.
Status parse_benchmark_csv(const std::string& text, Results* out) {
  std::istringstream in(text);
  std::string line;
  std::map<std::string, size_t> column;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() != '"') continue;
    std::vector<std::string> cells = split_csv_line(line);
    if (column.empty()) {
      for (size_t i = 0; i < cells.size(); ++i) column[cells[i]] = i;
      for (const char* need : {"test", "rps", "p50_latency_ms", "p99_latency_ms"}) {
        if (!column.count(need)) return Status::invalid(std::string("redis-benchmark --csv: no column ") + need);
      }
      continue;
    }
    if (cells.size() != column.size()) return Status::invalid("redis-benchmark --csv: malformed row: " + line);
    Figures f;
    f.rps = std::strtod(cells[column["rps"]].c_str(), nullptr);
    f.p50_ms = std::strtod(cells[column["p50_latency_ms"]].c_str(), nullptr);
    f.p99_ms = std::strtod(cells[column["p99_latency_ms"]].c_str(), nullptr);
    (*out)[cells[column["test"]]] = f;
  }
  if (out->size() != 2) return Status::invalid("redis-benchmark printed no SET/GET rows:\n" + text);
  return Status::ok();
}

Status run_benchmark(int port, int clients, int requests, Results* out) {
  std::string cmd = "redis-benchmark -h 127.0.0.1 -p " + std::to_string(port) + " -t set,get -c " +
                    std::to_string(clients) + " -n " + std::to_string(requests) + " -r " + std::to_string(kKeyspace) +
                    " --csv 2>&1";
  std::printf("  $ %s\n", cmd.c_str());
  std::fflush(stdout);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return Status::io("cannot start redis-benchmark");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = ::pclose(p);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Status::io("redis-benchmark failed:\n" + text);
  return parse_benchmark_csv(text, out);
}

// A redis-server on a free loopback port, without persistence, in its own
// process group registered with ChildRegistry; stopped by its pid.
class RedisServer {
 public:
  Status start(const std::string& dir) {
    std::vector<int> ports;
    Status s = pick_free_ports(1, &ports);
    if (!s) return s;
    port_ = ports[0];
    std::string port = std::to_string(port_), log = dir + "/redis.log";
    pid_ = ::fork();
    if (pid_ < 0) return Status::io("fork failed");
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--logfile", log.c_str(), "--dir", dir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
    ChildRegistry::add(pid_);
    Deadline deadline = Deadline::after_ms(kRedisReadyTimeoutMs);
    while (!deadline.expired()) {
      RespClient c(port_);
      RespValue reply;
      if (c.call({"PING"}, kPingTimeoutMs, &reply)) return Status::ok();
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        ChildRegistry::remove(pid_);
        pid_ = 0;
        return Status::io("redis-server exited at start (is it installed? scripts/setup.sh); see " + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Status::timeout("redis-server did not answer PING within " + std::to_string(kRedisReadyTimeoutMs) +
                           " ms; see " + log);
  }
  void stop() {
    if (pid_ == 0) return;
    ::kill(pid_, SIGTERM);
    Deadline deadline = Deadline::after_ms(kRedisStopTimeoutMs);
    int status = 0;
    bool reaped = false;
    while (!(reaped = ::waitpid(pid_, &status, WNOHANG) == pid_) && !deadline.expired()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    ChildRegistry::remove(pid_);
    pid_ = 0;
  }
  ~RedisServer() { stop(); }
  int port() const { return port_; }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

int positive_arg(int argc, char** argv, int i, int fallback) {
  if (argc <= i) return fallback;
  int v = std::atoi(argv[i]);
  if (v <= 0) {
    std::fprintf(stderr, "cluster_bench: argument %d ('%s') must be a positive request count\n", i, argv[i]);
    std::exit(2);
  }
  return v;
}

int bench_main(int argc, char** argv) {
  const int node_requests = positive_arg(argc, argv, 1, 20000);
  const int redis_requests = positive_arg(argc, argv, 2, 200000);
  ChildRegistry::install_exit_handlers();
  char tmpl[] = "/tmp/faultline-cluster-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "cluster_bench: cannot create a directory in /tmp\n");
    return 1;
  }
  const std::string dir = tmpl;

  RedisServer redis;
  Status s = redis.start(dir);
  if (!s) {
    std::fprintf(stderr, "cluster_bench: %s\n", s.message().c_str());
    return 1;
  }
  Plan plan;  // defaults: 5 nodes, rf 3, QUORUM reads and writes, blocking read repair, hints
  plan.seed = 1;
  ClusterOptions options{"", dir, plan};
  options.link_proxy = true;
  Cluster cluster(options);
  s = cluster.start();
  if (!s) {
    std::fprintf(stderr, "cluster_bench: cluster did not start: %s\n", s.message().c_str());
    return 1;
  }
  const int node_port = cluster.node(1).client_port;
  std::printf("faultline: %d nodes, rf %d, QUORUM, peer links through the proxy, n1 on port %d, -n %d\n",
              cluster.size(), plan.cluster.rf, node_port, node_requests);
  std::printf("redis-server: port %d, --save \"\" --appendonly no, -n %d\n", redis.port(), redis_requests);

  std::map<int, Results> node, server;
  for (int clients : kClientCounts) {
    if (!(s = run_benchmark(node_port, clients, node_requests, &node[clients]))) break;
    if (!(s = run_benchmark(redis.port(), clients, redis_requests, &server[clients]))) break;
  }
  Status stopped = cluster.stop();
  redis.stop();
  if (!s) {
    std::fprintf(stderr, "cluster_bench: %s\n(directory kept: %s)\n", s.message().c_str(), dir.c_str());
    return 1;
  }
  if (!stopped) std::fprintf(stderr, "cluster_bench: warning: %s\n", stopped.message().c_str());

  std::printf("\n%-6s %7s | %10s %7s %7s | %10s %7s %7s | %7s %7s %7s\n", "test", "clients", "fl_rps", "fl_p50",
              "fl_p99", "redis_rps", "r_p50", "r_p99", "rps", "p50", "p99");
  for (int clients : kClientCounts) {
    for (const char* test : {"SET", "GET"}) {
      const Figures& f = node[clients][test];
      const Figures& r = server[clients][test];
      std::printf("%-6s %7d | %10.0f %7.3f %7.3f | %10.0f %7.3f %7.3f | %7.3f %7.2f %7.2f\n", test, clients, f.rps,
                  f.p50_ms, f.p99_ms, r.rps, r.p50_ms, r.p99_ms, f.rps / r.rps, f.p50_ms / r.p50_ms,
                  f.p99_ms / r.p99_ms);
    }
  }
  std::printf("latencies in ms; last three columns: faultline / redis-server\n");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) { return faultline::bench_main(argc, argv); }
