// ClientConnection: one RESP2 client on the client port. Commands are parsed
// with core's RespParser (inline commands allowed, as redis-server does),
// executed through Commands, and answered in request order through a
// ReplyQueue even though they complete asynchronously, so pipelining works.
//
// Bounds: at most kPipelineDepthMax commands in flight and kOutputBytesMax
// unsent reply bytes; beyond either the connection stops reading (TCP
// backpressure) until replies drain. A write that makes no progress for
// kWriteStallMs closes the connection. Malformed RESP gets an
// "-ERR Protocol error" reply, then the connection is closed and logged.
//
// Limits (config.limits, shared with every client through ClientBudget): a
// bulk string over client_query_buffer_bytes_max is a protocol error; a
// client whose query buffer (ClientBudget counts RespParser::buffered_bytes)
// grows over client_query_buffer_bytes_max, or makes the sum over all
// clients exceed client_query_buffers_bytes_total_max, gets an "-ERR" naming
// the limit and is closed; a client silent for client_idle_timeout_ms with
// nothing in flight is closed. Client bytes in log lines are escaped.
//
// Lifetime: keeps itself alive with shared_from_this across async calls and
// reply callbacks. Thread-safety: none; the io_context's single thread.
#pragma once

#include <array>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/resp.h"
#include "node/commands.h"
#include "node/reply_queue.h"

namespace faultline {

// What every client connection of one node shares: the limits and the
// totals they bound. Owned by the runtime; only touched on the event loop.
struct ClientBudget {
  NodeLimits limits;
  size_t clients = 0;             // open client connections
  int64_t buffered_bytes = 0;     // the sum of their query buffers
};

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  static constexpr size_t kPipelineDepthMax = 4096;
  static constexpr size_t kOutputBytesMax = 4 * 1024 * 1024;
  static constexpr int64_t kWriteStallMs = 30000;
  static constexpr size_t kReadChunkBytes = 16 * 1024;

  // `commands` and `budget` must outlive the connection.
  ClientConnection(boost::asio::ip::tcp::socket socket, Commands* commands, ClientBudget* budget);
  ~ClientConnection();
  void start();

 private:
  void process_and_read();
  void dispatch(const RespValue& command);
  void flush();
  void close(const std::string& why);
  bool saturated() const;
  // Answers `error`, then closes once it is sent.
  void refuse(const std::string& error);
  // Brings budget_ up to date with the parser; false when a limit refused.
  bool account();
  void arm_idle_timer();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer write_timer_;
  boost::asio::steady_timer idle_timer_;
  Commands* commands_;    // not owned
  ClientBudget* budget_;  // not owned
  int64_t accounted_bytes_ = 0;  // this connection's share of budget_->buffered_bytes
  std::string remote_;
  RespParser parser_;
  ReplyQueue replies_;
  std::string pending_out_;  // replies ready but not yet handed to the socket
  std::string writing_;      // the buffer of the write in progress
  std::array<char, kReadChunkBytes> buf_;
  bool reading_ = false;
  bool processing_ = false;  // inside process_and_read()
  bool close_after_flush_ = false;  // after a protocol error
  bool closed_ = false;
  bool active_ = false;  // read something since the idle timer was armed
};

}  // namespace faultline
