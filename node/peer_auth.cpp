#include "node/peer_auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

#include "core/assert.h"

namespace faultline {

namespace {

constexpr std::string_view kHelloMagic = "FLA1";
constexpr std::string_view kFrameDomain = "FLF1";  // keeps frame tags apart from hello tags

std::string be(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = 0; i < bytes; ++i) out[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  return out;
}

uint64_t from_be(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::string secret_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::strtoul(hex.substr(i, 2).c_str(), nullptr, 16));
  }
  return out;
}

}  // namespace

// One HMAC-SHA256 context keyed once; each tag re-initialises it with the
// same key (EVP_MAC_init with a null key keeps the previous one).
struct PeerAuth::Mac {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  ~Mac() {
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
  }
};

PeerAuth::PeerAuth(const NodeConfig& config, Clock* clock)
    : self_(config.id),
      members_([&] {
        auto ids = config.ring_nodes();
        return std::set<NodeId>(ids.begin(), ids.end());
      }()),
      clock_offset_max_us_(config.limits.clock_offset_max_ms * 1000),
      clock_(clock),
      mac_(std::make_unique<Mac>()) {
  const std::string key = secret_bytes(config.cluster_secret);
  FL_ASSERT(!key.empty());
  mac_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  FL_ASSERT(mac_->mac != nullptr);
  mac_->ctx = EVP_MAC_CTX_new(mac_->mac);
  FL_ASSERT(mac_->ctx != nullptr);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  FL_ASSERT(EVP_MAC_init(mac_->ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) == 1);
}

PeerAuth::~PeerAuth() = default;

std::string PeerAuth::mac(std::initializer_list<std::string_view> parts) {
  FL_ASSERT(EVP_MAC_init(mac_->ctx, nullptr, 0, nullptr) == 1);
  for (std::string_view p : parts) {
    FL_ASSERT(EVP_MAC_update(mac_->ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size()) == 1);
  }
  std::string out(kTagBytes, '\0');
  size_t n = 0;
  FL_ASSERT(EVP_MAC_final(mac_->ctx, reinterpret_cast<unsigned char*>(out.data()), &n, out.size()) == 1);
  FL_ASSERT(n == kTagBytes);
  return out;
}

std::string PeerAuth::hello(std::string* nonce) {
  nonce->assign(kNonceBytes, '\0');
  FL_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(nonce->data()), static_cast<int>(kNonceBytes)) == 1);
  std::string h = std::string(kHelloMagic) + be(self_, 4) + be(static_cast<uint64_t>(clock_->realtime_us()), 8) + *nonce;
  h += mac({h});
  FL_ASSERT(h.size() == kHelloBytes);
  return h;
}

bool PeerAuth::hello_prefix_ok(std::string_view prefix) const {
  const size_t n = std::min(prefix.size(), kHelloMagic.size());
  return prefix.substr(0, n) == kHelloMagic.substr(0, n);
}

Status PeerAuth::check_hello(std::string_view hello, NodeId* from, std::string* nonce) {
  if (hello.size() != kHelloBytes || hello.substr(0, 4) != kHelloMagic) {
    return Status::invalid("no hello: the connection does not speak the authenticated peer protocol");
  }
  const std::string_view signed_part = hello.substr(0, kHelloBytes - kTagBytes);
  const std::string expected = mac({signed_part});
  if (CRYPTO_memcmp(expected.data(), hello.data() + signed_part.size(), kTagBytes) != 0) {
    return Status::invalid("hello not signed with the cluster secret");
  }
  const NodeId id = static_cast<NodeId>(from_be(hello.substr(4, 4)));
  if (id == self_ || !members_.count(id)) {
    return Status::invalid("hello from node id " + std::to_string(id) + ", which is not a peer");
  }
  const int64_t sent_us = static_cast<int64_t>(from_be(hello.substr(8, 8)));
  const int64_t now_us = clock_->realtime_us();
  // A hello is fresh: recorded old ones cannot be replayed later (the
  // window is the allowed clock offset).
  if (sent_us < now_us - clock_offset_max_us_ || sent_us > now_us + clock_offset_max_us_) {
    return Status::invalid("hello from " + node_name(id) + " stamped " + std::to_string(sent_us) +
                           " us, beyond the maximum clock offset from " + std::to_string(now_us));
  }
  *from = id;
  nonce->assign(hello.substr(16, kNonceBytes));
  return Status::ok();
}

std::string PeerAuth::tag(std::string_view nonce, uint64_t seq, std::string_view frame) {
  return mac({kFrameDomain, nonce, be(seq, 8), frame});
}

Status PeerAuth::check_tag(std::string_view nonce, uint64_t seq, std::string_view frame, std::string_view tag) {
  const std::string expected = this->tag(nonce, seq, frame);
  if (tag.size() != kTagBytes || CRYPTO_memcmp(expected.data(), tag.data(), kTagBytes) != 0) {
    return Status::invalid("frame " + std::to_string(seq) + " fails authentication");
  }
  return Status::ok();
}

}  // namespace faultline
