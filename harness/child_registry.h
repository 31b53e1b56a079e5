// ChildRegistry: every node process group the harness has started and not
// yet reaped, kept so that no faultline-node outlives the harness.
//
// Each node runs in its own process group (pgid == pid), so killing the group
// also kills anything the node might spawn. kill_all() is async-signal-safe:
// the SIGINT/SIGTERM handler and the std::terminate handler call it. The
// table is a fixed array of atomics, so registering never allocates and a
// signal handler never sees a half-written entry.
#pragma once

#include <sys/types.h>

namespace faultline {

class ChildRegistry {
 public:
  // More live children than this is a harness bug (a cluster has <= 64 nodes).
  static constexpr int kMaxChildren = 1024;

  // Returns false when the table is full; the caller then kills the child.
  static bool add(pid_t pgid);
  static void remove(pid_t pgid);
  // SIGKILLs every registered process group. Async-signal-safe.
  static void kill_all();
  // Installs handlers so that every exit path kills the registered children:
  // SIGINT/SIGTERM/SIGHUP (kill, then _exit(128 + signal)), std::terminate and atexit.
  // Call once from main, before starting any child.
  static void install_exit_handlers();

  // Runs in a forked child before exec (async-signal-safe calls only): its
  // own process group, so the parent can signal it and all it spawns at
  // once and Ctrl-C in a terminal reaches only the parent; a parent-death
  // signal, so a parent killed by SIGKILL takes it along (_exit(127) when
  // the parent is already gone); signals unblocked and at their defaults;
  // stdout and stderr to log_fd, stdin from /dev/null; no inherited
  // descriptors beyond those.
  static void setup_child_after_fork(int log_fd, pid_t parent_pid);
};

}  // namespace faultline
