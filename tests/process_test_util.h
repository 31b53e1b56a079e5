// Helpers for the tests that spawn faultline and faultline-node processes:
// where the binaries are, scratch directories, running a command, and
// whether a process is really gone. Header-only: every tests/*_test.cpp is
// its own executable.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/node_status.h"
#include "core/test_util.h"
#include "core/resp.h"
#include "harness/cluster.h"
#include "harness/resp_client.h"

namespace faultline {
// gtest prints RespValues in failures as the bytes a node would send.
inline void PrintTo(const RespValue& v, std::ostream* os) { *os << resp_encode(v); }
}  // namespace faultline

namespace faultline::testing {

// build/bin, from CTest's FAULTLINE_BIN_DIR, else beside this test binary
// (tests land in build/bin too).
inline std::string bin_dir() {
  if (const char* dir = std::getenv("FAULTLINE_BIN_DIR")) return dir;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
}
inline std::string faultline_bin() { return bin_dir() + "/faultline"; }
inline std::string node_bin() { return bin_dir() + "/faultline-node"; }

// A fresh directory under /tmp, removed when the test passed and kept (and
// named) when it failed, so the evidence survives.
class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/faultline-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~ScratchDir() {
    if (::testing::Test::HasFailure()) {
      std::fprintf(stderr, "kept scratch directory %s\n", path_.c_str());
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs a shell command, returns its exit code (-1 if it did not exit) and
// its stdout and stderr together.
inline int run_shell(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  output->clear();
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using faultline::test::read_file;  // one definition, in core/test_util.h

// True when pid no longer runs: no such process, or a zombie (killed, not yet
// reaped by whoever inherited it; kill(pid, 0) still succeeds on those).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  // Field 3, after "pid (comm) ", is the state; comm may hold spaces.
  size_t close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z';
}

// The parent pid of `pid` (field 4 of /proc/<pid>/stat), 0 when gone.
inline pid_t parent_of(pid_t pid) {
  std::string line = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string state;
  long ppid = 0;
  rest >> state >> ppid;
  return static_cast<pid_t>(ppid);
}

// Polls until pid is gone or timeout_ms passes.
inline bool wait_gone(pid_t pid, int64_t timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!process_gone(pid)) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Pids of the live processes whose command line (arguments joined by NULs)
// contains every one of `needles`, this test excepted.
inline std::vector<pid_t> processes_matching(const std::vector<std::string>& needles) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  while (dirent* e = proc ? ::readdir(proc) : nullptr) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == ::getpid() || process_gone(pid)) continue;
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    bool all = !cmdline.empty();
    for (const auto& n : needles) all = all && cmdline.find(n) != std::string::npos;
    if (all) out.push_back(pid);
  }
  if (proc) ::closedir(proc);
  return out;
}

// One command to node n's client port; a transport failure fails the test
// (a node's own -ERR is a reply, returned).
inline RespValue call_node(const NodeProcess& n, const std::vector<std::string>& args, int64_t timeout_ms = 5000) {
  RespClient client(n.client_port);
  RespValue reply;
  Status s = client.call(args, timeout_ms, &reply);
  EXPECT_TRUE(s) << n.name << " " << args[0] << ": " << s.to_string();
  return reply;
}

// Polls `done` every 50 ms for at most `max_ms`. Tests wait for the state
// they need (a peer seen down, an event logged) instead of sleeping a fixed
// time: on a loaded machine a fixed sleep is sometimes too short.
template <typename F>
bool wait_until(int64_t max_ms, F done) {
  constexpr int64_t kPollMs = 50;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  return true;
}

// Bound on waiting for a failure detector to change its mind: generous,
// because a loaded machine delays heartbeats; a healthy run needs ~1.5 s.
constexpr int64_t kPeerStateWaitMsMax = 20000;

// The reply to a command that answers a JSON document (FL.DUMP, FL.MERKLE),
// parsed; discarded (not an object or array) when it is not.
inline nlohmann::json call_node_json(const NodeProcess& n, const std::string& command) {
  RespValue v = call_node(n, {command});
  EXPECT_EQ(v.type, RespValue::Type::kBulk) << n.name << " " << command << ": " << resp_encode(v);
  return nlohmann::json::parse(v.str, nullptr, false);
}

// n's FL.STATUS, read by core's strict reader (what quiesce reads); a reply
// it refuses fails the test and reads as an empty NodeStatus.
inline NodeStatus node_status(const NodeProcess& n) {
  RespValue v = call_node(n, {"FL.STATUS"});
  NodeStatus st;
  Status s = node_status_from_json(v.str, &st);
  EXPECT_TRUE(s.is_ok()) << n.name << " FL.STATUS: " << s.to_string() << ": " << resp_encode(v);
  return s.is_ok() ? st : NodeStatus{};
}

// True when `observer`'s failure detector holds `peer` ("n3") in `state`
// ("up" or "down"), by FL.STATUS.
inline bool sees(const NodeProcess& observer, const std::string& peer, const std::string& state) {
  const NodeStatus st = node_status(observer);
  auto it = st.peers_up.find(peer);
  return it != st.peers_up.end() && it->second == (state == "up");
}

// Waits until every running node of `cluster` other than `peer` sees `peer`
// in `state`, and, for "up", until `peer` sees every other node up too (a
// node resumed from SIGSTOP first believes its peers silent).
inline bool wait_seen(const Cluster& cluster, NodeId peer, const std::string& state) {
  return wait_until(kPeerStateWaitMsMax, [&] {
    for (const NodeProcess& n : cluster.nodes()) {
      if (n.id == peer || n.paused) continue;
      if (!sees(n, node_name(peer), state)) return false;
      if (state == "up" && !sees(cluster.node(peer), n.name, "up")) return false;
    }
    return true;
  });
}

// Lines of n's events.jsonl whose "event" is `event`.
inline int count_events(const NodeProcess& n, const std::string& event) {
  std::istringstream lines(read_file(n.dir + "/events.jsonl"));
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_object() && e.value("event", std::string()) == event) ++count;
  }
  return count;
}

inline int count_events(const Cluster& c, const std::string& event) {
  int n = 0;
  for (const NodeProcess& node : c.nodes()) n += count_events(node, event);
  return n;
}

}  // namespace faultline::testing
