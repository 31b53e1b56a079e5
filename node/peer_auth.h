// PeerAuth: proves that a peer connection comes from a member of the cluster
// that knows the cluster secret (docs/protocol.md, "Authentication").
//
// Peer connections are one-way (DESIGN.md: a node never writes on a
// connection it accepted), so there is no challenge from the receiver.
// Instead the opener writes a hello first: magic, its node id, its realtime
// clock and a fresh random nonce, authenticated with HMAC-SHA256 under the
// secret. Every frame after it carries a trailer of HMAC-SHA256 over the
// connection's nonce, the frame's sequence number on that connection and the
// frame itself. The receiver checks the hello (tag, sender is a member, clock
// within limits.clock_offset_max_ms) and each frame's tag before decoding a
// single byte of the body: a socket without the secret changes nothing.
//
// The primitive is OpenSSL's (EVP_MAC "HMAC" with SHA-256); tags are
// compared in constant time.
//
// Thread-safety: none; the node's event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/node_config.h"

namespace faultline {

class PeerAuth {
 public:
  static constexpr size_t kHelloBytes = 64;
  static constexpr size_t kNonceBytes = 16;
  static constexpr size_t kTagBytes = 32;

  // `config.cluster_secret` must have been validated (node_config_from_json).
  // `clock` must outlive this.
  PeerAuth(const NodeConfig& config, Clock* clock);
  ~PeerAuth();
  PeerAuth(const PeerAuth&) = delete;
  PeerAuth& operator=(const PeerAuth&) = delete;

  // The hello of a new outbound connection; *nonce gets its fresh nonce.
  std::string hello(std::string* nonce);
  // False when `prefix`, the first bytes of a connection, cannot start a hello.
  bool hello_prefix_ok(std::string_view prefix) const;
  // Checks a received hello; on success *from and *nonce identify the
  // connection.
  Status check_hello(std::string_view hello, NodeId* from, std::string* nonce);

  // The trailer of frame number `seq` on the connection with `nonce`.
  std::string tag(std::string_view nonce, uint64_t seq, std::string_view frame);
  Status check_tag(std::string_view nonce, uint64_t seq, std::string_view frame, std::string_view tag);

  int64_t clock_offset_max_ms() const { return clock_offset_max_us_ / 1000; }

 private:
  struct Mac;
  std::string mac(std::initializer_list<std::string_view> parts);

  // Constant after construction.
  const NodeId self_;
  const std::set<NodeId> members_;
  const int64_t clock_offset_max_us_;
  Clock* const clock_;
  const std::unique_ptr<Mac> mac_;
};

}  // namespace faultline
