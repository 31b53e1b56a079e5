#include "node/tcp_listener.h"

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>

namespace faultline {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string remote_address(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

Status TcpListener::listen(const std::string& host, int port, OnAccept on_accept) {
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(host, ec), static_cast<unsigned short>(port));
  if (ec) return Status::invalid("bad listen address '" + host + "': " + ec.message());
  on_accept_ = std::move(on_accept);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::io("cannot listen on " + what_ + " port " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  accept();
  return Status::ok();
}

void TcpListener::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void TcpListener::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      std::fprintf(stderr, "%s listener: accept failed: %s; retrying\n", what_.c_str(), ec.message().c_str());
      auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(kAcceptRetryMs));
      timer->async_wait([this, timer](const boost::system::error_code& e) {
        if (!e && acceptor_.is_open()) accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    on_accept_(std::move(socket));
    accept();
  });
}

}  // namespace faultline
