// Goal: Ctrl-C (SIGINT) or SIGTERM to `faultline run` (in the middle of a
// pause) leaves no node process behind, stopped process groups included,
// and the exit code says which signal it was.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

#include "core/clock.h"
#include "core/plan.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;

constexpr int64_t kPauseSeenTimeoutMs = 30000;  // cluster start plus the fault's start
constexpr int64_t kGoneTimeoutMs = 10000;

// Pids of the processes whose command line mentions `dir`.
std::vector<pid_t> processes_under(const std::string& dir) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  while (dirent* e = proc ? ::readdir(proc) : nullptr) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == ::getpid()) continue;
    std::string cmdline = testing::read_file("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline.find("faultline-node") != std::string::npos && cmdline.find(dir) != std::string::npos) {
      out.push_back(pid);
    }
  }
  if (proc) ::closedir(proc);
  return out;
}

char process_state(pid_t pid) {
  std::string stat = testing::read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

// Starts `faultline run --plan plan_path` with its output in `log`; the
// child dies with this test.
pid_t start_run(const std::string& plan_path, const std::string& out, const std::string& log) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    std::string bin = testing::faultline_bin();
    ::execl(bin.c_str(), bin.c_str(), "run", "--plan", plan_path.c_str(), "--out", out.c_str(), nullptr);
    ::_exit(127);
  }
  return pid;
}

// Waits until the run's history contains `text`.
::testing::AssertionResult history_shows(const std::string& runs, const std::string& text) {
  Deadline deadline = Deadline::after_ms(kPauseSeenTimeoutMs);
  while (testing::read_file(runs + "/latest/history.jsonl").find(text) == std::string::npos) {
    if (deadline.expired()) return ::testing::AssertionFailure() << "no " << text << " in the history";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ::testing::AssertionSuccess();
}

TEST(FaultsInterrupt, CtrlCDuringAPauseLeavesNoProcess) {
  ScratchDir dir;
  Plan plan;
  plan.seed = 11;
  plan.cluster.nodes = 3;
  plan.workload.duration_ms = 20000;
  plan.faults.push_back(FaultEvent{300, 15000, "pause", {"n1", "n2"}, "{}"});
  const std::string plan_path = dir.path() + "/plan.json";
  ASSERT_TRUE(write_plan_file(plan_path, plan));

  const std::string log = dir.path() + "/faultline.log";
  pid_t pid = start_run(plan_path, dir.path() + "/runs", log);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(history_shows(dir.path() + "/runs", "\"f\":\"pause\"")) << testing::read_file(log);
  std::vector<pid_t> nodes = processes_under(dir.path());
  ASSERT_EQ(nodes.size(), 3u);
  // The history records the pause as it is sent; the kernel may stop the
  // groups a moment later on a loaded machine.
  int stopped = 0;
  EXPECT_TRUE(testing::wait_until(kPauseSeenTimeoutMs, [&] {
    stopped = 0;
    for (pid_t p : nodes) stopped += process_state(p) == 'T';
    return stopped == 2;
  })) << "n1 and n2 should be paused; " << stopped << " stopped";

  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << testing::read_file(log);
  for (pid_t p : nodes) EXPECT_TRUE(testing::wait_gone(p, kGoneTimeoutMs)) << "node pid " << p << " survived";
}

// Regression: SIGTERM made `run` exit 130, the code of SIGINT; shells and
// CI runners read 128 + signal, so SIGTERM is 143.
TEST(FaultsInterrupt, SigtermExits143AndLeavesNoProcess) {
  ScratchDir dir;
  Plan plan;
  plan.seed = 12;
  plan.cluster.nodes = 3;
  plan.workload.duration_ms = 20000;
  const std::string plan_path = dir.path() + "/plan.json";
  ASSERT_TRUE(write_plan_file(plan_path, plan));
  const std::string log = dir.path() + "/faultline.log";
  pid_t pid = start_run(plan_path, dir.path() + "/runs", log);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(history_shows(dir.path() + "/runs", "workload-start")) << testing::read_file(log);
  std::vector<pid_t> nodes = processes_under(dir.path());
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 143) << testing::read_file(log);
  for (pid_t p : nodes) EXPECT_TRUE(testing::wait_gone(p, kGoneTimeoutMs)) << "node pid " << p << " survived";
}

}  // namespace
}  // namespace faultline
