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
// Faults: with options.link_proxy every node reaches each peer
// through the LinkProxy listener of that directed pair (faults/link_proxy.h);
// with options.faketime every node runs under libfaketime with its own clock
// control file (faults/clock_skew.h). kill/restart/pause/resume/wipe act on
// the process groups the cluster started; stop() resumes paused nodes first,
// so SIGTERM reaches them.
//
// Thread-safety: none; one thread drives a Cluster (restart_node forks, so
// the parent-death caveat above applies to it too). The accessors of
// NodeProcess are constant while the cluster runs, except pid and paused,
// which the process faults change.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/node_config.h"
#include "core/node_status.h"
#include "core/plan.h"
#include "core/status.h"
#include "core/types.h"
#include "faults/fault_kinds.h"
#include "faults/link_proxy.h"
#include "faults/nemesis.h"

namespace faultline {

// Binds count distinct loopback ports at once (so none repeats), then frees
// them for the caller; another program may take one before it binds it.
Status pick_free_ports(size_t count, std::vector<int>* ports);

struct ClusterOptions {
  std::string node_bin;  // path of faultline-node; empty: find_node_bin("")
  std::string dir;       // run directory; nodes/<name>/ are created under it
  Plan plan;             // cluster, modes, default CLs and bugs come from here
  bool link_proxy = false;  // peer traffic through a LinkProxy (partition, delay)
  bool faketime = false;    // libfaketime in every node (clock)
  bool fault_hooks = false; // nodes accept FL.FAULT (disk)
};

struct NodeProcess {
  NodeId id = 0;
  std::string name;  // "n1"
  std::string dir;   // <dir>/nodes/n1
  int client_port = 0;
  int peer_port = 0;
  pid_t pid = 0;     // 0 when not running; also the process group id
  bool paused = false;  // SIGSTOPped by pause_node
  bool disk_failing = false;  // set_disk_failing(true) in force; re-applied on restart

  std::string data_dir() const { return dir + "/data"; }
  std::string clock_path() const { return dir + "/faketime"; }  // libfaketime control file
  std::string config_path() const { return dir + "/config.json"; }
  std::string log_path() const { return dir + "/node.log"; }
};

// One FL.STATUS of n (core/node_status.h). unavailable or io when the node
// does not answer as a node; invalid, naming the node and the field, when
// the reply does not read as the format says.
Status fetch_node_status(const NodeProcess& n, int64_t timeout_ms, NodeStatus* out);

// Implements FaultedCluster (faults/nemesis.h): the process faults of
// faults/fault_kinds.h act on the process groups this cluster started, the
// link faults on its link proxy.
class Cluster : public FaultedCluster {
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
  NodeId node_id(const std::string& name) const;  // asserts it names a node
  int size() const override { return static_cast<int>(nodes_.size()); }
  bool running() const { return running_; }
  // Milliseconds the last successful start() took, from its call until every
  // node answered PING (port retries included); 0 before one succeeded.
  int64_t ready_ms() const { return ready_ms_; }

  // Process faults. Each returns a non-ok Status, saying why, when the node
  // is not in a state the fault applies to (killing a node that is down);
  // the nemesis records that and carries on.
  Status kill_node(NodeId id) override;     // SIGKILL its group and reap it; data kept
  Status wipe_node(NodeId id) override;     // kill_node, then delete its data directory
  // Spawns a stopped node again with its config (and whatever data is left),
  // waiting until it answers PING (peers may be partitioned away).
  Status restart_node(NodeId id) override;
  Status pause_node(NodeId id) override;    // SIGSTOP its group
  Status resume_node(NodeId id) override;   // SIGCONT its group
  // Needs options.faketime; takes effect at the node's next clock read.
  Status set_clock_offset_ms(NodeId id, int64_t offset_ms) override;
  // Needs options.fault_hooks: FL.FAULT DISK ERROR|OK on the node's client
  // port. On a node that is down only the state is kept: restart_node
  // applies it once the node answers PING (a peer may replay a hint to it
  // in between, before the fault is back; the simulator has no such gap).
  Status set_disk_failing(NodeId id, bool failing) override;
  // The link proxy (null without options.link_proxy or before start()).
  LinkProxy* proxy() { return proxy_.get(); }
  LinkControl* links() override { return proxy_.get(); }
  bool paused(NodeId id) const override { return node(id).paused; }
  bool down(NodeId id) const override { return node(id).pid <= 0; }

  // `given`, or when empty the faultline-node next to the running
  // executable (/proc/self/exe); not_found unless it is executable.
  static Status find_node_bin(const std::string& given, std::string* out);

 private:
  Status start_attempt(bool* retry);
  Status assign_ports();
  Status write_config(const NodeProcess& n) const;
  Status spawn(NodeProcess* n);
  Status wait_ready(bool* retry);
  Status start_proxy();
  Status wait_answers_ping(NodeProcess* n);
  Status send_disk_fault(const NodeProcess& n);  // FL.FAULT DISK with n.disk_failing
  // Signals, waits and reaps one node; returns its wait status text.
  Status stop_node(NodeProcess* n);

  const ClusterOptions options_;
  // One per cluster, in every node's config: peers prove they know it.
  const std::string cluster_secret_ = generate_cluster_secret();
  std::string node_bin_;  // resolved by start()
  std::vector<NodeProcess> nodes_;
  std::unique_ptr<LinkProxy> proxy_;  // one per start attempt
  std::map<std::pair<NodeId, NodeId>, int> proxy_ports_;  // (from, to) -> its listener
  bool running_ = false;
  int64_t ready_ms_ = 0;
};

}  // namespace faultline
