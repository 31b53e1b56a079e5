// PeerConnection: one inbound connection on the peer port. It only reads:
// peers send requests and replies on connections they opened themselves
// (DESIGN.md), so nothing is ever written here. Frames are decoded with core's
// FrameDecoder and handed to the replica; a malformed frame, or a message the
// replica refuses, closes this connection (and only it) with a log line
// naming the remote address.
//
// Lifetime: keeps itself alive with shared_from_this across reads.
// Thread-safety: none; the io_context's single thread.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "core/codec.h"

namespace faultline {

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  using OnMessage = std::function<Status(const Envelope&)>;
  static constexpr size_t kReadChunkBytes = 64 * 1024;

  PeerConnection(boost::asio::ip::tcp::socket socket, OnMessage on_message);
  void start() { read(); }

 private:
  void read();
  void close(const std::string& why);

  boost::asio::ip::tcp::socket socket_;
  OnMessage on_message_;
  std::string remote_;  // "127.0.0.1:40312", for log lines
  FrameDecoder decoder_;
  std::array<char, kReadChunkBytes> buf_;
};

}  // namespace faultline
