#include "node/client_connection.h"

#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>

#include "node/tcp_listener.h"

namespace faultline {

namespace asio = boost::asio;

ClientConnection::ClientConnection(asio::ip::tcp::socket socket, Commands* commands, ClientBudget* budget)
    : socket_(std::move(socket)),
      write_timer_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      commands_(commands),
      budget_(budget),
      remote_(remote_address(socket_)),
      parser_(true, budget->limits.client_query_buffer_bytes_max) {
  ++budget_->clients;
}

ClientConnection::~ClientConnection() {
  --budget_->clients;
  budget_->buffered_bytes -= accounted_bytes_;
}

void ClientConnection::start() {
  arm_idle_timer();
  process_and_read();
}

bool ClientConnection::saturated() const {
  return replies_.pending() >= kPipelineDepthMax || pending_out_.size() + writing_.size() >= kOutputBytesMax;
}

void ClientConnection::arm_idle_timer() {
  const int64_t idle_ms = budget_->limits.client_idle_timeout_ms;
  if (idle_ms == 0 || closed_) return;
  active_ = false;
  idle_timer_.expires_after(std::chrono::milliseconds(idle_ms));
  idle_timer_.async_wait([self = shared_from_this(), idle_ms](const boost::system::error_code& ec) {
    if (ec || self->closed_) return;
    // A client waiting for its replies is not idle.
    if (!self->active_ && self->replies_.pending() == 0 && self->writing_.empty()) {
      return self->close("idle for " + std::to_string(idle_ms) + " ms (limits.client_idle_timeout_ms)");
    }
    self->arm_idle_timer();
  });
}

bool ClientConnection::account() {
  const auto now = static_cast<int64_t>(parser_.buffered_bytes());
  budget_->buffered_bytes += now - accounted_bytes_;
  accounted_bytes_ = now;
  const NodeLimits& l = budget_->limits;
  if (now > l.client_query_buffer_bytes_max) {
    refuse("ERR client query buffer of " + std::to_string(now) + " bytes exceeds limits.client_query_buffer_bytes_max (" +
           std::to_string(l.client_query_buffer_bytes_max) + ")");
    return false;
  }
  if (budget_->buffered_bytes > l.client_query_buffers_bytes_total_max) {
    refuse("ERR query buffers of all clients (" + std::to_string(budget_->buffered_bytes) +
           " bytes) exceed limits.client_query_buffers_bytes_total_max (" +
           std::to_string(l.client_query_buffers_bytes_total_max) + ")");
    return false;
  }
  return true;
}

void ClientConnection::refuse(const std::string& error) {
  std::fprintf(stderr, "client %s: %s; closing\n", remote_.c_str(), escape_control(error).c_str());
  replies_.fill(replies_.reserve(), resp_encode(RespValue::error(error)));
  close_after_flush_ = true;
  // Whatever it buffered is dropped now, not when the reply is sent.
  budget_->buffered_bytes -= accounted_bytes_;
  accounted_bytes_ = 0;
  parser_ = RespParser(true, 0);
  flush();
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
      processing_ = false;
      refuse("ERR Protocol error: " + parser_.error());
      return;
    }
    dispatch(command);
  }
  processing_ = false;
  if (closed_ || close_after_flush_ || !account() || reading_ || saturated()) return;
  reading_ = true;
  socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->reading_ = false;
    if (ec) return self->close(ec == asio::error::eof ? "" : ec.message());
    self->active_ = true;
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
  idle_timer_.cancel();
  socket_.close(ignored);
}

}  // namespace faultline
