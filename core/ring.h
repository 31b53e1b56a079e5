// Ring: consistent hashing with virtual nodes (Dynamo, Cassandra vnodes).
//
// Each node owns `vnodes` tokens: token i of node n is xxHash64 of "n<id>#<i>".
// A key with token t belongs to the first vnode token clockwise at or after t
// (wrapping); its preference list is the next `rf` distinct nodes clockwise
// from there. Every node and the checker compute the same ring from the same
// (node ids, vnodes, rf), so placement needs no coordination.
//
// Token ranges are (left, right]: range i ends at the i-th sorted token and
// starts after the previous one; range 0 wraps around from the last token.
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstddef>
#include <vector>

#include "core/types.h"

namespace faultline {

struct TokenRange {
  Token left = 0;   // exclusive
  Token right = 0;  // inclusive
  bool contains(Token t) const;  // handles the wrap-around range (left >= right)
};

class Ring {
 public:
  Ring(std::vector<NodeId> nodes, int vnodes, int rf);

  int rf() const { return rf_; }
  const std::vector<NodeId>& nodes() const { return nodes_; }

  // The rf distinct nodes responsible for `t`, primary first.
  std::vector<NodeId> preference_list(Token t) const;
  // Every node clockwise from `t`, distinct, primary first: the preference
  // list followed by the fallbacks a sloppy quorum may use.
  std::vector<NodeId> extended_preference_list(Token t) const;

  // The ranges between consecutive vnode tokens, in token order.
  std::vector<TokenRange> ranges() const;
  // Index into ranges() of the range holding t.
  size_t range_index(Token t) const;
  // Replicas of range i (the preference list of its right end).
  std::vector<NodeId> replicas_of_range(size_t i) const;

 private:
  struct VNode {
    Token token;
    NodeId node;
  };
  size_t first_at_or_after(Token t) const;
  std::vector<NodeId> walk(size_t start, size_t limit) const;

  std::vector<NodeId> nodes_;
  int rf_;
  std::vector<VNode> vnodes_;  // sorted by token
};

}  // namespace faultline
