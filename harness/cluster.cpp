#include "harness/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "core/assert.h"
#include "core/clock.h"
#include "core/file_io.h"
#include "core/link_latency.h"
#include "core/node_config.h"
#include "faults/clock_skew.h"
#include "faults/peer_frame_splitter.h"
#include "faults/process_faults.h"
#include "harness/child_process.h"
#include "harness/resp_client.h"
#include "node/peer_auth.h"

namespace faultline {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kPollIntervalMs = 20;
constexpr int64_t kPingTimeoutMs = 500;
constexpr int kLogTailLines = 8;

bool clean_exit(const std::string& how) { return how == "exit status 0"; }

std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > kLogTailLines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += "\n    " + l;
  return out;
}

}  // namespace

Status fetch_node_status(const NodeProcess& n, int64_t timeout_ms, NodeStatus* out) {
  RespClient client(n.client_port);
  RespValue reply;
  Status s = client.call({"FL.STATUS"}, timeout_ms, &reply);
  if (!s) return Status::unavailable(n.name + ": FL.STATUS: " + s.message());
  if (reply.type != RespValue::Type::kBulk) return Status::io(n.name + ": FL.STATUS: unexpected reply");
  s = node_status_from_json(reply.str, out);
  if (!s) return Status::invalid(n.name + ": " + s.message());
  return Status::ok();
}

// Binds count distinct loopback ports at once (so none repeats), then frees
// them for the nodes. Another program may grab one in between: start()
// retries when a node then fails to bind.
Status pick_free_ports(size_t count, std::vector<int>* ports) {
  std::vector<int> fds;
  Status status;
  for (size_t i = 0; i < count && status; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = Status::io(std::string("socket: ") + std::strerror(errno));
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = Status::io(std::string("picking a free port: ") + std::strerror(errno));
      break;
    }
    ports->push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return status;
}

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)) {
  const int n = options_.plan.cluster.nodes;
  for (int i = 1; i <= n; ++i) {
    NodeProcess p;
    p.id = static_cast<NodeId>(i);
    p.name = node_name(p.id);
    p.dir = (fs::path(options_.dir) / "nodes" / p.name).string();
    nodes_.push_back(p);
  }
}

Cluster::~Cluster() {
  if (running_) stop();
}

const NodeProcess& Cluster::node(NodeId id) const {
  FL_ASSERT(id >= 1);
  FL_ASSERT(id <= nodes_.size());
  return nodes_[id - 1];
}

NodeId Cluster::node_id(const std::string& name) const {
  NodeId id = 0;
  // Names come from a validated plan (validate_plan checks every target).
  const Status parsed = parse_node_name(name, &id);
  FL_ASSERT(parsed.is_ok());
  FL_ASSERT(id >= 1);
  FL_ASSERT(id <= nodes_.size());
  return id;
}

Status Cluster::find_node_bin(const std::string& given, std::string* out) {
  *out = given;
  if (out->empty()) {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return Status::not_found("cannot read /proc/self/exe; pass --node-bin");
    *out = (self.parent_path() / "faultline-node").string();
  }
  if (::access(out->c_str(), X_OK) != 0) {
    return Status::not_found("node binary " + *out + " is missing or not executable (build it, or pass --node-bin)");
  }
  return Status::ok();
}

Status Cluster::start() {
  FL_ASSERT(!running_);
  const int64_t started_ns = monotonic_now_ns();
  Status s = find_node_bin(options_.node_bin, &node_bin_);
  if (!s) return s;
  for (int attempt = 1; attempt <= kStartAttemptsMax; ++attempt) {
    bool retry = false;
    s = start_attempt(&retry);
    if (s) {
      running_ = true;
      ready_ms_ = (monotonic_now_ns() - started_ns) / 1000000;
      return s;
    }
    stop();
    if (!retry) break;
  }
  return s;
}

Status Cluster::start_attempt(bool* retry) {
  Status s = assign_ports();
  if (s && options_.link_proxy) s = start_proxy();
  if (s && options_.faketime) s = check_faketime_available();
  for (auto& n : nodes_) {
    if (!s) break;
    std::error_code ec;
    fs::create_directories(n.data_dir(), ec);
    if (ec) return Status::io("cannot create " + n.data_dir() + ": " + ec.message());
    if (options_.faketime) s = write_clock_offset(n.clock_path(), 0);
    if (s) s = write_config(n);
    if (s) s = spawn(&n);
  }
  // Stop() must reap whatever did start, even when a later spawn failed.
  running_ = true;
  if (!s) return s;
  return wait_ready(retry);
}

Status Cluster::assign_ports() {
  std::vector<int> ports;
  Status s = pick_free_ports(2 * nodes_.size(), &ports);
  if (!s) return s;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    nodes_[i].client_port = ports[2 * i];
    nodes_[i].peer_port = ports[2 * i + 1];
  }
  return Status::ok();
}

// A fresh proxy per attempt: the nodes' peer ports changed.
Status Cluster::start_proxy() {
  proxy_.reset();
  proxy_ports_.clear();
  auto proxy = std::make_unique<LinkProxy>(options_.plan.seed);
  for (const auto& from : nodes_) {
    for (const auto& to : nodes_) {
      if (from.id == to.id) continue;
      int port = 0;
      Status s = proxy->add_link(from.id, to.id, to.peer_port, &port);
      if (!s) return s;
      proxy_ports_[{from.id, to.id}] = port;
    }
  }
  // Every peer connection is authenticated (docs/protocol.md): a hello,
  // then frames each with its tag.
  if (!options_.plan.latency.empty()) {
    proxy->set_leg_latency(options_.plan.latency, PeerFraming{PeerAuth::kHelloBytes, PeerAuth::kTagBytes});
  }
  proxy->start();
  proxy_ = std::move(proxy);
  return Status::ok();
}

Status Cluster::write_config(const NodeProcess& n) const {
  NodeConfig c = node_config_for_plan(options_.plan);
  c.fault_hooks = options_.fault_hooks;
  c.id = n.id;
  c.client_port = n.client_port;
  c.peer_port = n.peer_port;
  c.data_dir = n.data_dir();
  c.events_path = n.dir + "/events.jsonl";
  for (const auto& other : nodes_) {
    if (other.id == n.id) continue;
    const int port = options_.link_proxy ? proxy_ports_.at({n.id, other.id}) : other.peer_port;
    c.peers.push_back(PeerAddress{other.id, "127.0.0.1", port});
  }
  c.cluster_secret = cluster_secret_;
  return write_file_atomic(n.config_path(), node_config_to_json(c));
}

Status Cluster::spawn(NodeProcess* n) {
  ChildSpec spec{node_bin_, {"--config", n->config_path()}, {}, n->log_path(), /*append_log=*/true};
  if (options_.faketime) spec.env = faketime_env(n->clock_path());
  pid_t pid = 0;
  if (Status s = spawn_child(spec, &pid); !s) return Status::io(n->name + ": " + s.message());
  n->pid = pid;
  return Status::ok();
}

Status Cluster::wait_ready(bool* retry) {
  Deadline deadline = Deadline::after_ms(kReadyTimeoutMs);
  for (auto& n : nodes_) {
    RespClient client(n.client_port);
    // Ready means answering PING and seeing every peer up: before that, the
    // first requests would fail with -UNAVAILABLE and the run would start
    // with spurious failures.
    std::string waiting_for = "answer PING";
    for (;;) {
      RespValue reply;
      Status s = client.call({"PING"}, kPingTimeoutMs, &reply);
      if (s && reply.type == RespValue::Type::kSimple && reply.str == "PONG") {
        waiting_for = "see its peers up";
        NodeStatus status;
        s = fetch_node_status(n, kPingTimeoutMs, &status);
        if (s && status.all_peers_up()) break;
        if (s.code() == Status::Code::kInvalid) return s;  // a malformed status will not improve
      }
      // Any node, not only this one: a peer that died (its port taken) keeps
      // this one from seeing its peers up until the deadline.
      for (auto& gone : nodes_) {
        if (gone.pid <= 0 || !wait_exited(gone.pid, 0)) continue;
        std::string how = reap_child(gone.pid);
        gone.pid = 0;
        // An early exit is most often a port another program took after we
        // picked it: worth another attempt with fresh ports.
        *retry = true;
        return Status::unavailable("node " + gone.name + " exited (" + how + ") before it was ready; see " +
                                   gone.log_path() + log_tail(gone.log_path()));
      }
      if (deadline.expired()) {
        return Status::timeout("node " + n.name + " (client port " + std::to_string(n.client_port) + ") did not " +
                               waiting_for + " within " + std::to_string(kReadyTimeoutMs) + " ms; see " +
                               n.log_path() + log_tail(n.log_path()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
    }
  }
  return Status::ok();
}

Status Cluster::stop() {
  for (auto& n : nodes_) {
    if (n.pid <= 0) continue;
    // A stopped process keeps SIGTERM pending until it is continued.
    if (n.paused) ::kill(-n.pid, SIGCONT);
    n.paused = false;
    ::kill(-n.pid, SIGTERM);
  }
  std::string problems;
  for (auto& n : nodes_) {
    Status s = stop_node(&n);
    if (!s) problems += (problems.empty() ? "" : "; ") + s.message();
  }
  running_ = false;
  if (proxy_) proxy_->stop();
  if (!problems.empty()) return Status::io(problems);
  return Status::ok();
}

Status Cluster::stop_node(NodeProcess* n) {
  if (n->pid <= 0) return Status::ok();
  const pid_t pid = n->pid;
  bool graceful = wait_exited(pid, kStopTimeoutMs);
  if (!graceful) {
    ::kill(-pid, SIGKILL);
    if (!wait_exited(pid, kKillTimeoutMs)) {
      // Unkillable within the bound (e.g. stuck in the kernel): keep it in
      // the registry so exit handlers try again, and say so.
      return Status::io(n->name + " (pid " + std::to_string(pid) + ") survived SIGKILL");
    }
  }
  // Whatever the node spawned dies with its group.
  ::kill(-pid, SIGKILL);
  std::string how = reap_child(pid);
  n->pid = 0;
  if (!graceful) return Status::io(n->name + " ignored SIGTERM for " + std::to_string(kStopTimeoutMs) + " ms; killed");
  if (!clean_exit(how)) return Status::io(n->name + " did not exit cleanly on SIGTERM (" + how + "); see " + n->log_path());
  return Status::ok();
}

Status Cluster::kill_node(NodeId id) {
  NodeProcess& n = nodes_[node(id).id - 1];
  if (n.pid <= 0) return Status::unavailable(n.name + " is already down");
  n.paused = false;  // SIGKILL ends a stopped process too
  if (Status s = kill_group(n.pid, kKillTimeoutMs, n.name); !s) return s;
  reap_child(n.pid);
  n.pid = 0;
  return Status::ok();
}

Status Cluster::wipe_node(NodeId id) {
  Status killed = kill_node(id);
  const NodeProcess& n = node(id);
  if (n.pid > 0) return killed;  // never delete the data of a running node
  if (Status s = wipe_directory(n.data_dir()); !s) return s;
  return killed;  // "already down" is still worth recording
}

Status Cluster::restart_node(NodeId id) {
  NodeProcess& n = nodes_[node(id).id - 1];
  if (n.pid > 0) return Status::unavailable(n.name + " is already running");
  Status s = spawn(&n);
  if (s) s = wait_answers_ping(&n);
  if (s && n.disk_failing) s = send_disk_fault(n);
  return s;
}

Status Cluster::wait_answers_ping(NodeProcess* n) {
  Deadline deadline = Deadline::after_ms(kReadyTimeoutMs);
  RespClient client(n->client_port);
  for (;;) {
    RespValue reply;
    Status s = client.call({"PING"}, kPingTimeoutMs, &reply);
    if (s && reply.type == RespValue::Type::kSimple && reply.str == "PONG") return Status::ok();
    if (wait_exited(n->pid, 0)) {
      std::string how = reap_child(n->pid);
      n->pid = 0;
      return Status::unavailable(n->name + " exited (" + how + ") after a restart; see " + n->log_path() +
                                 log_tail(n->log_path()));
    }
    if (deadline.expired()) {
      return Status::timeout(n->name + " did not answer PING within " + std::to_string(kReadyTimeoutMs) +
                             " ms of a restart; see " + n->log_path());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollIntervalMs));
  }
}

Status Cluster::pause_node(NodeId id) {
  NodeProcess& n = nodes_[node(id).id - 1];
  if (n.pid <= 0) return Status::unavailable(n.name + " is down");
  if (n.paused) return Status::unavailable(n.name + " is already paused");
  if (Status s = stop_group(n.pid, n.name); !s) return s;
  n.paused = true;
  return Status::ok();
}

Status Cluster::resume_node(NodeId id) {
  NodeProcess& n = nodes_[node(id).id - 1];
  if (n.pid <= 0) return Status::unavailable(n.name + " is down");
  if (!n.paused) return Status::unavailable(n.name + " is not paused");
  if (Status s = continue_group(n.pid, n.name); !s) return s;
  n.paused = false;
  // The disk state set while it was stopped (set_disk_failing); requests
  // queued during the pause may still meet the state before it.
  if (options_.fault_hooks) return send_disk_fault(n);
  return Status::ok();
}

Status Cluster::set_clock_offset_ms(NodeId id, int64_t offset_ms) {
  if (!options_.faketime) return Status::invalid("clock faults need a cluster started with faketime");
  return write_clock_offset(node(id).clock_path(), offset_ms);
}

Status Cluster::set_disk_failing(NodeId id, bool failing) {
  if (!options_.fault_hooks) return Status::invalid("disk faults need a cluster started with fault_hooks");
  NodeProcess& n = nodes_[node(id).id - 1];
  n.disk_failing = failing;
  if (n.pid <= 0) return Status::ok();  // applied by restart_node
  // A stopped node cannot answer: the command would time out, delay every
  // later fault and land whenever the node resumes. resume_node applies it.
  if (n.paused) return Status::ok();
  return send_disk_fault(n);
}

Status Cluster::send_disk_fault(const NodeProcess& n) {
  RespClient client(n.client_port);
  RespValue reply;
  Status s = client.call({"FL.FAULT", "DISK", n.disk_failing ? "ERROR" : "OK"}, kPingTimeoutMs, &reply);
  if (!s) return Status::io(n.name + ": FL.FAULT DISK: " + s.message());
  if (reply.type != RespValue::Type::kSimple || reply.str != "OK") {
    return Status::io(n.name + ": FL.FAULT DISK answered " + reply.str);
  }
  return Status::ok();
}

}  // namespace faultline
