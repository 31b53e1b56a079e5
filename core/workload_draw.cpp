#include "core/workload_draw.h"

#include <algorithm>
#include <cmath>

#include "core/assert.h"

namespace faultline {

namespace {
// Rng stream of the workload, so other users of the seed stay independent.
constexpr uint64_t kWorkloadRngStream = 0x776f726b6c6f6164;  // "workload"
}  // namespace

KeyPicker::KeyPicker(KeyDistribution d, int keys) : distribution_(d), keys_(keys) {
  FL_ASSERT(keys > 0);
  if (d != KeyDistribution::kZipfian) return;
  double total = 0;
  for (int i = 0; i < keys; ++i) {
    total += 1.0 / std::pow(i + 1, kZipfExponent);
    cdf_.push_back(total);
  }
  for (double& c : cdf_) c /= total;
}

int KeyPicker::index(Rng* rng) const {
  switch (distribution_) {
    case KeyDistribution::kUniform: break;
    case KeyDistribution::kFresh: break;  // WorkerDraw names fresh keys
    case KeyDistribution::kHotKey:
      if (rng->chance(kHotKeyShare)) return 0;
      break;
    case KeyDistribution::kZipfian: {
      auto it = std::lower_bound(cdf_.begin(), cdf_.end(), rng->unit());
      return std::min<int>(static_cast<int>(it - cdf_.begin()), keys_ - 1);
    }
  }
  return static_cast<int>(rng->uniform(static_cast<uint64_t>(keys_)));
}

std::string pick_operation(const WorkloadSpec& w, Rng* rng) {
  double u = rng->unit();
  if (u < w.read_fraction) return "read";
  if (u < w.read_fraction + w.write_fraction) return "write";
  return "delete";
}

std::vector<uint64_t> worker_seeds(const Plan& plan) {
  Rng root = Rng(plan.seed).fork(kWorkloadRngStream);
  std::vector<uint64_t> seeds;
  for (int w = 0; w < plan.workload.clients; ++w) seeds.push_back(root.fork(static_cast<uint64_t>(w)).next());
  return seeds;
}

int64_t draw_value_bytes(const WorkloadSpec& w, Rng* rng) {
  if (w.value_bytes_max == 0) return 0;
  const double lo = std::log(static_cast<double>(w.value_bytes_min) + 1);
  const double hi = std::log(static_cast<double>(w.value_bytes_max) + 1);
  const double u = rng->unit();
  const auto bytes = static_cast<int64_t>(std::exp(lo + u * (hi - lo))) - 1;
  return std::clamp(bytes, w.value_bytes_min, w.value_bytes_max);
}

std::string padded_value(const std::string& identity, int64_t bytes) {
  if (bytes <= static_cast<int64_t>(identity.size())) return identity;
  static constexpr char kFiller[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string v = identity;
  v.reserve(static_cast<size_t>(bytes));
  v.push_back('.');
  for (size_t i = 0; v.size() < static_cast<size_t>(bytes); ++i) v.push_back(kFiller[i % (sizeof(kFiller) - 1)]);
  return v;
}

bool coordinator_trouble(OpType type, const std::string& error) {
  if (type != OpType::kInfo && type != OpType::kFail) return false;
  // A node's error reply begins with an upper-case code word: the node
  // answered (TIMEOUT too: it is alive, its replicas were slow).
  size_t i = 0;
  while (i < error.size() && error[i] >= 'A' && error[i] <= 'Z') ++i;
  const bool node_reply = i > 0 && (i == error.size() || error[i] == ' ');
  return !node_reply;
}

Router::Router(Routing routing, int nodes, int worker)
    : routing_(routing), nodes_(nodes), current_(static_cast<NodeId>(worker % nodes + 1)),
      avoid_until_ms_(static_cast<size_t>(nodes), INT64_MIN) {
  FL_ASSERT(nodes > 0);
}

NodeId Router::choose(Rng* rng, int64_t now_ms) {
  switch (routing_) {
    case Routing::kRandom: return static_cast<NodeId>(rng->uniform(static_cast<uint64_t>(nodes_)) + 1);
    case Routing::kPinned: return current_;
    case Routing::kFailover: break;
  }
  if (avoid_until_ms_[current_ - 1] <= now_ms) return current_;
  // Move on, in ring order, to the first node not avoided; when every node
  // is, to the one whose avoidance ends first.
  NodeId best = current_;
  for (int step = 1; step <= nodes_; ++step) {
    const NodeId id = static_cast<NodeId>((current_ - 1 + step) % nodes_ + 1);
    if (avoid_until_ms_[id - 1] <= now_ms) {
      best = id;
      break;
    }
    if (avoid_until_ms_[id - 1] < avoid_until_ms_[best - 1]) best = id;
  }
  current_ = best;
  return current_;
}

void Router::observe(NodeId node, OpType type, const std::string& error, int64_t now_ms) {
  if (routing_ != Routing::kFailover || node < 1 || node > static_cast<NodeId>(nodes_)) return;
  if (coordinator_trouble(type, error)) avoid_until_ms_[node - 1] = now_ms + kAvoidMs;
}

WorkerDraw::WorkerDraw(const Plan& plan, int worker, uint64_t seed)
    : w_(plan.workload), worker_(worker), rng_(seed), keys_(plan.workload.key_distribution, plan.workload.keys),
      router_(plan.workload.routing, plan.cluster.nodes, worker), process_(worker) {}

std::string WorkerDraw::fresh_key(int worker, int64_t n) const {
  return "f" + std::to_string(worker) + "-" + std::to_string(n);
}

std::string WorkerDraw::pick_key(const std::string& f) {
  if (w_.key_distribution != KeyDistribution::kFresh) {
    // No draw at all when the share is 0, so plans without it draw as before.
    if (f == "read" && !recent_.empty() && w_.read_recent_share > 0 && rng_.chance(w_.read_recent_share)) {
      return recent_[rng_.uniform(recent_.size())];
    }
    std::string key = keys_.pick(&rng_);
    if (f != "read" && w_.read_recent_share > 0) {
      if (auto it = std::find(recent_.begin(), recent_.end(), key); it != recent_.end()) recent_.erase(it);
      if (recent_.size() == kRecentKeys) recent_.erase(recent_.begin());
      recent_.push_back(key);
    }
    return key;
  }
  if (f == "write") {
    std::string key = fresh_key(worker_, fresh_count_++);
    mine_.push_back(key);
    deletable_.push_back(key);
    return key;
  }
  if (f == "delete") {
    // A key this worker wrote and has not deleted: one write, then one
    // delete, so a value read after the delete is a resurrection and no
    // read after the write should miss it. None yet: a never-written key.
    if (deletable_.empty()) return fresh_key(worker_, fresh_count_++);
    const size_t i = rng_.uniform(deletable_.size());
    std::string key = deletable_[i];
    deletable_[i] = deletable_.back();
    deletable_.pop_back();
    return key;
  }
  if (!mine_.empty() && rng_.chance(kFreshOwnReadShare)) {
    const size_t window = std::min(mine_.size(), static_cast<size_t>(w_.keys));
    return mine_[mine_.size() - 1 - rng_.uniform(window)];
  }
  const int other = static_cast<int>(rng_.uniform(static_cast<uint64_t>(w_.clients)));
  return fresh_key(other, static_cast<int64_t>(rng_.uniform(static_cast<uint64_t>(std::max<int64_t>(1, fresh_count_)))));
}

DrawnOp WorkerDraw::next(int64_t now_ms) {
  DrawnOp op;
  op.process = process_;
  op.f = pick_operation(w_, &rng_);
  op.key = pick_key(op.f);
  op.cl = op.f == "read" ? w_.read_cl : w_.write_cl;
  if (op.f == "write") {
    const int64_t bytes = draw_value_bytes(w_, &rng_);
    op.value = padded_value(std::to_string(process_) + "-" + std::to_string(seq_++), bytes);
  }
  if (op.f != "read") keys_written_.insert(op.key);
  op.node = router_.choose(&rng_, now_ms);
  return op;
}

void WorkerDraw::completed(const DrawnOp& op, OpType type, const std::string& error, int64_t now_ms) {
  router_.observe(op.node, type, error, now_ms);
  if (type == OpType::kInfo) {
    process_ += w_.clients;
    seq_ = 0;
  }
}

}  // namespace faultline
