#include "faults/partition.h"

#include <algorithm>

namespace faultline {

namespace {

void cut_both_ways(const std::vector<std::string>& a, const std::vector<std::string>& b, Grudge* g) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      (*g)[x].insert(y);
      (*g)[y].insert(x);
    }
  }
}

std::vector<std::string> without(const std::vector<std::string>& nodes, const std::vector<std::string>& drop) {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    if (std::find(drop.begin(), drop.end(), n) == drop.end()) out.push_back(n);
  }
  return out;
}

Status check_targets(std::string_view kind, const std::vector<std::string>& targets,
                     const std::vector<std::string>& nodes) {
  std::set<std::string> seen;
  for (const auto& t : targets) {
    if (std::find(nodes.begin(), nodes.end(), t) == nodes.end()) {
      return Status::invalid("partition " + std::string(kind) + ": target " + t + " is not a node of the cluster");
    }
    if (!seen.insert(t).second) return Status::invalid("partition " + std::string(kind) + ": target " + t + " repeats");
  }
  return Status::ok();
}

// Ring order: node at position p hears positions p-back .. p+fwd, so that
// together with itself it hears a majority.
void majorities_ring(const std::vector<std::string>& ring, Grudge* g) {
  const int n = static_cast<int>(ring.size());
  const int majority = n / 2 + 1;
  const int back = (majority - 1) / 2;
  const int fwd = majority - 1 - back;
  for (int p = 0; p < n; ++p) {
    std::set<std::string> hears;
    for (int d = -back; d <= fwd; ++d) hears.insert(ring[((p + d) % n + n) % n]);
    for (const auto& other : ring) {
      if (!hears.count(other)) (*g)[ring[p]].insert(other);
    }
  }
}

}  // namespace

bool is_partition_kind(std::string_view kind) {
  return std::find(std::begin(kPartitionKinds), std::end(kPartitionKinds), kind) != std::end(kPartitionKinds);
}

Status partition_grudge(std::string_view kind, const std::vector<std::string>& targets,
                        const std::vector<std::string>& nodes, Grudge* out) {
  out->clear();
  const std::string what = "partition " + std::string(kind);
  if (Status s = check_targets(kind, targets, nodes); !s) return s;
  if (kind == "one") {
    if (targets.size() != 1) return Status::invalid(what + ": needs exactly one target");
    cut_both_ways(targets, without(nodes, targets), out);
  } else if (kind == "halves") {
    if (targets.empty() || targets.size() >= nodes.size()) {
      return Status::invalid(what + ": targets are one side, 1 to nodes-1 of them");
    }
    cut_both_ways(targets, without(nodes, targets), out);
  } else if (kind == "majorities-ring") {
    if (!targets.empty() && targets.size() != nodes.size()) {
      return Status::invalid(what + ": targets are every node in ring order, or none for n1..nN");
    }
    majorities_ring(targets.empty() ? nodes : targets, out);
  } else if (kind == "bridge") {
    if (targets.size() < 2 || targets.size() >= nodes.size()) {
      return Status::invalid(what + ": targets are the bridge, then side A (side B is the rest, not empty)");
    }
    std::vector<std::string> side_a(targets.begin() + 1, targets.end());
    cut_both_ways(side_a, without(nodes, targets), out);
  } else if (kind == "one-way") {
    if (targets.size() != 2) return Status::invalid(what + ": needs targets [i, j] (i hears j, j does not hear i)");
    (*out)[targets[1]].insert(targets[0]);
  } else {
    return Status::invalid("unknown partition kind '" + std::string(kind) +
                           "' (one, halves, majorities-ring, bridge, one-way)");
  }
  return Status::ok();
}

void shuffle_names(std::vector<std::string>* names, Rng* rng) {
  for (size_t i = names->size(); i > 1; --i) std::swap((*names)[i - 1], (*names)[rng->uniform(i)]);
}

std::vector<std::string> pick_partition_targets(std::string_view kind, const std::vector<std::string>& nodes,
                                                Rng* rng) {
  std::vector<std::string> order = nodes;
  shuffle_names(&order, rng);
  if (kind == "one") return {order[0]};
  if (kind == "halves") {
    const size_t minority = std::max<size_t>(1, (order.size() - 1) / 2);
    return std::vector<std::string>(order.begin(), order.begin() + minority);
  }
  if (kind == "majorities-ring") return order;
  if (kind == "bridge") {
    // The bridge, then half of the others as side A.
    const size_t side_a = (order.size() - 1) / 2;
    return std::vector<std::string>(order.begin(), order.begin() + 1 + side_a);
  }
  if (kind == "one-way") return {order[0], order[1]};
  return {};
}

bool link_cut(const Grudge& g, const std::string& from, const std::string& to) {
  auto it = g.find(to);
  return it != g.end() && it->second.count(from) > 0;
}

}  // namespace faultline
