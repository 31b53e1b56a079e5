// PeerConnection: one inbound connection on the peer port. It only reads:
// peers send requests and replies on connections they opened themselves
// (DESIGN.md), so nothing is ever written here. Frames are decoded with core's
// FrameDecoder and handed to the replica; a malformed frame, or a message the
// replica refuses, closes this connection (and only it) with a log line
// naming the remote address.
//
// Authentication (node/peer_auth.h): the first kHelloBytes must be a valid
// hello, and every frame's trailer must verify, before anything reaches the
// replica; a message whose `from` is not the node that said hello is refused.
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
#include "node/peer_auth.h"

namespace faultline {

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  using OnMessage = std::function<Status(const Envelope&)>;
  static constexpr size_t kReadChunkBytes = 64 * 1024;

  // `auth` must outlive the connection.
  PeerConnection(boost::asio::ip::tcp::socket socket, PeerAuth* auth, OnMessage on_message);
  void start() { read(); }

 private:
  void read();
  // Consumes the hello from the front of `bytes`; false when it closed.
  bool take_hello(std::string_view* bytes);
  void close(const std::string& why);

  boost::asio::ip::tcp::socket socket_;
  PeerAuth* auth_;  // not owned
  OnMessage on_message_;
  std::string remote_;  // "127.0.0.1:40312", for log lines
  std::string hello_;   // until complete
  bool authenticated_ = false;
  NodeId peer_ = 0;     // who said hello
  std::string nonce_;   // the connection's, from the hello
  uint64_t seq_ = 0;    // the next frame's number
  FrameDecoder decoder_;
  std::array<char, kReadChunkBytes> buf_;
};

}  // namespace faultline
