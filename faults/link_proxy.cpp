#include "faults/link_proxy.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "core/assert.h"
#include "core/link_latency.h"
#include "core/rng.h"
#include "faults/peer_frame_splitter.h"

namespace faultline {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

// Closing with SO_LINGER 0 sends RST: the peer sees "connection reset", as
// when a firewall rule starts rejecting an established flow.
void reset_socket(tcp::socket* s) {
  boost::system::error_code ignored;
  if (!s->is_open()) return;
  s->set_option(asio::socket_base::linger(true, 0), ignored);
  s->close(ignored);
}

}  // namespace

class ProxySession;

// Everything of one directed link. Constant after add_link: from, to,
// target. Only on the I/O thread: acceptor, sessions, blackholes. state_ is
// written on the I/O thread under Impl::mu_ and read under it anywhere.
struct ProxyLink {
  NodeId from = 0, to = 0;
  tcp::endpoint target;
  tcp::acceptor acceptor;
  LinkState state;
  // Per-leg latency of from's messages (set_leg_latency); null: none.
  const LinkLatency* latency = nullptr;
  PeerFraming framing;
  std::vector<std::weak_ptr<ProxySession>> sessions;
  std::vector<std::unique_ptr<tcp::socket>> blackholes;
  std::atomic<uint64_t> bytes_forwarded{0}, accepted{0}, blackholed{0}, reset{0};

  explicit ProxyLink(asio::io_context& io) : acceptor(io) {}
};

// One proxied connection: client (the sending node) <-> upstream (the
// receiving node's peer port). Keeps itself alive with shared_from_this
// across async calls, as Asio's examples do. I/O thread only.
class ProxySession : public std::enable_shared_from_this<ProxySession> {
 public:
  ProxySession(asio::io_context& io, ProxyLink* link, Rng* rng, tcp::socket client)
      : link_(link), rng_(rng), client_(std::move(client)), upstream_(io), connect_timer_(io),
        to_upstream_(io, client_, upstream_), to_client_(io, upstream_, client_) {
    if (link_->latency != nullptr) to_upstream_.splitter.emplace(link_->framing);
  }

  void start() {
    auto self = shared_from_this();
    connect_timer_.expires_after(std::chrono::milliseconds(LinkProxy::kConnectTimeoutMs));
    connect_timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->close();
    });
    upstream_.async_connect(link_->target, [self](const boost::system::error_code& ec) {
      self->connect_timer_.cancel();
      if (ec || self->closed_) return self->close();
      self->read(&self->to_upstream_);
      self->read(&self->to_client_);
    });
  }

  // Link went down: both ends see a reset.
  void reset() {
    if (closed_) return;
    reset_socket(&client_);
    reset_socket(&upstream_);
    close();
  }

 private:
  struct Chunk {
    SteadyTime due;
    std::string bytes;
  };
  // One direction: reads `in`, holds chunks until due, writes `out`.
  struct Pipe {
    Pipe(asio::io_context& io, tcp::socket& in_socket, tcp::socket& out_socket)
        : in(in_socket), out(out_socket), timer(io) {}
    tcp::socket& in;
    tcp::socket& out;
    asio::steady_timer timer;
    std::array<char, LinkProxy::kChunkBytes> buf;
    std::deque<Chunk> queue;
    size_t queued_bytes = 0;
    SteadyTime last_due{};
    // Set on the forward pipe of a link with per-leg latency.
    std::optional<PeerFrameSplitter> splitter;
    std::vector<PeerFrameSplitter::Unit> units;  // scratch of on_read
    bool reading = false;
    bool writing = false;  // a write or a wait for the front's due time is pending
    bool eof = false;
  };

  // When bytes read now are due: the link's delay fault, plus the drawn
  // latency of a message of `leg` when the link sets one.
  SteadyTime due_time(std::optional<MessageLeg> leg = std::nullopt) {
    SteadyTime now = std::chrono::steady_clock::now();
    const LinkState& s = link_->state;
    std::chrono::microseconds delay{0};
    if (s.mode == LinkState::Mode::kDelayed) {
      int64_t delay_ms = s.latency_ms;
      if (s.jitter_ms > 0) delay_ms += rng_->range(-s.jitter_ms, s.jitter_ms);
      delay += std::chrono::milliseconds(std::max<int64_t>(0, delay_ms));
    }
    double leg_ms = 0;
    if (leg && link_->latency->draw_ms(link_->from, link_->to, *leg, *rng_, &leg_ms)) {
      delay += std::chrono::microseconds(std::llround(leg_ms * 1000));
    }
    return now + delay;
  }

  // Queues what was read: one chunk, or one per message on a pipe that
  // splits its stream.
  void enqueue(Pipe* p, const char* data, size_t n) {
    p->units.clear();
    if (p->splitter) p->splitter->feed(data, n, &p->units);
    else p->units.push_back(PeerFrameSplitter::Unit{std::string(data, n), MessageLeg::kOther});
    for (PeerFrameSplitter::Unit& u : p->units) {
      const SteadyTime due = std::max(p->splitter ? due_time(u.leg) : due_time(), p->last_due);  // never overtake
      p->last_due = due;
      p->queued_bytes += u.bytes.size();
      p->queue.push_back(Chunk{due, std::move(u.bytes)});
    }
  }

  void read(Pipe* p) {
    if (closed_ || p->reading || p->eof || p->queued_bytes >= LinkProxy::kDelayQueueBytesMax) return;
    p->reading = true;
    auto self = shared_from_this();
    p->in.async_read_some(asio::buffer(p->buf), [self, p](const boost::system::error_code& ec, size_t n) {
      p->reading = false;
      if (self->closed_) return;
      if (ec) {
        // EOF or error: deliver what is held, then close.
        p->eof = true;
        if (p->queue.empty() && !p->writing) self->close();
        return;
      }
      self->enqueue(p, p->buf.data(), n);
      self->pump(p);
      self->read(p);
    });
  }

  void pump(Pipe* p) {
    if (closed_ || p->writing) return;
    if (p->queue.empty()) {
      if (p->eof) close();
      return;
    }
    p->writing = true;
    auto self = shared_from_this();
    if (p->queue.front().due > std::chrono::steady_clock::now()) {
      p->timer.expires_at(p->queue.front().due);
      p->timer.async_wait([self, p](const boost::system::error_code&) {
        p->writing = false;
        self->pump(p);
      });
      return;
    }
    asio::async_write(p->out, asio::buffer(p->queue.front().bytes),
                      [self, p](const boost::system::error_code& ec, size_t n) {
                        p->writing = false;
                        if (ec || self->closed_) return self->close();
                        self->link_->bytes_forwarded += n;
                        p->queued_bytes -= p->queue.front().bytes.size();
                        p->queue.pop_front();
                        self->pump(p);
                        self->read(p);
                      });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    connect_timer_.cancel();
    to_upstream_.timer.cancel();
    to_client_.timer.cancel();
    client_.close(ignored);
    upstream_.close(ignored);
  }

  ProxyLink* link_;  // outlives every session (owned by the proxy)
  Rng* rng_;         // the proxy's; I/O thread only
  tcp::socket client_;
  tcp::socket upstream_;
  asio::steady_timer connect_timer_;
  Pipe to_upstream_;
  Pipe to_client_;
  bool closed_ = false;
};

struct LinkProxy::Impl {
  explicit Impl(uint64_t seed) : rng(seed) {}

  // Declared first so that it is destroyed last: sockets refer to it.
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  Rng rng;  // I/O thread only (jitter)
  mutable std::mutex mu;  // guards every ProxyLink::state
  std::map<std::pair<NodeId, NodeId>, std::unique_ptr<ProxyLink>> links;
  std::optional<LinkLatency> latency;  // set_leg_latency's copy
  bool running = false;

  ProxyLink* find(NodeId from, NodeId to) const {
    auto it = links.find({from, to});
    FL_ASSERT(it != links.end());
    return it->second.get();
  }

  void accept(ProxyLink* l) {
    l->acceptor.async_accept([this, l](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) return;
      if (!ec) on_accept(l, std::move(socket));
      accept(l);
    });
  }

  void on_accept(ProxyLink* l, tcp::socket socket) {
    ++l->accepted;
    if (l->state.mode == LinkState::Mode::kDown) {
      ++l->blackholed;
      l->blackholes.push_back(std::make_unique<tcp::socket>(std::move(socket)));
      return;
    }
    auto session = std::make_shared<ProxySession>(io, l, &rng, std::move(socket));
    std::erase_if(l->sessions, [](const auto& w) { return w.expired(); });
    l->sessions.push_back(session);
    session->start();
  }

  // I/O thread.
  void apply(ProxyLink* l, LinkState state) {
    {
      std::lock_guard<std::mutex> lock(mu);
      l->state = state;
    }
    if (state.mode == LinkState::Mode::kDown) {
      for (auto& w : l->sessions) {
        if (auto s = w.lock()) {
          s->reset();
          ++l->reset;
        }
      }
      l->sessions.clear();
    } else {
      for (auto& b : l->blackholes) reset_socket(b.get());
      l->reset += l->blackholes.size();
      l->blackholes.clear();
    }
  }

  // Runs f on the I/O thread and waits for it (inline when not running).
  Status run_on_io(const std::function<void()>& f) {
    if (!running) {
      f();
      return Status::ok();
    }
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> fut = done->get_future();
    asio::post(io, [f, done] {
      f();
      done->set_value();
    });
    if (fut.wait_for(std::chrono::milliseconds(kControlTimeoutMs)) != std::future_status::ready) {
      return Status::timeout("link proxy did not apply a change within " + std::to_string(kControlTimeoutMs) + " ms");
    }
    return Status::ok();
  }
};

LinkProxy::LinkProxy(uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}

LinkProxy::~LinkProxy() { stop(); }

Status LinkProxy::add_link(NodeId from, NodeId to, int target_port, int* listen_port) {
  FL_ASSERT(!impl_->running);
  const std::string what = "link proxy " + node_name(from) + "->" + node_name(to);
  auto l = std::make_unique<ProxyLink>(impl_->io);
  l->from = from;
  l->to = to;
  l->target = tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<uint16_t>(target_port));
  boost::system::error_code ec;
  tcp::endpoint at(asio::ip::address_v4::loopback(), 0);
  l->acceptor.open(at.protocol(), ec);
  if (!ec) l->acceptor.bind(at, ec);
  if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::io(what + ": cannot listen on 127.0.0.1: " + ec.message());
  *listen_port = l->acceptor.local_endpoint(ec).port();
  if (ec) return Status::io(what + ": " + ec.message());
  impl_->links[{from, to}] = std::move(l);
  return Status::ok();
}

void LinkProxy::set_leg_latency(const LinkLatency& latency, const PeerFraming& framing) {
  FL_ASSERT(!impl_->running);
  impl_->latency = latency;
  for (auto& [key, l] : impl_->links) {
    const bool any = impl_->latency->any(l->from, l->to);
    l->latency = any ? &*impl_->latency : nullptr;
    l->framing = framing;
  }
}

void LinkProxy::start() {
  FL_ASSERT(!impl_->running);
  for (auto& [key, l] : impl_->links) impl_->accept(l.get());
  impl_->work.emplace(impl_->io.get_executor());
  impl_->running = true;
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

void LinkProxy::stop() {
  if (!impl_->running) return;
  impl_->run_on_io([this] {
    boost::system::error_code ignored;
    for (auto& [key, l] : impl_->links) {
      l->acceptor.close(ignored);
      for (auto& w : l->sessions) {
        if (auto s = w.lock()) s->reset();
      }
      for (auto& b : l->blackholes) reset_socket(b.get());
      l->blackholes.clear();
    }
  });
  impl_->work.reset();
  impl_->io.stop();
  impl_->thread.join();
  impl_->running = false;
}

Status LinkProxy::set_link(NodeId from, NodeId to, LinkState state) {
  ProxyLink* l = impl_->find(from, to);
  return impl_->run_on_io([this, l, state] { impl_->apply(l, state); });
}

Status LinkProxy::set_all_up() {
  return impl_->run_on_io([this] {
    for (auto& [key, l] : impl_->links) impl_->apply(l.get(), LinkState::up());
  });
}

LinkState LinkProxy::link(NodeId from, NodeId to) const {
  ProxyLink* l = impl_->find(from, to);
  std::lock_guard<std::mutex> lock(impl_->mu);
  return l->state;
}

LinkStats LinkProxy::stats(NodeId from, NodeId to) const {
  ProxyLink* l = impl_->find(from, to);
  return LinkStats{l->bytes_forwarded.load(), l->accepted.load(), l->blackholed.load(), l->reset.load()};
}

}  // namespace faultline
