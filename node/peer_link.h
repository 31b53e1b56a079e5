// PeerLink: this node's outbound connection to one peer. Every message this
// node sends to that peer (requests, replies, pings, pongs) goes through it;
// a node never writes on connections it accepted (DESIGN.md), so a one-way
// partition of the link proxy really cuts one direction only.
//
// Connects to the configured address (under faults, the link proxy of this
// directed pair) with a deadline of kConnectTimeoutMs, and reconnects after a failure
// with exponential backoff between kReconnectBackoffMsMin and ..Max.
// Messages wait in a send queue bounded by kSendQueueBytesMax, which an empty
// queue admits any one frame past (so every frame the codec can encode can
// be sent); a message that does not fit is refused: send() returns false and
// the runtime reports it (message_dropped event; the replica copes, by
// timeouts, hints and anti-entropy). When
// the connection breaks, queued messages are dropped too: TCP would have lost
// them as well, and delivering them after a reconnect would let stale traffic
// masquerade as fresh. A write that makes no progress for kWriteStallMs
// breaks the connection.
//
// Every connection starts with a hello and every frame carries an
// authentication trailer (node/peer_auth.h), both added at write time since
// they belong to one connection.
//
// Lifetime: shared; async handlers hold a shared_ptr and a connection
// generation, so handlers of an old connection are ignored.
// Thread-safety: none; the io_context's single thread.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/node_config.h"
#include "node/peer_auth.h"

namespace faultline {

class PeerLink : public std::enable_shared_from_this<PeerLink> {
 public:
  static constexpr size_t kSendQueueBytesMax = 32 * 1024 * 1024;
  static constexpr size_t kWriteBatchBytesMax = 256 * 1024;
  static constexpr int64_t kConnectTimeoutMs = 1000;
  static constexpr int64_t kReconnectBackoffMsMin = 50;
  static constexpr int64_t kReconnectBackoffMsMax = 1000;
  static constexpr int64_t kWriteStallMs = 5000;
  // At most one "dropped" log line per this interval per link.
  static constexpr int64_t kDropLogIntervalMs = 1000;

  // `auth` must outlive the link.
  PeerLink(boost::asio::io_context& io, NodeId self, PeerAddress peer, PeerAuth* auth);

  void start() { connect(); }
  void stop();
  // Queues one encoded frame; never blocks. False when the queue is full
  // (the frame is dropped and counted).
  bool send(std::string frame);

  bool connected() const { return connected_; }
  uint64_t dropped() const { return dropped_; }

 private:
  void connect();
  void on_connect(uint64_t generation, const boost::system::error_code& ec);
  void fail(const std::string& why);
  void write_next();
  void read_until_closed();
  void drop(size_t frames, const std::string& why);

  boost::asio::io_context& io_;
  const NodeId self_;
  const PeerAddress peer_;
  const std::string what_;  // "link n1->n2 (127.0.0.1:7002)"
  PeerAuth* const auth_;    // not owned
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;        // connect deadline, then reconnect backoff
  boost::asio::steady_timer write_timer_;  // write stall deadline
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  std::string writing_;
  std::string nonce_;      // of the current connection
  uint64_t frames_sent_ = 0;  // on the current connection: the next frame's number
  std::array<char, 4096> discard_;
  uint64_t generation_ = 0;  // bumped per connection attempt
  int64_t backoff_ms_ = kReconnectBackoffMsMin;
  bool connected_ = false;
  bool stopped_ = false;
  bool failure_logged_ = false;  // one log line per outage, not per attempt
  uint64_t dropped_ = 0;
  uint64_t dropped_unlogged_ = 0;
  int64_t last_drop_log_ns_ = 0;
};

}  // namespace faultline
