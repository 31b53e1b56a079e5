// Goal: placement is the documented scheme (vnode tokens, next rf distinct
// nodes clockwise, primary first), is deterministic, and the token ranges tile
// the ring exactly, wrap-around included, agreeing with the preference lists.
// Tests that draw random tokens print their seed (FAULTLINE_TEST_SEED replays).
#include "core/ring.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "core/rng.h"
#include "core/test_util.h"

namespace faultline {
namespace {

constexpr Token kMaxToken = std::numeric_limits<Token>::max();
constexpr int kTokensPerTest = 2000;

std::vector<NodeId> node_ids(int n) {
  std::vector<NodeId> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(static_cast<NodeId>(i));
  return ids;
}

// The placement of ring.h computed the slow, obvious way: every vnode token
// sorted, then walk clockwise from the first token at or after t.
std::vector<NodeId> naive_preference_list(const std::vector<NodeId>& nodes, int vnodes, int rf, Token t) {
  std::vector<std::pair<Token, NodeId>> ring;
  for (NodeId n : nodes) {
    for (int i = 0; i < vnodes; ++i) ring.emplace_back(token_of(node_name(n) + "#" + std::to_string(i)), n);
  }
  std::sort(ring.begin(), ring.end());
  size_t start = 0;
  while (start < ring.size() && ring[start].first < t) ++start;
  std::vector<NodeId> out;
  for (size_t i = 0; i < ring.size() && out.size() < static_cast<size_t>(rf); ++i) {
    NodeId n = ring[(start + i) % ring.size()].second;
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

// Random tokens plus the edges of the token space.
std::vector<Token> probe_tokens(uint64_t seed) {
  Rng rng(seed);
  std::vector<Token> tokens = {0, 1, kMaxToken - 1, kMaxToken};
  for (int i = 0; i < kTokensPerTest; ++i) tokens.push_back(rng.next());
  return tokens;
}

// probe_tokens() plus every vnode boundary of `ring` and its neighbours.
std::vector<Token> probe_and_boundary_tokens(const Ring& ring, uint64_t seed) {
  std::vector<Token> tokens = probe_tokens(seed);
  for (const TokenRange& r : ring.ranges()) {
    for (Token t : {r.right - 1, r.right, r.right + 1}) tokens.push_back(t);  // wraps at the ends on purpose
  }
  return tokens;
}

TEST(Ring, PreferenceListIsRfDistinctNodesPrimaryFirst) {
  const auto nodes = node_ids(5);
  const Ring ring(nodes, 8, 3);
  for (Token t : probe_tokens(test::test_seed())) {
    const auto prefs = ring.preference_list(t);
    ASSERT_EQ(prefs.size(), 3u) << "token " << t;
    EXPECT_EQ(std::set<NodeId>(prefs.begin(), prefs.end()).size(), 3u) << "token " << t;
    ASSERT_EQ(prefs, naive_preference_list(nodes, 8, 3, t)) << "token " << t;
  }
}

TEST(Ring, ExtendedPreferenceListStartsWithThePreferenceListAndHasEveryNode) {
  const Ring ring(node_ids(5), 8, 3);
  for (Token t : probe_tokens(test::test_seed())) {
    const auto prefs = ring.preference_list(t);
    const auto ext = ring.extended_preference_list(t);
    ASSERT_EQ(ext.size(), 5u);
    EXPECT_EQ(std::set<NodeId>(ext.begin(), ext.end()).size(), 5u);
    EXPECT_TRUE(std::equal(prefs.begin(), prefs.end(), ext.begin())) << "token " << t;
  }
}

TEST(Ring, SameInputsGiveSamePlacementWhateverTheNodeOrder) {
  const Ring a({1, 2, 3, 4, 5}, 8, 3);
  const Ring b({5, 3, 1, 4, 2}, 8, 3);
  EXPECT_EQ(a.nodes(), b.nodes());
  for (Token t : probe_tokens(test::test_seed())) {
    ASSERT_EQ(a.preference_list(t), b.preference_list(t)) << "token " << t;
  }
  for (int i = 0; i < 100; ++i) {
    const Token t = token_of("k" + std::to_string(i));
    EXPECT_EQ(a.preference_list(t), b.preference_list(t));
  }
}

TEST(Ring, RangesTileTheRingWithOneWrapAroundRange) {
  const Ring ring(node_ids(5), 8, 3);
  const auto ranges = ring.ranges();
  ASSERT_EQ(ranges.size(), 40u);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const TokenRange& prev = ranges[(i + ranges.size() - 1) % ranges.size()];
    EXPECT_EQ(ranges[i].left, prev.right) << "range " << i << " does not start where range " << i - 1 << " ends";
    if (i > 0) {
      EXPECT_LT(ranges[i].left, ranges[i].right) << "range " << i;
    }
  }
  EXPECT_GT(ranges[0].left, ranges[0].right) << "range 0 must wrap around";
}

TEST(Ring, EveryTokenIsInExactlyOneRangeTheOneRangeIndexNames) {
  const Ring ring(node_ids(5), 8, 3);
  const auto ranges = ring.ranges();
  for (Token t : probe_and_boundary_tokens(ring, test::test_seed())) {
    std::vector<size_t> holders;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (ranges[i].contains(t)) holders.push_back(i);
    }
    ASSERT_EQ(holders.size(), 1u) << "token " << t;
    EXPECT_EQ(ring.range_index(t), holders[0]) << "token " << t;
  }
}

TEST(Ring, RangeEndsAreInclusiveAndStartsExclusive) {
  const Ring ring(node_ids(3), 4, 2);
  const auto ranges = ring.ranges();
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_TRUE(ranges[i].contains(ranges[i].right));
    EXPECT_FALSE(ranges[i].contains(ranges[i].left));
    EXPECT_EQ(ring.range_index(ranges[i].right), i);
    EXPECT_EQ(ring.range_index(ranges[i].left), (i + ranges.size() - 1) % ranges.size());
  }
}

TEST(Ring, ReplicasOfARangeAreThePreferenceListOfItsTokens) {
  const Ring ring(node_ids(5), 8, 3);
  for (Token t : probe_and_boundary_tokens(ring, test::test_seed())) {
    ASSERT_EQ(ring.replicas_of_range(ring.range_index(t)), ring.preference_list(t)) << "token " << t;
  }
}

TEST(Ring, OneVnodeOneNodeOwnsTheWholeRing) {
  const Ring ring({7}, 1, 1);
  const auto ranges = ring.ranges();
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].left, ranges[0].right);
  for (Token t : {Token{0}, ranges[0].right, ranges[0].right + 1, kMaxToken}) {
    EXPECT_TRUE(ranges[0].contains(t)) << t;
    EXPECT_EQ(ring.range_index(t), 0u);
    EXPECT_EQ(ring.preference_list(t), std::vector<NodeId>{7});
  }
}

TEST(TokenRange, ContainsHandlesOrdinaryAndWrapAroundRanges) {
  const TokenRange ordinary{10, 20};
  EXPECT_FALSE(ordinary.contains(10));
  EXPECT_TRUE(ordinary.contains(11));
  EXPECT_TRUE(ordinary.contains(20));
  EXPECT_FALSE(ordinary.contains(21));
  const TokenRange wrap{kMaxToken - 5, 5};
  EXPECT_FALSE(wrap.contains(kMaxToken - 5));
  EXPECT_TRUE(wrap.contains(kMaxToken));
  EXPECT_TRUE(wrap.contains(0));
  EXPECT_TRUE(wrap.contains(5));
  EXPECT_FALSE(wrap.contains(6));
  EXPECT_FALSE(wrap.contains(1000));
}

TEST(Ring, PrimariesAreRoughlyBalanced) {
  const Ring ring(node_ids(5), 8, 3);
  constexpr int kKeys = 10000;
  std::map<NodeId, int> primary;
  std::map<NodeId, int> replica;
  for (int i = 0; i < kKeys; ++i) {
    const auto prefs = ring.preference_list(token_of("k" + std::to_string(i)));
    ++primary[prefs[0]];
    for (NodeId n : prefs) ++replica[n];
  }
  ASSERT_EQ(primary.size(), 5u) << "some node is primary for no key";
  for (const auto& [node, count] : primary) {
    EXPECT_LT(count, kKeys * 45 / 100) << node_name(node) << " is primary for " << count << " of " << kKeys << " keys";
  }
  for (const auto& [node, count] : replica) {
    EXPECT_GT(count, kKeys * 3 / 5 / 4) << node_name(node) << " replicates only " << count << " keys";
  }
}

}  // namespace
}  // namespace faultline
