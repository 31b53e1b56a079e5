// Goal: no faultline-node outlives `faultline`. `faultline cluster` serves
// redis-cli-style commands (SET on one node, GET on another), and after
// SIGINT (graceful stop) or SIGKILL (parent-death signal) of the faultline
// process every node it started is gone within a bound.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "core/resp.h"
#include "harness/resp_client.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;

constexpr int64_t kReadyTimeoutMs = 30000;   // start of three nodes
constexpr int64_t kGoneTimeoutMs = 10000;    // graceful stop is bounded by 5 s, then SIGKILL
constexpr int64_t kRequestTimeoutMs = 5000;

struct NodeLine {
  std::string name;
  int client_port = 0;
  pid_t pid = 0;
};

// `faultline <args>` as our child, its stdout and stderr on a pipe. The
// child gets a parent-death signal, so a crashing test leaves nothing behind.
class FaultlineProcess {
 public:
  explicit FaultlineProcess(std::vector<std::string> args) {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      args.insert(args.begin(), testing::faultline_bin());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
  }
  ~FaultlineProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_fd_);
  }

  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

  // Reads output until `marker` appears, the pipe closes or time runs out.
  bool wait_for(const std::string& marker, int64_t timeout_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (output_.find(marker) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) return output_.find(marker) != std::string::npos;
      output_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  // Waits (bounded) for faultline to exit; returns its exit code or -1.
  int wait_exit(int64_t timeout_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  std::vector<NodeLine> nodes() const {
    std::vector<NodeLine> out;
    static const std::regex line(R"((n\d+) client=(\d+) peer=\d+ pid=(\d+))");
    for (std::sregex_iterator it(output_.begin(), output_.end(), line), end; it != end; ++it) {
      out.push_back(NodeLine{(*it)[1], std::stoi((*it)[2]), static_cast<pid_t>(std::stol((*it)[3]))});
    }
    return out;
  }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  std::string output_;
};

RespValue call(int port, const std::vector<std::string>& args) {
  RespClient client(port);
  RespValue reply;
  Status s = client.call(args, kRequestTimeoutMs, &reply);
  EXPECT_TRUE(s) << "port " << port << ": " << s.to_string();
  return reply;
}

// The printed pid really is a faultline-node of this cluster, so checking
// that it is gone means something.
void expect_is_node(const NodeLine& n, const std::string& dir) {
  std::string cmdline = testing::read_file("/proc/" + std::to_string(n.pid) + "/cmdline");
  EXPECT_NE(cmdline.find("faultline-node"), std::string::npos) << n.name << ": " << cmdline;
  EXPECT_NE(cmdline.find(dir + "/nodes/" + n.name), std::string::npos) << n.name << ": " << cmdline;
}

FaultlineProcess start_cluster(const std::string& dir) {
  return FaultlineProcess({"cluster", "--nodes", "3", "--rf", "3", "--dir", dir});
}

std::vector<NodeLine> wait_ready(FaultlineProcess* fl, const std::string& dir) {
  EXPECT_TRUE(fl->wait_for("cluster ready", kReadyTimeoutMs)) << fl->output();
  std::vector<NodeLine> nodes = fl->nodes();
  EXPECT_EQ(nodes.size(), 3u) << fl->output();
  for (const auto& n : nodes) expect_is_node(n, dir);
  return nodes;
}

TEST(LifecycleTest, ClusterServesRedisCommandsAndSigintStopsEveryNode) {
  ScratchDir dir;
  FaultlineProcess fl = start_cluster(dir.path());
  std::vector<NodeLine> nodes = wait_ready(&fl, dir.path());
  ASSERT_EQ(nodes.size(), 3u);

  // What `redis-cli -p <n1> SET a 1` and `redis-cli -p <n2> GET a` send.
  EXPECT_EQ(call(nodes[0].client_port, {"SET", "a", "1"}), RespValue::simple("OK"));
  EXPECT_EQ(call(nodes[1].client_port, {"GET", "a"}), RespValue::bulk("1"));

  ASSERT_EQ(::kill(fl.pid(), SIGINT), 0);
  EXPECT_EQ(fl.wait_exit(kGoneTimeoutMs), 0) << fl.output();
  for (const auto& n : nodes) {
    EXPECT_TRUE(testing::wait_gone(n.pid, kGoneTimeoutMs)) << n.name << " pid " << n.pid << " outlived faultline";
  }
}

TEST(LifecycleTest, SigkillOfFaultlineTakesEveryNodeWithIt) {
  ScratchDir dir;
  FaultlineProcess fl = start_cluster(dir.path());
  std::vector<NodeLine> nodes = wait_ready(&fl, dir.path());
  ASSERT_EQ(nodes.size(), 3u);

  ASSERT_EQ(::kill(fl.pid(), SIGKILL), 0);
  EXPECT_EQ(fl.wait_exit(kGoneTimeoutMs), 128 + SIGKILL);
  for (const auto& n : nodes) {
    EXPECT_TRUE(testing::wait_gone(n.pid, kGoneTimeoutMs)) << n.name << " pid " << n.pid << " outlived faultline";
  }
}

// Pids of every running process whose command line mentions `text`.
std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = testing::read_file(entry.path().string() + "/cmdline");
    if (cmdline.find(text) != std::string::npos && !testing::process_gone(std::stoi(name))) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

TEST(LifecycleTest, SigintDuringRunKillsEveryNodeAndLeavesACheckableDirectory) {
  ScratchDir out;
  FaultlineProcess fl({"run", "--nodes", "3", "--rf", "3", "--duration", "60", "--out", out.path()});
  ASSERT_TRUE(fl.wait_for("run directory", kReadyTimeoutMs)) << fl.output();
  const std::string run_dir = std::filesystem::canonical(out.path() + "/latest").string();
  // Wait until the workload is under way, so history and nodes both exist.
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (testing::read_file(run_dir + "/history.jsonl").find("workload-start") == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<pid_t> nodes = processes_mentioning(run_dir + "/nodes/");
  EXPECT_EQ(nodes.size(), 3u);

  ASSERT_EQ(::kill(fl.pid(), SIGINT), 0);
  EXPECT_EQ(fl.wait_exit(kGoneTimeoutMs), 130) << fl.output();
  for (pid_t pid : nodes) EXPECT_TRUE(testing::wait_gone(pid, kGoneTimeoutMs)) << "node pid " << pid;

  // The history prefix is checkable: a verdict, never a crash. Without final
  // dumps it cannot be valid.
  std::string output;
  int rc = testing::run_shell(testing::faultline_bin() + " check " + run_dir, &output);
  EXPECT_TRUE(rc == 1 || rc == 2) << "exit " << rc << ": " << output;
}

}  // namespace
}  // namespace faultline
