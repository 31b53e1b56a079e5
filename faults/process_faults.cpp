#include "faults/process_faults.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

#include "core/clock.h"

namespace faultline {

namespace {

constexpr int64_t kExitPollMs = 10;

Status signal_group(pid_t pgid, int sig, const char* what, const std::string& name) {
  if (::kill(-pgid, sig) != 0) return Status::io(std::string(what) + " " + name + ": " + std::strerror(errno));
  return Status::ok();
}

}  // namespace

Status kill_group(pid_t pgid, int64_t timeout_ms, const std::string& name) {
  ::kill(-pgid, SIGKILL);  // ESRCH when the group already died: the wait below says so
  if (!wait_exited(pgid, timeout_ms)) return Status::io(name + " (pid " + std::to_string(pgid) + ") survived SIGKILL");
  return Status::ok();
}

Status stop_group(pid_t pgid, const std::string& name) { return signal_group(pgid, SIGSTOP, "SIGSTOP", name); }

Status continue_group(pid_t pgid, const std::string& name) { return signal_group(pgid, SIGCONT, "SIGCONT", name); }

Status wipe_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!ec) std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io("wiping " + dir + ": " + ec.message());
  return Status::ok();
}

bool wait_exited(pid_t pid, int64_t timeout_ms) {
  Deadline deadline = Deadline::after_ms(timeout_ms);
  for (;;) {
    siginfo_t info{};
    int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r != 0 && errno == ECHILD) return true;  // already reaped
    if (r == 0 && info.si_pid == pid) return true;
    if (deadline.expired()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(kExitPollMs));
  }
}

}  // namespace faultline
