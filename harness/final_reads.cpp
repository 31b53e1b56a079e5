#include "harness/final_reads.h"

#include <chrono>
#include <memory>
#include <thread>

#include "core/lifecycle.h"
#include "core/types.h"
#include "harness/client_op.h"
#include "harness/resp_client.h"

namespace faultline {

FinalReadResult FinalReads::run(const std::set<std::string>& keys, int64_t first_process) {
  std::vector<std::unique_ptr<RespClient>> conns;
  for (int port : client_ports_) conns.push_back(std::make_unique<RespClient>(port));
  FinalReadResult result;
  int64_t process = first_process;
  size_t coordinator = 0;
  for (const auto& key : keys) {
    bool read = false;
    for (int attempt = 0; attempt < kFinalReadAttemptsMax && !read; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(kFinalReadRetryBackoffMs));
      ClientRequest req;
      req.process = process;
      req.f = "read";
      req.key = key;
      req.cl = ConsistencyLevel::kAll;
      // Rotate coordinators so one unhealthy node cannot fail every attempt.
      size_t node = coordinator++ % conns.size();
      HistoryOp done = execute_client_op(req, node_name(static_cast<NodeId>(node + 1)), conns[node].get(),
                                         request_timeout_ms_, history_);
      read = done.type == OpType::kOk;
      if (done.type == OpType::kInfo) ++process;
    }
    if (read) ++result.keys_read;
    else result.unread.push_back(key);
  }
  result.next_free_process = process + 1;
  return result;
}

}  // namespace faultline
