// NodeRuntime: the Asio shell around a Replica. Owns, in this order, the one
// io_context, the real clock and timers, RocksDB, events.jsonl, the replica,
// the command layer, one outbound PeerLink per peer, and the client and peer
// listeners. It is the replica's Transport: send() encodes a frame and queues
// it on the link to that peer; a message that cannot be encoded (over the
// frame limit) or queued (send queue full) is reported as a
// message_undeliverable event, never a crash. Client connections beyond
// limits.clients_max are answered "-ERR max number of clients reached" and
// closed, as redis-server does.
//
// One thread runs everything (DESIGN.md: one event loop per node; no locks).
// SIGTERM / SIGINT stop the loop; the destructor then closes RocksDB.
#pragma once

#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/node_config.h"
#include "node/asio_timers.h"
#include "node/client_connection.h"
#include "node/commands.h"
#include "node/faulty_store.h"
#include "node/jsonl_event_log.h"
#include "node/peer_auth.h"
#include "node/peer_link.h"
#include "node/replica.h"
#include "node/rocks_store.h"
#include "node/tcp_listener.h"

namespace faultline {

class NodeRuntime final : public Transport {
 public:
  explicit NodeRuntime(NodeConfig config);
  ~NodeRuntime() override;
  NodeRuntime(const NodeRuntime&) = delete;
  NodeRuntime& operator=(const NodeRuntime&) = delete;

  // Opens storage and the events file and listens on both ports.
  Status open();
  // Serves until SIGTERM or SIGINT, then shuts down cleanly.
  void run();

  void send(NodeId to, Body body) override;

 private:
  void shutdown(int signal);
  void accept_client(boost::asio::ip::tcp::socket socket);

  // Constant after construction.
  const NodeConfig config_;
  // Client connections live in io_'s handlers and count themselves out of
  // this on destruction, so it is declared before (destroyed after) io_.
  ClientBudget client_budget_;

  // Only touched on the event loop (or before it runs).
  boost::asio::io_context io_;
  SystemClock clock_;
  AsioTimers timers_;
  boost::asio::signal_set signals_;
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<JsonlEventLog> events_;
  std::unique_ptr<FaultyStore> disk_;  // only with config fault_hooks; wraps store_
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<Commands> commands_;
  std::unique_ptr<PeerAuth> auth_;
  std::map<NodeId, std::shared_ptr<PeerLink>> links_;
  TcpListener client_listener_;
  TcpListener peer_listener_;
};

}  // namespace faultline
