#include "node/peer_connection.h"

#include <algorithm>
#include <cstdio>

#include "node/tcp_listener.h"

namespace faultline {

namespace asio = boost::asio;

PeerConnection::PeerConnection(asio::ip::tcp::socket socket, PeerAuth* auth, OnMessage on_message)
    : socket_(std::move(socket)), auth_(auth), on_message_(std::move(on_message)), remote_(remote_address(socket_)) {
  decoder_.expect_trailer(PeerAuth::kTagBytes, [this](std::string_view frame, std::string_view tag) {
    return auth_->check_tag(nonce_, seq_++, frame, tag);
  });
}

bool PeerConnection::take_hello(std::string_view* bytes) {
  const size_t n = std::min(bytes->size(), PeerAuth::kHelloBytes - hello_.size());
  hello_.append(bytes->substr(0, n));
  bytes->remove_prefix(n);
  // Something that is not our protocol is refused at its first bytes, not
  // held open until 64 bytes arrive.
  if (hello_.size() < PeerAuth::kHelloBytes && !auth_->hello_prefix_ok(hello_)) {
    close("refused: no hello (the connection does not speak the authenticated peer protocol)");
    return false;
  }
  if (hello_.size() < PeerAuth::kHelloBytes) return true;
  if (Status s = auth_->check_hello(hello_, &peer_, &nonce_); !s) {
    close("refused: " + s.message());
    return false;
  }
  authenticated_ = true;
  return true;
}

void PeerConnection::read() {
  socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    if (ec) return self->close(ec == asio::error::eof ? "" : ec.message());
    std::string_view bytes(self->buf_.data(), n);
    if (!self->authenticated_ && !self->take_hello(&bytes)) return;
    self->decoder_.feed(bytes.data(), bytes.size());
    Envelope env;
    while (self->authenticated_) {
      FrameDecoder::Result r = self->decoder_.next(&env);
      if (r == FrameDecoder::Result::kNeedMore) break;
      if (r == FrameDecoder::Result::kBad) return self->close("malformed frame: " + self->decoder_.error());
      if (env.from != self->peer_) {
        return self->close("refused message: from " + node_name(env.from) + " on " + node_name(self->peer_) +
                           "'s connection");
      }
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
