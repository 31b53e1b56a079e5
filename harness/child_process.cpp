#include "harness/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>

#include "faults/process_faults.h"
#include "harness/child_registry.h"

namespace faultline {

namespace bp = boost::process;

namespace {

// Runs in the forked child before exec (ChildRegistry::setup_child_after_fork
// says what it does and why).
struct ChildSetup : bp::extend::handler {
  int log_fd;
  pid_t parent_pid;

  template <class Executor>
  void on_exec_setup(Executor&) const {
    ChildRegistry::setup_child_after_fork(log_fd, parent_pid);
  }
};

}  // namespace

Status spawn_child(const ChildSpec& spec, pid_t* out) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (spec.append_log ? O_APPEND : O_TRUNC);
  int log_fd = ::open(spec.log_path.c_str(), flags, 0644);
  if (log_fd < 0) return Status::io("cannot open " + spec.log_path + ": " + std::strerror(errno));
  std::error_code ec;
  pid_t pid = 0;
  try {
    bp::environment env = boost::this_process::environment();
    for (const auto& [name, value] : spec.env) env[name] = value;
    bp::child child(bp::exe = spec.exe, bp::args = spec.args, env, ChildSetup{{}, log_fd, ::getpid()}, ec);
    if (!ec) {
      pid = child.id();
      // We reap it ourselves, so Boost must not kill it on scope exit.
      child.detach();
    }
  } catch (const std::exception& e) {
    ::close(log_fd);
    return Status::io("cannot start " + spec.exe + ": " + e.what());
  }
  ::close(log_fd);
  if (ec || pid <= 0) return Status::io("cannot start " + spec.exe + ": " + ec.message());
  // Also from the parent, so the group exists before we ever signal it,
  // whichever of parent and child runs first. Fails harmlessly after exec.
  ::setpgid(pid, pid);
  if (!ChildRegistry::add(pid)) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Status::io("too many child processes");
  }
  *out = pid;
  return Status::ok();
}

std::string reap_child(pid_t pid) {
  ChildRegistry::remove(pid);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return "already reaped";
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + ::strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

int end_child(pid_t pid, int64_t grace_ms) {
  ::kill(-pid, SIGTERM);
  if (!wait_exited(pid, grace_ms)) ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ChildRegistry::remove(pid);
  return status;
}

}  // namespace faultline
