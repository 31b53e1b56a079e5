// LinkProxy: one TCP listener per directed node pair (from -> to) on
// 127.0.0.1, forwarding to `to`'s real peer port. Node `from` is configured
// to reach `to` through it. Since a node sends only on connections it opened
// (DESIGN.md), link (from -> to) carries exactly from's traffic to `to`, so
// cutting it is a one-way partition.
//
// Each link is up, down or delayed:
// - up: bytes are forwarded as they arrive.
// - down: open connections are reset (RST), and new ones are accepted and
//   then black-holed: never read, never forwarded, never closed, so the
//   sender times out as behind a firewall DROP. Going up again resets the
//   black-holed connections, so senders reconnect.
// - delayed: every chunk is held latency_ms +/- jitter_ms (uniform, >= 0)
//   before it is written on; a chunk never overtakes an earlier one of the
//   same connection and direction, so order is kept.
// Both directions of a connection follow the link's state.
//
// Per-message latency (plan.json "latency", core/link_latency.h): after
// set_leg_latency, the forward direction (from's bytes to `to`) of a link
// with a distribution for some leg is cut into messages
// (faults/peer_frame_splitter.h), and each message is held for a delay drawn
// from its leg's distribution (plus the link's delay fault, if any) before
// it is written on; order is kept as above. The reverse direction and links
// without a distribution forward bytes as before.
//
// Threading: one Asio thread owned by the proxy runs every socket. The
// public methods may be called from any thread; set_link() and the other
// changes wait (bounded by kControlTimeoutMs) until the I/O thread applied
// them, so a fault is in force when its start is recorded.
// Ownership: the proxy owns its listeners and connections; stop() (and the
// destructor) closes them and joins the thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/types.h"

namespace faultline {

struct LinkLatency;
struct PeerFraming;

struct LinkState {
  enum class Mode { kUp, kDown, kDelayed };
  Mode mode = Mode::kUp;
  int64_t latency_ms = 0;
  int64_t jitter_ms = 0;

  static LinkState up() { return {}; }
  static LinkState down() { return {Mode::kDown, 0, 0}; }
  static LinkState delayed(int64_t latency_ms, int64_t jitter_ms) { return {Mode::kDelayed, latency_ms, jitter_ms}; }
  bool operator==(const LinkState&) const = default;
};

// The links of a cluster as link faults (partition, delay) see them: the
// link proxy below on real processes, the simulated network in sim/.
class LinkControl {
 public:
  virtual ~LinkControl() = default;
  // Changes one link; unknown links are a caller bug (asserted).
  virtual Status set_link(NodeId from, NodeId to, LinkState state) = 0;
  // Every link up (heal).
  virtual Status set_all_up() = 0;
  virtual LinkState link(NodeId from, NodeId to) const = 0;
};

struct LinkStats {
  uint64_t bytes_forwarded = 0;    // both directions, written on
  uint64_t connections_accepted = 0;
  uint64_t connections_blackholed = 0;
  uint64_t connections_reset = 0;  // by going down, or by healing a black hole
};

class LinkProxy final : public LinkControl {
 public:
  // A chunk waiting for its delivery time holds reading of its direction
  // once this many bytes wait: back-pressure instead of unbounded memory.
  static constexpr size_t kDelayQueueBytesMax = 4 * 1024 * 1024;
  static constexpr size_t kChunkBytes = 16 * 1024;
  static constexpr int64_t kConnectTimeoutMs = 1000;
  static constexpr int64_t kControlTimeoutMs = 5000;

  // seed drives the jitter.
  explicit LinkProxy(uint64_t seed);
  ~LinkProxy();
  LinkProxy(const LinkProxy&) = delete;
  LinkProxy& operator=(const LinkProxy&) = delete;

  // Before start(): listens for link (from -> to) on an ephemeral loopback
  // port (*listen_port), forwarding to 127.0.0.1:target_port. Error naming
  // the link when the port cannot be bound.
  Status add_link(NodeId from, NodeId to, int target_port, int* listen_port);
  // After add_link, before start(): per-leg message latency on every link, for peer streams
  // framed as `framing` says (copied; the proxy's seed drives the draws).
  void set_leg_latency(const LinkLatency& latency, const PeerFraming& framing);
  // Starts the I/O thread. Links start up.
  void start();
  // Closes every listener and connection and joins the I/O thread.
  void stop();

  Status set_link(NodeId from, NodeId to, LinkState state) override;
  Status set_all_up() override;
  LinkState link(NodeId from, NodeId to) const override;
  LinkStats stats(NodeId from, NodeId to) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace faultline
