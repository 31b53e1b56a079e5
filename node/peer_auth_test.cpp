// Goal: a peer connection is accepted only from a member that
// knows the cluster secret, with a fresh hello, and each frame only at its
// own position on its own connection.
#include "node/peer_auth.h"

#include <gtest/gtest.h>

#include "core/codec.h"
#include "core/test_util.h"

namespace faultline {
namespace {

using test::fails_with;

NodeConfig member(NodeId id, const std::string& secret) {
  NodeConfig c;
  c.id = id;
  for (NodeId p = 1; p <= 3; ++p) {
    if (p != id) c.peers.push_back({p, "127.0.0.1", 7000 + static_cast<int>(p)});
  }
  c.cluster_secret = secret;
  return c;
}

TEST(PeerAuth, HelloAndFramesVerifyOnlyUnderTheClusterSecret) {
  ManualClock clock;
  const std::string secret = generate_cluster_secret();
  PeerAuth n1(member(1, secret), &clock);
  PeerAuth n2(member(2, secret), &clock);
  PeerAuth outsider(member(1, generate_cluster_secret()), &clock);

  std::string nonce;
  const std::string hello = n1.hello(&nonce);
  ASSERT_EQ(hello.size(), PeerAuth::kHelloBytes);
  NodeId from = 0;
  std::string received_nonce;
  ASSERT_TRUE(n2.check_hello(hello, &from, &received_nonce).is_ok());
  EXPECT_EQ(from, 1u);
  EXPECT_EQ(received_nonce, nonce);

  const std::string frame = encode_frame({1, Ping{1}});
  const std::string tag = n1.tag(nonce, 0, frame);
  EXPECT_TRUE(n2.check_tag(nonce, 0, frame, tag).is_ok());
  EXPECT_TRUE(fails_with(n2.check_tag(nonce, 1, frame, tag), "fails authentication")) << "replayed at another position";
  EXPECT_TRUE(fails_with(n2.check_tag(std::string(16, 'n'), 0, frame, tag), "fails authentication"))
      << "replayed on another connection";
  std::string altered = frame;
  altered.back() ^= 1;
  EXPECT_TRUE(fails_with(n2.check_tag(nonce, 0, altered, tag), "fails authentication"));

  std::string other_nonce;
  EXPECT_TRUE(fails_with(n2.check_hello(outsider.hello(&other_nonce), &from, &received_nonce),
                         "not signed with the cluster secret"));
  EXPECT_TRUE(fails_with(n2.check_hello(n2.hello(&other_nonce), &from, &received_nonce), "not a peer"));
  EXPECT_TRUE(fails_with(n2.check_hello(std::string(PeerAuth::kHelloBytes, 'x'), &from, &received_nonce), "no hello"));
  clock.advance_ms(n2.clock_offset_max_ms() + 1000);
  EXPECT_TRUE(fails_with(n2.check_hello(hello, &from, &received_nonce), "beyond the maximum clock offset"))
      << "a recorded hello cannot be replayed later";
}

}  // namespace
}  // namespace faultline
