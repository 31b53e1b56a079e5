// `faultline cluster`: start a cluster for hands-on use (redis-cli), print
// how to reach each node, stay up until SIGINT/SIGTERM/SIGHUP, then stop
// every node gracefully. The node directories stay for inspection.
#pragma once

#include <iosfwd>
#include <string>

#include "harness/run.h"

namespace faultline {

struct ClusterCommandOptions {
  RunOverrides overrides;  // nodes, rf, vnodes, read_cl, write_cl are used
  std::string dir;         // empty: a fresh /tmp/faultline-cluster-XXXXXX
  std::string node_bin;    // empty: next to this executable
};

// Must be called from the main thread before any other thread starts: it
// blocks the stop signals so that it can wait for them synchronously.
int cluster_command(const ClusterCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace faultline
