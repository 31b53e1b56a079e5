#include "node/client_connection.h"

#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>

#include "node/tcp_listener.h"

namespace faultline {

namespace asio = boost::asio;

ClientConnection::ClientConnection(asio::ip::tcp::socket socket, Commands* commands)
    : socket_(std::move(socket)),
      write_timer_(socket_.get_executor()),
      commands_(commands),
      remote_(remote_address(socket_)) {}

bool ClientConnection::saturated() const {
  return replies_.pending() >= kPipelineDepthMax || pending_out_.size() + writing_.size() >= kOutputBytesMax;
}

// Executes every complete command buffered (while below the bounds), then
// reads more unless saturated; called again whenever replies drain.
void ClientConnection::process_and_read() {
  // Replies completing synchronously call back in here through flush(); the
  // loop below already continues, so re-entering would only recurse.
  if (processing_) return;
  processing_ = true;
  while (!closed_ && !close_after_flush_ && !saturated()) {
    RespValue command;
    RespParser::Result r = parser_.next(&command);
    if (r == RespParser::Result::kNeedMore) break;
    if (r == RespParser::Result::kBad) {
      std::fprintf(stderr, "client %s: %s; closing\n", remote_.c_str(), parser_.error().c_str());
      replies_.fill(replies_.reserve(), resp_encode(RespValue::error("ERR Protocol error: " + parser_.error())));
      close_after_flush_ = true;
      processing_ = false;
      flush();
      return;
    }
    dispatch(command);
  }
  processing_ = false;
  if (closed_ || close_after_flush_ || reading_ || saturated()) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->reading_ = false;
    if (ec) return self->close(ec == asio::error::eof ? "" : ec.message());
    self->parser_.feed(self->buf_.data(), n);
    self->process_and_read();
  });
}

void ClientConnection::dispatch(const RespValue& command) {
  const ReplyQueue::Slot slot = replies_.reserve();
  bool replies = commands_->execute(command, [self = shared_from_this(), slot](RespValue reply) {
    self->replies_.fill(slot, resp_encode(reply));
    self->flush();
  });
  if (!replies) {
    replies_.fill(slot, "");
    flush();
  }
}

void ClientConnection::flush() {
  if (closed_) return;
  replies_.take_ready(&pending_out_);
  if (!writing_.empty()) return;  // the running write's handler calls flush again
  if (pending_out_.empty()) {
    if (close_after_flush_) return close("");
    // Replies drained: commands held back by the bounds may proceed.
    if (!reading_) process_and_read();
    return;
  }
  writing_.swap(pending_out_);
  write_timer_.expires_after(std::chrono::milliseconds(kWriteStallMs));
  write_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->writing_.empty()) self->close("write stalled for " + std::to_string(kWriteStallMs) + " ms");
  });
  asio::async_write(socket_, asio::buffer(writing_), [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
    self->writing_.clear();
    self->write_timer_.cancel();
    if (ec) return self->close(ec.message());
    self->flush();
  });
}

void ClientConnection::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  if (!why.empty()) std::fprintf(stderr, "closing client connection %s: %s\n", remote_.c_str(), why.c_str());
  boost::system::error_code ignored;
  write_timer_.cancel();
  socket_.close(ignored);
}

}  // namespace faultline
