// TcpListener: a listening socket that hands every accepted connection to a
// callback. The node has two (client port, peer port); what a connection
// speaks is the callback's business.
//
// Thread-safety: none; the io_context's single thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "core/status.h"

namespace faultline {

// "127.0.0.1:40312" for a connected socket, "?" when it has no peer: for log lines.
std::string remote_address(const boost::asio::ip::tcp::socket& s);

class TcpListener {
 public:
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket)>;

  // Backoff after an accept error (EMFILE and the like), so a persistent
  // error does not spin the event loop.
  static constexpr int64_t kAcceptRetryMs = 100;

  TcpListener(boost::asio::io_context& io, std::string what) : io_(io), what_(std::move(what)), acceptor_(io) {}

  // Binds and listens synchronously, so the port is ready when this returns.
  Status listen(const std::string& host, int port, OnAccept on_accept);
  void close();

 private:
  void accept();

  boost::asio::io_context& io_;
  std::string what_;  // "client", "peer": for log lines
  boost::asio::ip::tcp::acceptor acceptor_;
  OnAccept on_accept_;
};

}  // namespace faultline
