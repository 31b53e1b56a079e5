// The one way the harness starts a process: node processes (Cluster) and
// child `faultline run`s (the cell pool of audit and ci) alike.
//
// A child runs in its own process group (pgid == pid), so signalling the
// group reaches whatever it spawns; has a parent-death signal, so a harness
// killed by SIGKILL takes it along; gets stdout and stderr in log_path and
// stdin from /dev/null (ChildRegistry::setup_child_after_fork); and is in
// ChildRegistry until reaped, so Ctrl-C or a fatal error kills it.
//
// Parent-death caveat: Linux delivers PR_SET_PDEATHSIG when the *thread*
// that forked the child exits. Spawn from a thread that outlives the child.
//
// Thread-safety: the functions hold no state of their own; ChildRegistry
// is safe from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace faultline {

struct ChildSpec {
  std::string exe;
  std::vector<std::string> args;  // without argv[0]
  // Set on top of this process's environment (libfaketime's variables).
  std::vector<std::pair<std::string, std::string>> env;
  std::string log_path;  // stdout and stderr
  bool append_log = false;  // a restarted node keeps its earlier log
};

// Starts the child; *pid is its pid and process group id. The caller reaps
// it (reap_child, end_child).
Status spawn_child(const ChildSpec& spec, pid_t* pid);

// Waiting for a child to exit without reaping it is wait_exited
// (faults/process_faults.h).

// Removes an exited child from the registry and reaps it; returns how it
// ended: "exit status 0", "killed by Killed", "already reaped".
std::string reap_child(pid_t pid);

// Ends a running child: SIGTERM to its group (a `faultline run` then stops
// its nodes), up to grace_ms, then SIGKILL; reaps it and returns its wait
// status.
int end_child(pid_t pid, int64_t grace_ms);

}  // namespace faultline
