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

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  static constexpr size_t kPipelineDepthMax = 4096;
  static constexpr size_t kOutputBytesMax = 4 * 1024 * 1024;
  static constexpr int64_t kWriteStallMs = 30000;
  static constexpr size_t kReadChunkBytes = 16 * 1024;

  ClientConnection(boost::asio::ip::tcp::socket socket, Commands* commands);
  void start() { process_and_read(); }

 private:
  void process_and_read();
  void dispatch(const RespValue& command);
  void flush();
  void close(const std::string& why);
  bool saturated() const;

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer write_timer_;
  Commands* commands_;  // not owned
  std::string remote_;
  RespParser parser_{true};
  ReplyQueue replies_;
  std::string pending_out_;  // replies ready but not yet handed to the socket
  std::string writing_;      // the buffer of the write in progress
  std::array<char, kReadChunkBytes> buf_;
  bool reading_ = false;
  bool processing_ = false;  // inside process_and_read()
  bool close_after_flush_ = false;  // after a protocol error
  bool closed_ = false;
};

}  // namespace faultline
