#include "node/peer_connection.h"

#include <cstdio>

#include "node/tcp_listener.h"

namespace faultline {

namespace asio = boost::asio;

PeerConnection::PeerConnection(asio::ip::tcp::socket socket, OnMessage on_message)
    : socket_(std::move(socket)), on_message_(std::move(on_message)), remote_(remote_address(socket_)) {}

void PeerConnection::read() {
  socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    if (ec) return self->close(ec == asio::error::eof ? "" : ec.message());
    self->decoder_.feed(self->buf_.data(), n);
    Envelope env;
    for (;;) {
      FrameDecoder::Result r = self->decoder_.next(&env);
      if (r == FrameDecoder::Result::kNeedMore) break;
      if (r == FrameDecoder::Result::kBad) return self->close("malformed frame: " + self->decoder_.error());
      if (Status s = self->on_message_(env); !s) return self->close("refused message: " + s.message());
    }
    self->read();
  });
}

void PeerConnection::close(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "closing inbound peer connection from %s: %s\n", remote_.c_str(), why.c_str());
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace faultline
