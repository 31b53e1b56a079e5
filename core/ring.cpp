#include "core/ring.h"

#include <algorithm>

#include "core/assert.h"

namespace faultline {

bool TokenRange::contains(Token t) const {
  if (left < right) return t > left && t <= right;
  return t > left || t <= right;  // wrap-around (or the whole ring when left == right)
}

Ring::Ring(std::vector<NodeId> nodes, int vnodes, int rf) : nodes_(std::move(nodes)), rf_(rf) {
  FL_ASSERT(!nodes_.empty());
  FL_ASSERT(vnodes >= 1);
  FL_ASSERT(rf >= 1);
  std::sort(nodes_.begin(), nodes_.end());
  for (NodeId n : nodes_) {
    for (int i = 0; i < vnodes; ++i) {
      std::string name = node_name(n) + "#" + std::to_string(i);
      vnodes_.push_back({token_of(name), n});
    }
  }
  std::sort(vnodes_.begin(), vnodes_.end(), [](const VNode& a, const VNode& b) {
    return a.token != b.token ? a.token < b.token : a.node < b.node;
  });
}

size_t Ring::first_at_or_after(Token t) const {
  auto it = std::lower_bound(vnodes_.begin(), vnodes_.end(), t,
                             [](const VNode& v, Token x) { return v.token < x; });
  return it == vnodes_.end() ? 0 : static_cast<size_t>(it - vnodes_.begin());
}

std::vector<NodeId> Ring::walk(size_t start, size_t limit) const {
  std::vector<NodeId> out;
  for (size_t i = 0; i < vnodes_.size() && out.size() < limit; ++i) {
    NodeId n = vnodes_[(start + i) % vnodes_.size()].node;
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

std::vector<NodeId> Ring::preference_list(Token t) const {
  return walk(first_at_or_after(t), static_cast<size_t>(rf_));
}

std::vector<NodeId> Ring::extended_preference_list(Token t) const {
  return walk(first_at_or_after(t), nodes_.size());
}

std::vector<TokenRange> Ring::ranges() const {
  std::vector<TokenRange> out;
  out.reserve(vnodes_.size());
  for (size_t i = 0; i < vnodes_.size(); ++i) {
    Token left = vnodes_[(i + vnodes_.size() - 1) % vnodes_.size()].token;
    out.push_back({left, vnodes_[i].token});
  }
  return out;
}

size_t Ring::range_index(Token t) const { return first_at_or_after(t); }

std::vector<NodeId> Ring::replicas_of_range(size_t i) const {
  FL_ASSERT(i < vnodes_.size());
  return walk(i, static_cast<size_t>(rf_));
}

}  // namespace faultline
