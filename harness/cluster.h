// Cluster: a set of real faultline-node processes on loopback, started from a
// Plan, each in its own process group with a parent-death signal, so none
// outlives the harness (DESIGN.md, "The harness", step 2).
//
// Layout under options.dir: nodes/<name>/config.json, nodes/<name>/data/,
// nodes/<name>/events.jsonl, nodes/<name>/node.log (stdout and stderr,
// appended so a restarted node keeps its earlier log).
//
// Ownership: the Cluster owns its node processes; the destructor stops them.
// Every live node is also in ChildRegistry, so a signal or a fatal error
// anywhere in the harness kills them too.
//
// Parent-death signal caveat: Linux delivers PR_SET_PDEATHSIG when the
// *thread* that forked the child exits. Call start() / start_node() from a
// thread that lives as long as the cluster (the main thread in `faultline`).
//
// Thread-safety: none; one thread drives a Cluster. The accessors of
// NodeProcess are constant while the cluster runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

struct ClusterOptions {
  std::string node_bin;  // path of faultline-node; empty: find_node_bin("")
  std::string dir;       // run directory; nodes/<name>/ are created under it
  Plan plan;             // cluster, modes, default CLs and bugs come from here
};

struct NodeProcess {
  NodeId id = 0;
  std::string name;  // "n1"
  std::string dir;   // <dir>/nodes/n1
  int client_port = 0;
  int peer_port = 0;
  pid_t pid = 0;     // 0 when not running; also the process group id

  std::string config_path() const { return dir + "/config.json"; }
  std::string log_path() const { return dir + "/node.log"; }
};

class Cluster {
 public:
  // Bounds on process lifecycle waits.
  static constexpr int64_t kReadyTimeoutMs = 15000;
  static constexpr int64_t kStopTimeoutMs = 5000;
  static constexpr int64_t kKillTimeoutMs = 2000;
  // Free-port picking can race with other programs binding the same port;
  // a start whose node exits early is retried with fresh ports.
  static constexpr int kStartAttemptsMax = 3;

  explicit Cluster(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Picks ports, writes configs, spawns every node and waits until each
  // answers PING. On failure every started node is stopped and the Status
  // names the node and points at its node.log.
  Status start();
  // SIGTERM to every node's process group, bounded wait, then SIGKILL.
  // Returns an error naming nodes that had to be killed or exited non-zero.
  Status stop();

  const std::vector<NodeProcess>& nodes() const { return nodes_; }
  const NodeProcess& node(NodeId id) const;  // id in 1..size()
  int size() const { return static_cast<int>(nodes_.size()); }
  bool running() const { return running_; }

  // `given`, or when empty the faultline-node next to the running
  // executable (/proc/self/exe); not_found unless it is executable.
  static Status find_node_bin(const std::string& given, std::string* out);

 private:
  Status start_attempt(bool* retry);
  Status assign_ports();
  Status write_config(const NodeProcess& n) const;
  Status spawn(NodeProcess* n);
  Status wait_ready(bool* retry);
  // Signals, waits and reaps one node; returns its wait status text.
  Status stop_node(NodeProcess* n);

  const ClusterOptions options_;
  std::string node_bin_;  // resolved by start()
  std::vector<NodeProcess> nodes_;
  bool running_ = false;
};

}  // namespace faultline
