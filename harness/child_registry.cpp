#include "harness/child_registry.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <exception>

namespace faultline {

namespace {

std::atomic<pid_t> g_children[ChildRegistry::kMaxChildren];

void write_stderr(const char* msg) {
  size_t n = 0;
  while (msg[n] != '\0') ++n;
  ssize_t ignored = ::write(STDERR_FILENO, msg, n);
  (void)ignored;
}

void on_signal(int sig) {
  ChildRegistry::kill_all();
  write_stderr("faultline: interrupted; every node process was killed\n");
  // 128 + the signal, as shells report a command a signal ended: 130 for
  // SIGINT, 143 for SIGTERM, 129 for SIGHUP.
  _exit(128 + sig);
}

void on_terminate() {
  ChildRegistry::kill_all();
  write_stderr("faultline: fatal error (std::terminate); every node process was killed\n");
  std::abort();
}

}  // namespace

bool ChildRegistry::add(pid_t pgid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pgid)) return true;
  }
  return false;
}

void ChildRegistry::remove(pid_t pgid) {
  for (auto& slot : g_children) {
    pid_t expected = pgid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void ChildRegistry::kill_all() {
  for (auto& slot : g_children) {
    pid_t pgid = slot.load();
    if (pgid > 0) ::kill(-pgid, SIGKILL);
  }
}

void ChildRegistry::install_exit_handlers() {
  static_assert(std::atomic<pid_t>::is_always_lock_free, "signal handlers need lock-free atomics");
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
  std::set_terminate(on_terminate);
  std::atexit(kill_all);
}

void ChildRegistry::setup_child_after_fork(int log_fd, pid_t parent_pid) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died before prctl took effect; then no signal
  // would ever come, so give up now.
  if (::getppid() != parent_pid) ::_exit(127);
  // The parent blocks or handles these; the child must start clean.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_DFL);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  // Descriptors the parent opened without O_CLOEXEC (the history file)
  // must not leak. Best effort: old kernels lack close_range.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
}

}  // namespace faultline
