// merkle-convergence.
//
// Definition (after quiesce, from final/<node>.json only):
// 1. Identical data: for every key any node holds, every replica of the key's
//    range (core Ring over plan.cluster: nodes n1..nN, vnodes, rf) holds the
//    same record (value, version, tombstone) or all hold nothing. Each key
//    where replicas differ is one violation; the witness is what each replica
//    holds. Records held by non-replicas (sloppy-quorum fallbacks) are not
//    compared here; hint-replay judges their delivery.
// 2. Honest roots: when nodes report Merkle roots ("merkle_roots", not null),
//    each node reports one root for every range it replicates, with the
//    ring's bounds and a depth no deeper than the plan's merkle_depth (the
//    maximum; each tree is sized from its key count, and a root without a
//    depth, from files written before that, has the plan's merkle_depth), and
//    that root equals the checker's own recomputation at that depth from the
//    node's dumped records (DESIGN.md "Merkle hash"). Each missing or wrong
//    root is one violation: a tree that lies about its data hides
//    differences from every exchange.
// 3. Agreeing roots: for every range, the roots its replicas report agree
//    once folded to a common depth (the shallowest of them; node sums fold
//    exactly, core/merkle_hash.h). Each range where they differ is one
//    violation.
// A tombstone counts as nothing once it may have been purged (DeletionRule,
// checker/expectations.h: gc_grace since the key's first delete was invoked,
// at the history's last time; any time with clock faults): replicas sweep
// their ranges in turn, so after quiesce one replica may have purged a
// tombstone its peers still hold, and both read as nothing. Roots are
// compared (3) as the checker recomputes them at the common depth with such
// tombstones left out, for nodes whose reported roots are honest (2); a
// dishonest node's root is compared as reported.
// A node that reports "merkle_roots": null is exempt from 2 and 3 only when
// the plan has anti-entropy off (no trees exist). With anti-entropy on, null
// is a missing root for every range the node replicates: otherwise a node
// could hide a broken tree by reporting none.
//
// The tree code (leaf placement, sparse tree: only non-empty leaves are
// stored, empty subtrees use precomputed hashes) is the checker's own, so a
// bug in the node's incremental tree cannot hide behind shared code; only the
// hash primitives (record hash, inner hash, hex) come from core/merkle_hash.h.
//
// Memory: one (token, hash) per record a node holds, and the non-empty
// leaves of one tree at a time: O(records).
#include <algorithm>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "checker/expectations.h"
#include "checker/property.h"
#include "core/merkle_hash.h"
#include "core/ring.h"

namespace faultline {

namespace {

__extension__ typedef unsigned __int128 U128;

uint64_t leaf_of(const TokenRange& range, Token t, int depth) {
  uint64_t offset = t - range.left - 1;
  U128 size = range.left == range.right ? (U128(1) << 64) : U128(range.right - range.left);
  return static_cast<uint64_t>((U128(offset) << depth) / size);
}

// Root of a tree of 2^depth leaves given its non-empty leaves.
class SparseTree {
 public:
  explicit SparseTree(int depth) : depth_(depth) {
    empty_.push_back(0);  // empty_[h]: hash of an empty subtree of height h
    for (int h = 1; h <= depth; ++h) empty_.push_back(merkle_inner_hash(empty_.back(), empty_.back()));
  }
  uint64_t root(const std::map<uint64_t, uint64_t>& leaves) const {
    return subtree(leaves.begin(), leaves.end(), 0, depth_);
  }

 private:
  using It = std::map<uint64_t, uint64_t>::const_iterator;
  // Leaves [first, last) all lie in [lo, lo + 2^height).
  uint64_t subtree(It first, It last, uint64_t lo, int height) const {
    if (first == last) return empty_[static_cast<size_t>(height)];
    if (height == 0) return first->second;
    uint64_t mid = lo + (uint64_t{1} << (height - 1));
    It split = std::find_if(first, last, [&](const auto& kv) { return kv.first >= mid; });
    return merkle_inner_hash(subtree(first, split, lo, height - 1), subtree(split, last, mid, height - 1));
  }
  int depth_;
  std::vector<uint64_t> empty_;
};

struct ReportedRoot {
  TokenRange range;
  uint64_t root = 0;
  int depth = 0;  // as reported, or the plan's merkle_depth when the file has none
};

// One record a node holds in a range, as its tree sees it.
struct HeldHash {
  Token token = 0;
  uint64_t hash = 0;
  bool purgeable = false;  // a tombstone that may have been purged (see above)
};
using HeldHashes = std::map<std::pair<std::string, size_t>, std::vector<HeldHash>>;  // (node, range index)

// The root of the tree of `range` with 2^depth leaves over `held`, without
// the purgeable records when `unpurged_only`.
uint64_t root_at(const TokenRange& range, const std::vector<HeldHash>& held, int depth, bool unpurged_only) {
  std::map<uint64_t, uint64_t> leaves;
  for (const HeldHash& h : held) {
    if (!(unpurged_only && h.purgeable)) leaves[leaf_of(range, h.token, depth)] += h.hash;
  }
  return SparseTree(depth).root(leaves);
}

// What one node reported for one range, for the agreement check.
struct RangeReport {
  bool honest = false;
  ReportedRoot reported;
};

class MerkleConvergence final : public LoggingChecker {
 public:
  MerkleConvergence(const Plan& plan, const FinalState& final_state)
      : plan_(plan), final_(final_state), deletions_(deletion_rule(plan)) {}

  void on_invoke(const HistoryOp& invoke, KeyId key) override {
    (void)key;
    end_ns_ = std::max(end_ns_, invoke.time_ns);
    if (invoke.f == "delete") first_delete_ns_.try_emplace(*invoke.key, invoke.time_ns);
  }
  void on_complete(const HistoryOp& invoke, const HistoryOp& done, KeyId key) override {
    (void)invoke;
    (void)key;
    end_ns_ = std::max(end_ns_, done.time_ns);
  }
  void on_nemesis(const HistoryOp& op) override { end_ns_ = std::max(end_ns_, op.time_ns); }

  void finish() override {
    std::vector<NodeId> ids;
    for (int i = 1; i <= plan_.cluster.nodes; ++i) ids.push_back(static_cast<NodeId>(i));
    Ring ring(ids, plan_.cluster.vnodes, plan_.cluster.rf);
    for (NodeId id : ids) {
      const std::string name = node_name(id);
      if (std::find(final_.nodes().begin(), final_.nodes().end(), name) == final_.nodes().end()) {
        throw std::runtime_error("final/" + name + ".json missing: cannot compare replicas");
      }
    }
    check_data(ring);
    check_roots(ring);
  }

 private:
  void check_data(const Ring& ring) {
    for (const auto& [key, held] : final_.keys()) {
      std::vector<NodeId> replicas = ring.replicas_of_range(ring.range_index(token_of(key)));
      std::optional<Record> first;
      bool differ = false;
      for (size_t i = 0; i < replicas.size(); ++i) {
        std::optional<Record> r = held_by(held, node_name(replicas[i]));
        if (r && may_be_purged(*r)) r.reset();
        if (i == 0) first = r;
        else if (r != first) differ = true;
      }
      if (differ) data_violation(key, held, replicas);
    }
  }

  // Whether `r` is a tombstone its replicas may have purged by the end.
  bool may_be_purged(const Record& r) const {
    if (!r.tombstone) return false;
    auto it = first_delete_ns_.find(r.key);
    return it != first_delete_ns_.end() && deletions_.purge_possible(it->second, end_ns_);
  }

  static std::optional<Record> held_by(const KeyFinalState& held, const std::string& node) {
    for (const auto& [n, r] : held.holders) {
      if (n == node) return r;
    }
    return std::nullopt;
  }

  void data_violation(const std::string& key, const KeyFinalState& held, const std::vector<NodeId>& replicas) {
    violation([&] {
      Witness w;
      std::string what;
      for (NodeId id : replicas) {
        std::optional<Record> r = held_by(held, node_name(id));
        what += (what.empty() ? "" : "; ") + node_name(id) + ": " +
                (r ? describe_version(r->version, r->tombstone) + (r->tombstone ? "" : " '" + r->value + "'")
                   : "nothing");
        if (r) w.ops.push_back(witness_record(*r, node_name(id)));
      }
      w.summary = "replicas of " + key + " differ after quiesce: " + what;
      w.explanation = "After quiesce the replicas of key " + key + " hold different data (" + what + ").";
      return w;
    });
  }

  void check_roots(const Ring& ring) {
    const std::vector<TokenRange> ranges = ring.ranges();
    HeldHashes held;
    for (const auto& [key, by_node] : final_.keys()) {
      const Token t = token_of(key);
      const size_t ri = ring.range_index(t);
      for (const auto& [node, record] : by_node.holders) {
        held[{node, ri}].push_back({t, merkle_record_hash(record), may_be_purged(record)});
      }
    }
    std::vector<std::map<std::string, RangeReport>> reports(ranges.size());
    for (const std::string& node : final_.nodes()) check_node_roots(ring, node, held, &reports);
    for (size_t ri = 0; ri < ranges.size(); ++ri) check_agreement(ri, ranges[ri], reports[ri], held);
  }

  int plan_depth() const { return std::clamp(plan_.modes.merkle_depth, kMerkleDepthMin, kMerkleDepthMax); }

  // Check 2 for every range `node` replicates; what it reported goes to
  // (*reports)[range index][node].
  void check_node_roots(const Ring& ring, const std::string& node, const HeldHashes& held,
                        std::vector<std::map<std::string, RangeReport>>* reports) {
    const std::vector<TokenRange> ranges = ring.ranges();
    std::map<size_t, ReportedRoot> reported;
    const bool any = parse_roots(node, ranges.size(), &reported);
    if (!any && !plan_.modes.anti_entropy) return;  // no trees to check
    const std::string none = any ? "reported no root for it"
                                 : "reported no Merkle roots at all (null) although anti-entropy is on";
    NodeId id = 0;
    if (!parse_node_name(node, &id)) return;
    static const std::vector<HeldHash> kNothing;
    for (size_t ri = 0; ri < ranges.size(); ++ri) {
      std::vector<NodeId> replicas = ring.replicas_of_range(ri);
      if (std::find(replicas.begin(), replicas.end(), id) == replicas.end()) continue;
      auto h = held.find({node, ri});
      const std::vector<HeldHash>& mine = h == held.end() ? kNothing : h->second;
      auto it = reported.find(ri);
      if (it == reported.end()) {
        root_violation(node, ri, ranges[ri], root_at(ranges[ri], mine, plan_depth(), false), none);
        continue;
      }
      const ReportedRoot& r = it->second;
      if (r.depth > plan_depth()) {
        root_violation(node, ri, ranges[ri], root_at(ranges[ri], mine, plan_depth(), false),
                       "reported a tree of depth " + std::to_string(r.depth) + ", deeper than the plan's merkle_depth " +
                           std::to_string(plan_depth()));
        (*reports)[ri][node] = {false, r};
        continue;
      }
      const uint64_t recomputed = root_at(ranges[ri], mine, r.depth, false);
      (*reports)[ri][node] = {r.root == recomputed, r};
      if (r.range.left != ranges[ri].left || r.range.right != ranges[ri].right) {
        root_violation(node, ri, ranges[ri], recomputed, "reported it with bounds (" + std::to_string(r.range.left) +
                                                             ", " + std::to_string(r.range.right) + "]");
      } else if (r.root != recomputed) {
        root_violation(node, ri, ranges[ri], recomputed, "reported root " + merkle_hex(r.root) + " at depth " +
                       std::to_string(r.depth) + " but its own dumped records hash to " + merkle_hex(recomputed));
      }
    }
  }

  // Check 3: honest roots recomputed at the shallowest reported depth
  // without purgeable tombstones, dishonest ones as reported.
  void check_agreement(size_t ri, const TokenRange& range, const std::map<std::string, RangeReport>& reports,
                       const HeldHashes& held) {
    if (reports.empty()) return;
    int depth = kMerkleDepthMax;
    for (const auto& [node, report] : reports) depth = std::min(depth, report.reported.depth);
    std::map<std::string, uint64_t> roots;
    for (const auto& [node, report] : reports) {
      auto h = held.find({node, ri});
      roots[node] = !report.honest       ? report.reported.root
                    : h == held.end()    ? root_at(range, {}, depth, true)
                                         : root_at(range, h->second, depth, true);
    }
    check_roots_agree(ri, depth, roots);
  }

  void check_roots_agree(size_t ri, int depth, const std::map<std::string, uint64_t>& roots) {
    uint64_t first = roots.begin()->second;
    bool agree = std::all_of(roots.begin(), roots.end(), [&](const auto& kv) { return kv.second == first; });
    if (agree) return;
    violation([&] {
      std::string what;
      for (const auto& [node, root] : roots) what += (what.empty() ? "" : ", ") + node + " " + merkle_hex(root);
      Witness w;
      w.summary = "range " + std::to_string(ri) + ": replicas report different roots (" + what + ")";
      w.explanation = "After quiesce the replicas of range " + std::to_string(ri) + " report different Merkle roots (" +
                      what + "; compared at depth " + std::to_string(depth) + ").";
      return w;
    });
  }

  void root_violation(const std::string& node, size_t ri, const TokenRange& r, uint64_t mine, const std::string& why) {
    violation([&] {
      Witness w;
      std::string range = "range " + std::to_string(ri) + " (" + std::to_string(r.left) + ", " +
                          std::to_string(r.right) + "]";
      w.summary = node + " " + range + ": " + why;
      w.explanation = "Node " + node + " replicates " + range + " and " + why + " (the checker recomputes " +
                      merkle_hex(mine) + " from final/" + node + ".json).";
      return w;
    });
  }

  // False when the node reported null. A range the ring does not have
  // throws (-> unknown).
  bool parse_roots(const std::string& node, size_t range_count, std::map<size_t, ReportedRoot>* out) const {
    const auto& roots = final_.merkle_roots(node);
    if (!roots) return false;
    for (const RangeRoot& e : *roots) {
      if (e.range_index >= range_count) {
        throw std::runtime_error("final/" + node + ".json merkle_roots: range_index " + std::to_string(e.range_index) +
                                 " out of range");
      }
      (*out)[e.range_index] = ReportedRoot{{e.left, e.right}, e.root, e.depth != 0 ? e.depth : plan_depth()};
    }
    return true;
  }

  const Plan& plan_;
  const FinalState& final_;
  const DeletionRule deletions_;
  std::unordered_map<std::string, int64_t> first_delete_ns_;  // key -> time its first delete was invoked
  int64_t end_ns_ = 0;  // the history's last time
};

}  // namespace

std::unique_ptr<PropertyChecker> make_merkle_convergence(const CheckContext& ctx) {
  return std::make_unique<MerkleConvergence>(*ctx.plan, *ctx.final_state);
}

}  // namespace faultline
