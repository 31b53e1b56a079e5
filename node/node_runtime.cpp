#include "node/node_runtime.h"

#include <csignal>
#include <cstdio>

#include <boost/asio/write.hpp>

#include "node/peer_connection.h"

namespace faultline {

namespace asio = boost::asio;
using asio::ip::tcp;

NodeRuntime::NodeRuntime(NodeConfig config)
    : config_(std::move(config)),
      client_budget_{config_.limits},
      timers_(io_),
      signals_(io_, SIGTERM, SIGINT),
      client_listener_(io_, "client"),
      peer_listener_(io_, "peer") {}

NodeRuntime::~NodeRuntime() {
  // Stop the replica before what it points at; then the store closes.
  if (replica_) replica_->stop();
  commands_.reset();
  replica_.reset();
  disk_.reset();
  store_.reset();
}

Status NodeRuntime::open() {
  Status s = RocksStore::open(config_.data_dir, config_.modes.fsync, &store_);
  if (!s) return s;
  // Without an events_path the file lives beside the data.
  const std::string events_path = config_.events_path.empty() ? config_.data_dir + "/events.jsonl" : config_.events_path;
  if (!(s = JsonlEventLog::open(events_path, config_.id, &clock_, &events_))) return s;
  // The disk fault's hook sits between the replica and RocksDB, and only
  // where the harness asked for it.
  Store* store = store_.get();
  if (config_.fault_hooks) {
    disk_ = std::make_unique<FaultyStore>(store_.get(), events_.get());
    store = disk_.get();
  }
  replica_ = std::make_unique<Replica>(config_, Env{&clock_, this, &timers_, store, events_.get()});
  commands_ = std::make_unique<Commands>(replica_.get(), store_.get(), disk_.get());
  auth_ = std::make_unique<PeerAuth>(config_, &clock_);
  for (const auto& p : config_.peers) links_[p.id] = std::make_shared<PeerLink>(io_, config_.id, p, auth_.get());

  s = client_listener_.listen(config_.host, config_.client_port, [this](tcp::socket socket) {
    accept_client(std::move(socket));
  });
  if (!s) return s;
  return peer_listener_.listen(config_.host, config_.peer_port, [this](tcp::socket socket) {
    std::make_shared<PeerConnection>(std::move(socket), auth_.get(), [this](const Envelope& env) {
      return replica_->on_message(env);
    })->start();
  });
}

void NodeRuntime::accept_client(tcp::socket socket) {
  if (client_budget_.clients >= static_cast<size_t>(config_.limits.clients_max)) {
    // A fresh socket's send buffer takes this short line without blocking.
    static const std::string kFull = resp_encode(RespValue::error("ERR max number of clients reached"));
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(kFull), ignored);
    socket.close(ignored);
    return;
  }
  std::make_shared<ClientConnection>(std::move(socket), commands_.get(), &client_budget_)->start();
}

void NodeRuntime::send(NodeId to, Body body) {
  auto it = links_.find(to);
  if (it == links_.end()) return;  // the replica only sends to peers; nothing to do
  const std::string_view type = message_type_name(body);
  std::optional<std::string> key;
  if (const auto* w = std::get_if<WriteRequest>(&body)) key = w->record.key;
  std::string frame;
  Status s = encode_frame(Envelope{config_.id, std::move(body)}, &frame);
  if (s && it->second->send(std::move(frame))) return;
  // Whoever waits for this message times out; the event says why.
  std::vector<EventField> fields = {{"peer", node_name(to)},
                                    {"type", std::string(type)},
                                    {"reason", s ? std::string("send queue full") : s.message()}};
  if (key) fields.push_back({"key", *key});
  events_->emit("message_undeliverable", std::move(fields));
}

void NodeRuntime::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) shutdown(signal);
  });
  for (auto& [id, link] : links_) link->start();
  replica_->start();
  std::string bugs;
  for (const auto& b : config_.bugs) bugs += (bugs.empty() ? "" : ",") + b;
  events_->emit("node_started", {{"client_port", int64_t{config_.client_port}},
                                 {"peer_port", int64_t{config_.peer_port}},
                                 {"bugs", bugs}});
  std::fprintf(stderr, "faultline-node %s ready client=%d peer=%d\n", node_name(config_.id).c_str(),
               config_.client_port, config_.peer_port);
  io_.run();
}

void NodeRuntime::shutdown(int signal) {
  events_->emit("node_stopping", {{"signal", int64_t{signal}}});
  std::fprintf(stderr, "faultline-node %s: signal %d, shutting down\n", node_name(config_.id).c_str(), signal);
  replica_->stop();
  client_listener_.close();
  peer_listener_.close();
  for (auto& [id, link] : links_) link->stop();
  // Open connections are abandoned with the loop; the process is exiting.
  io_.stop();
}

}  // namespace faultline
