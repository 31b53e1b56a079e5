// `faultline cluster`: start a cluster for hands-on use (redis-cli), print
// how to reach each node, stay up until SIGINT/SIGTERM/SIGHUP, then stop
// every node gracefully. The node directories stay for inspection.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>

#include "harness/cli/subcommand.h"
#include "harness/cluster.h"
#include "harness/options.h"
#include "harness/run.h"

namespace faultline {
namespace {

struct ClusterCommandOptions {
  RunOverrides overrides;  // nodes, rf, vnodes, read_cl, write_cl and modes are used
  std::string dir;         // empty: a fresh /tmp/faultline-cluster-XXXXXX
  std::string node_bin;    // empty: next to this executable
};

// Must run on the main thread before any other thread starts: it blocks the
// stop signals so that it can wait for them synchronously.
int cluster_command(const ClusterCommandOptions& options, std::ostream& out, std::ostream& err) {
  // Blocked (not handled): the signal then waits for sigwait below, and the
  // cluster is stopped gracefully instead of killed by the exit handlers.
  // Nodes unblock them for themselves before exec (cluster.cpp).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, sig);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Plan plan;
  std::string node_bin;
  if (int rc = resolve_plan_and_node_bin(options.overrides, options.node_bin, "faultline cluster", err, &plan,
                                         &node_bin)) {
    return rc;
  }
  Status s;
  std::string dir = options.dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/faultline-cluster-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      err << "faultline cluster: cannot create a directory in /tmp\n";
      return kExitHarnessError;
    }
    dir = tmpl;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec) s = write_plan_file(dir + "/plan.json", plan);
  if (ec || !s) {
    err << "faultline cluster: cannot use " << dir << ": " << (ec ? ec.message() : s.message()) << "\n";
    return kExitHarnessError;
  }

  Cluster cluster(ClusterOptions{node_bin, dir, plan});
  s = cluster.start();
  if (!s) {
    err << "faultline cluster: cluster did not start: " << s.message() << "\n";
    return kExitHarnessError;
  }
  for (const auto& n : cluster.nodes()) {
    out << n.name << " client=" << n.client_port << " peer=" << n.peer_port << " pid=" << n.pid
        << "    redis-cli -p " << n.client_port << "\n";
  }
  out << "cluster ready: " << cluster.size() << " nodes, rf " << plan.cluster.rf << ", directory " << dir
      << "; Ctrl-C stops it" << std::endl;

  int sig = 0;
  ::sigwait(&stop_signals, &sig);
  out << "faultline cluster: " << ::strsignal(sig) << "; stopping " << cluster.size() << " nodes" << std::endl;
  s = cluster.stop();
  if (!s) {
    err << "faultline cluster: " << s.message() << "\n";
    return kExitHarnessError;
  }
  out << "faultline cluster: stopped; logs in " << dir << "/nodes" << std::endl;
  return 0;
}

struct ClusterCommandFlags {
  ClusterFlags cluster;
  std::string dir;
};

SubcommandRun setup(CLI::App* app) {
  auto f = std::make_shared<ClusterCommandFlags>();
  add_cluster_flags(app, &f->cluster);
  app->add_option("--dir", f->dir, "directory for the nodes (default: a new /tmp/faultline-cluster-*)");
  return [f](const Invocation&) {
    ClusterCommandOptions options;
    collect_cluster_flags(f->cluster, &options.overrides);
    options.node_bin = f->cluster.node_bin;
    options.dir = f->dir;
    return cluster_command(options, std::cout, std::cerr);
  };
}

const bool registered = register_subcommand(
    {"cluster", "start a cluster for redis-cli; Ctrl-C stops it", 30, Needs::kChildProcesses, setup});

}  // namespace
}  // namespace faultline
