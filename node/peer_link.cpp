#include "node/peer_link.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>

#include "core/clock.h"

namespace faultline {

namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::milliseconds;

PeerLink::PeerLink(asio::io_context& io, NodeId self, PeerAddress peer, PeerAuth* auth)
    : io_(io),
      self_(self),
      peer_(std::move(peer)),
      what_("link " + node_name(self_) + "->" + node_name(peer_.id) + " (" + peer_.host + ":" +
            std::to_string(peer_.port) + ")"),
      auth_(auth),
      socket_(io),
      timer_(io),
      write_timer_(io) {}

void PeerLink::stop() {
  stopped_ = true;
  ++generation_;
  boost::system::error_code ignored;
  timer_.cancel();
  write_timer_.cancel();
  socket_.close(ignored);
}

bool PeerLink::send(std::string frame) {
  if (stopped_) return false;
  if (!queue_.empty() && queued_bytes_ + frame.size() > kSendQueueBytesMax) {
    drop(1, "send queue full");
    return false;
  }
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  if (connected_ && writing_.empty()) write_next();
  return true;
}

void PeerLink::drop(size_t frames, const std::string& why) {
  dropped_ += frames;
  dropped_unlogged_ += frames;
  const int64_t now = monotonic_now_ns();
  if (now - last_drop_log_ns_ < kDropLogIntervalMs * 1000000) return;
  last_drop_log_ns_ = now;
  std::fprintf(stderr, "%s: dropped %llu messages (%s; %llu in total)\n", what_.c_str(),
               static_cast<unsigned long long>(dropped_unlogged_), why.c_str(),
               static_cast<unsigned long long>(dropped_));
  dropped_unlogged_ = 0;
}

void PeerLink::connect() {
  if (stopped_) return;
  const uint64_t gen = ++generation_;
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(peer_.host, ec), static_cast<unsigned short>(peer_.port));
  if (ec) return fail("bad address: " + ec.message());
  timer_.expires_after(milliseconds(kConnectTimeoutMs));
  timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& e) {
    if (e || gen != self->generation_ || self->connected_) return;
    self->fail("connect timed out after " + std::to_string(kConnectTimeoutMs) + " ms");
  });
  socket_.async_connect(ep, [self = shared_from_this(), gen](const boost::system::error_code& e) {
    self->on_connect(gen, e);
  });
}

void PeerLink::on_connect(uint64_t generation, const boost::system::error_code& ec) {
  if (generation != generation_ || stopped_) return;
  if (ec) return fail("connect failed: " + ec.message());
  timer_.cancel();
  connected_ = true;
  backoff_ms_ = kReconnectBackoffMsMin;
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  std::fprintf(stderr, "%s: connected\n", what_.c_str());
  failure_logged_ = false;
  frames_sent_ = 0;
  writing_ = auth_->hello(&nonce_);  // written first; write_next appends to it
  read_until_closed();
  write_next();
}

// The peer never writes on this connection; reading only notices when it
// closes (peer death, proxy reset) so the link reconnects promptly.
void PeerLink::read_until_closed() {
  socket_.async_read_some(asio::buffer(discard_), [self = shared_from_this(), gen = generation_](
                                                      const boost::system::error_code& ec, size_t) {
    if (gen != self->generation_ || self->stopped_) return;
    if (ec) return self->fail(ec == asio::error::eof ? "closed by peer" : ec.message());
    self->read_until_closed();
  });
}

// Called with writing_ empty, or holding just the hello of a new connection.
void PeerLink::write_next() {
  if (writing_.size() > PeerAuth::kHelloBytes || (queue_.empty() && writing_.empty())) return;
  while (!queue_.empty() && (writing_.size() <= PeerAuth::kHelloBytes ||
                             writing_.size() + queue_.front().size() <= kWriteBatchBytesMax)) {
    queued_bytes_ -= queue_.front().size();
    writing_ += queue_.front();
    writing_ += auth_->tag(nonce_, frames_sent_++, queue_.front());
    queue_.pop_front();
  }
  const uint64_t gen = generation_;
  write_timer_.expires_after(milliseconds(kWriteStallMs));
  write_timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& e) {
    if (e || gen != self->generation_ || self->writing_.empty()) return;
    self->fail("write stalled for " + std::to_string(kWriteStallMs) + " ms");
  });
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this(), gen](const boost::system::error_code& ec, size_t) {
    if (gen != self->generation_ || self->stopped_) return;
    self->writing_.clear();
    self->write_timer_.cancel();
    if (ec) return self->fail("write failed: " + ec.message());
    self->write_next();
  });
}

void PeerLink::fail(const std::string& why) {
  if (stopped_) return;
  ++generation_;  // orphans every handler of this attempt
  if (!failure_logged_ || connected_) {
    std::fprintf(stderr, "%s: %s; reconnecting with backoff\n", what_.c_str(), why.c_str());
    failure_logged_ = true;
  }
  connected_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
  write_timer_.cancel();
  const size_t lost = queue_.size() + (writing_.empty() ? 0 : 1);
  if (lost > 0) drop(lost, "connection lost");
  queue_.clear();
  queued_bytes_ = 0;
  writing_.clear();
  timer_.expires_after(milliseconds(backoff_ms_));
  backoff_ms_ = std::min(backoff_ms_ * 2, kReconnectBackoffMsMax);
  timer_.async_wait([self = shared_from_this(), gen = generation_](const boost::system::error_code& e) {
    if (!e && gen == self->generation_) self->connect();
  });
}

}  // namespace faultline
