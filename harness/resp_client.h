// RespClient: a blocking RESP2 client for one node's client port on
// 127.0.0.1, with a deadline on connecting and on every request.
//
// The Status of call() tells the caller whether the request may have reached
// the node, which decides fail versus info in the history:
// - kUnavailable: the request was certainly not delivered (connection
//   refused, or the socket broke before the whole command was written), so
//   it was certainly not applied.
// - kTimeout: the command was written but no complete reply came in time.
// - kIo: the command was written and then the connection broke, or the
//   reply was not valid RESP. Both leave the outcome unknown.
// A node's own error reply (-UNAVAILABLE, -TIMEOUT, -ERR) is not a transport
// failure: call() returns ok and the reply has type kError.
//
// After any failure the connection is closed; the next call reconnects.
// Thread-safety: none; one RespClient per thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/resp.h"
#include "core/status.h"

namespace faultline {

class RespClient {
 public:
  // Connecting never takes longer than this, even when a request allows more.
  static constexpr int64_t kConnectTimeoutMs = 1000;

  // reply_bytes_max: the longest bulk string a reply may carry (RESP's
  // default; a node's FL.DUMP asks for more).
  explicit RespClient(int port, int64_t reply_bytes_max = RespParser::kMaxBulkBytes)
      : port_(port), reply_bytes_max_(reply_bytes_max), parser_(false, reply_bytes_max) {}
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  int port() const { return port_; }

  // Sends one command (an array of bulk strings) and waits for its reply
  // until timeout_ms has passed, connecting first when needed.
  Status call(const std::vector<std::string>& args, int64_t timeout_ms, RespValue* reply);

  void close();

 private:
  Status connect(int64_t timeout_ms);
  // True when the open connection was closed by the peer while idle, so a
  // request written to it would be lost without being applied.
  bool idle_connection_dead();
  Status write_all(const std::string& bytes, int64_t deadline_ns);
  Status read_reply(int64_t deadline_ns, RespValue* reply);

  const int port_;
  const int64_t reply_bytes_max_;
  int fd_ = -1;
  RespParser parser_;
};

}  // namespace faultline
