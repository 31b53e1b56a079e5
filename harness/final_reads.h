// Final reads (DESIGN.md "The harness", step 6): after the workload and
// quiesce, read every written key at ALL, as ordinary client reads in the
// history, so the checker sees what the cluster converged to.
//
// A read that ends in fail or info is retried (kFinalReadAttemptsMax in
// all, core/lifecycle.h), through another coordinator each time; every
// attempt is recorded. After info the reader continues as a new process id,
// as the workers do.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/history.h"

namespace faultline {

struct FinalReadResult {
  int64_t keys_read = 0;             // keys with an ok read
  std::vector<std::string> unread;   // keys whose every attempt failed
  int64_t next_free_process = 0;
};

class FinalReads {
 public:
  // client_ports[i] is the client port of n<i+1>. history: not owned.
  FinalReads(std::vector<int> client_ports, int64_t request_timeout_ms, HistoryWriter* history)
      : client_ports_(std::move(client_ports)), request_timeout_ms_(request_timeout_ms), history_(history) {}

  // Reads each key; first_process is the first process id free to use.
  FinalReadResult run(const std::set<std::string>& keys, int64_t first_process);

 private:
  const std::vector<int> client_ports_;
  const int64_t request_timeout_ms_;
  HistoryWriter* history_;
};

}  // namespace faultline
