#include "harness/cluster_command.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <filesystem>
#include <ostream>
#include <system_error>

#include "harness/cluster.h"

namespace faultline {

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

}  // namespace faultline
