// Process faults at the level of signals and files: what kill, pause and
// wipe (faults/fault_kinds.h) do to one node's process group. A node runs in
// its own process group whose id is the leader's pid (harness/child_process.h),
// so a signal to the group reaches everything the node spawned.
//
// Reaping stays with whoever started the process (it also keeps the registry
// of live children): kill_group only waits, without reaping, until the
// leader has exited, so its pid cannot be reused meanwhile.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/status.h"

namespace faultline {

// SIGKILL to the group (works on a stopped group too), then waits up to
// timeout_ms for the leader to exit. io, naming `name`, when it survives.
Status kill_group(pid_t pgid, int64_t timeout_ms, const std::string& name);
// SIGSTOP / SIGCONT to the group; io naming `name` when the signal fails.
Status stop_group(pid_t pgid, const std::string& name);
Status continue_group(pid_t pgid, const std::string& name);
// Deletes dir with everything in it and creates it again, empty. The node
// using it must be down.
Status wipe_directory(const std::string& dir);

// Waits until pid has exited, without reaping it (a zombie keeps its pid).
// True when it exited in time (or was already reaped); 0 ms only looks.
bool wait_exited(pid_t pid, int64_t timeout_ms);

}  // namespace faultline
