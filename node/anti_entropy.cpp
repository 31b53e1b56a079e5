#include "node/anti_entropy.h"

#include <algorithm>
#include <unordered_map>

#include "core/assert.h"

namespace faultline {

namespace {

// The encoded size of a message, for the exchange's cost (0 if it cannot be
// encoded; the transport reports that).
size_t frame_bytes(const Envelope& env) {
  std::string frame;
  return encode_frame(env, &frame) ? frame.size() : 0;
}

// A record's share of a sync page: its bytes plus the fixed fields.
size_t page_bytes(const Record& r) { return r.key.size() + r.value.size() + 32; }

std::string node_array(const std::set<NodeId>& nodes) {
  std::string out = "[";
  for (NodeId n : nodes) out += (out.size() > 1 ? ",\"" : "\"") + node_name(n) + "\"";
  return out + "]";
}

int64_t as_i64(uint64_t v) { return static_cast<int64_t>(v); }

// Sync order inside a range (left, right]: by the token's position from
// left + 1 (so a range that wraps past 2^64 - 1 keeps its order), then key.
std::pair<uint64_t, std::string_view> sync_order(const TokenRange& range, Token t, std::string_view key) {
  return {t - range.left - 1, key};
}

std::pair<uint64_t, std::string_view> sync_order(const TokenRange& range, const SyncCursor& c) {
  return sync_order(range, c.token, c.key);
}

// The records in (after, upto] in sync order.
std::vector<Record> in_span(const TokenRange& range, std::vector<Record> records, const std::optional<SyncCursor>& after,
                            const std::optional<SyncCursor>& upto) {
  std::vector<std::pair<std::pair<uint64_t, std::string_view>, size_t>> order;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto o = sync_order(range, token_of(records[i].key), records[i].key);
    if ((!after || o > sync_order(range, *after)) && (!upto || o <= sync_order(range, *upto))) order.push_back({o, i});
  }
  std::sort(order.begin(), order.end());
  std::vector<Record> out;
  out.reserve(order.size());
  for (const auto& [o, i] : order) out.push_back(std::move(records[i]));
  return out;
}

// Keeps the first records within kSyncBytesPerPageMax (at least one); when
// some had to go, returns the cursor of the last one kept.
std::optional<SyncCursor> keep_page_budget(std::vector<Record>* records) {
  size_t bytes = 0;
  size_t n = 0;
  while (n < records->size() && (n == 0 || bytes + page_bytes((*records)[n]) <= AntiEntropy::kSyncBytesPerPageMax)) {
    bytes += page_bytes((*records)[n++]);
  }
  if (n == records->size()) return std::nullopt;
  records->resize(n);
  return SyncCursor{token_of(records->back().key), records->back().key};
}

}  // namespace

AntiEntropy::AntiEntropy(const NodeConfig& config, Env env, TreeStore* store, const Ring* ring,
                         std::function<bool(NodeId)> is_up)
    : config_(config), bugs_(config.bug_set()), env_(env), store_(store), ring_(ring), is_up_(std::move(is_up)) {
  FL_ASSERT(store_ != nullptr);
  FL_ASSERT(ring_ != nullptr);
  FL_ASSERT(is_up_);
  FL_ASSERT(env_.store == store_);
}

AntiEntropy::~AntiEntropy() { stop(); }

void AntiEntropy::start() {
  FL_ASSERT(!running_);
  running_ = true;
  if (Status s = store_->rebuild(); !s) {
    env_.events->emit("store_error", {{"op", std::string("merkle_rebuild")}, {"key", std::string()}, {"error", s.message()}});
  }
  if (enabled()) arm_round_timer();
  arm_sweep_timer();
}

void AntiEntropy::stop() {
  if (!running_) return;
  running_ = false;
  env_.timers->cancel(round_timer_);
  env_.timers->cancel(sweep_timer_);
  if (exchange_) env_.timers->cancel(exchange_->timer);
  exchange_.reset();
  todo_.clear();
  in_round_ = false;
}

std::vector<RangeRoot> AntiEntropy::roots() const {
  std::vector<RangeRoot> out;
  const MerkleTrees* trees = store_->trees();
  if (!trees) return out;
  for (size_t i : trees->range_indices()) {
    const MerkleTree* t = trees->tree(i);
    out.push_back({i, t->range().left, t->range().right, t->root(), t->depth()});
  }
  return out;
}

std::string AntiEntropy::roots_json() const { return range_roots_to_json(roots()); }

// ---- rounds -----------------------------------------------------------------

uint64_t AntiEntropy::request_round() {
  FL_ASSERT(enabled());
  if (in_round_) {
    round_requested_ = true;
    return round_ + 1;
  }
  env_.timers->cancel(round_timer_);
  start_round();
  return round_;
}

void AntiEntropy::arm_round_timer() {
  round_timer_ = env_.timers->schedule(config_.modes.anti_entropy_interval_ms, [this] { start_round(); });
}

void AntiEntropy::start_round() {
  FL_ASSERT(!in_round_);
  FL_ASSERT(enabled());
  in_round_ = true;
  ++round_;
  skipped_.clear();
  exchanges_in_round_ = 0;
  for (size_t i : store_->trees()->range_indices()) {
    // Seeded bug merkle-skips-wraparound (docs/bugzoo.md).
    if (bugs_.has(Bug::kMerkleSkipsWraparound)) {
      const TokenRange& range = store_->trees()->tree(i)->range();
      if (range.left >= range.right) continue;
    }
    for (NodeId peer : ring_->replicas_of_range(i)) {
      if (peer != config_.id) todo_.push_back({i, peer});
    }
  }
  next_exchange();
}

void AntiEntropy::next_exchange() {
  while (!exchange_ && !todo_.empty()) {
    const Pair p = todo_.front();
    todo_.pop_front();
    if (skipped_.count(p.peer)) continue;
    if (!is_up_(p.peer)) {
      skipped_.insert(p.peer);
      continue;
    }
    begin_exchange(p);
  }
  if (!exchange_ && todo_.empty()) finish_round();
}

void AntiEntropy::finish_round() {
  in_round_ = false;
  rounds_completed_ = round_;
  env_.events->emit("merkle_round_complete",
                    {{"round", as_i64(round_)},
                     {"ranges", as_i64(store_->trees()->range_indices().size())},
                     {"exchanges", as_i64(exchanges_in_round_)},
                     {"skipped", EventJson{node_array(skipped_)}}});
  if (round_requested_) {
    round_requested_ = false;
    start_round();
  } else {
    arm_round_timer();
  }
}

// ---- initiator side of one exchange ------------------------------------------

void AntiEntropy::begin_exchange(Pair p) {
  exchange_.emplace();
  Exchange& x = *exchange_;
  x.id = next_exchange_id_++;
  x.pair = p;
  x.tree = store_->trees()->tree(p.range_index);
  FL_ASSERT(x.tree != nullptr);
  fit_tree(p.range_index);
  x.cost.exchanges = 1;
  x.to_request = {0};
  send_tree_batch();
}

bool AntiEntropy::current(uint64_t exchange_id, NodeId from) const {
  return exchange_ && exchange_->id == exchange_id && exchange_->pair.peer == from;
}

void AntiEntropy::send_request(Body body) {
  Exchange& x = *exchange_;
  x.cost.bytes_sent += frame_bytes(Envelope{config_.id, body});
  ++x.cost.round_trips;
  env_.transport->send(x.pair.peer, std::move(body));
  const uint64_t id = x.id;
  x.timer = env_.timers->schedule(kExchangeStepTimeoutMs, [this, id] { on_step_timeout(id); });
}

void AntiEntropy::send_tree_batch() {
  Exchange& x = *exchange_;
  const size_t n = std::min(kTreeIndicesPerRequestMax, x.to_request.size() - x.next);
  x.asked.assign(x.to_request.begin() + static_cast<ptrdiff_t>(x.next),
                 x.to_request.begin() + static_cast<ptrdiff_t>(x.next + n));
  x.asked_from = x.next;
  x.next += n;
  send_request(MerkleTreeRequest{x.id, tree_id(x.tree->depth()), static_cast<uint32_t>(x.level), x.asked});
}

MerkleTreeId AntiEntropy::tree_id(int depth) const {
  const Exchange& x = *exchange_;
  return {static_cast<uint32_t>(x.pair.range_index), x.tree->range().left, x.tree->range().right,
          static_cast<uint32_t>(depth)};
}

void AntiEntropy::fit_tree(size_t range_index) {
  if (Status s = store_->fit(range_index); !s) {
    env_.events->emit("store_error", {{"op", std::string("merkle_fit")}, {"key", std::string()}, {"error", s.message()}});
  }
}

void AntiEntropy::note_if_differs(uint64_t index, uint64_t peer_sum) {
  Exchange& x = *exchange_;
  if (x.tree->sum(x.level, index) == peer_sum) return;
  x.differing.push_back(index);
  x.differing_sums.push_back(peer_sum);
}

void AntiEntropy::on_tree_reply(NodeId from, const MerkleTreeReply& m, size_t frame_bytes) {
  if (!current(m.exchange_id, from) || exchange_->syncing) return;
  Exchange& x = *exchange_;
  env_.timers->cancel(x.timer);
  x.cost.bytes_received += frame_bytes;
  if (!m.ok) return end_exchange(false, node_name(from) + " refused: " + m.error);
  if (m.hashes.size() != x.asked.size()) {
    return end_exchange(false, node_name(from) + " sent " + std::to_string(m.hashes.size()) + " hashes for " +
                                   std::to_string(x.asked.size()) + " nodes");
  }
  // The trees compare at the shallower depth: sums fold exactly.
  if (x.level == 0) x.depth = std::min(x.tree->depth(), static_cast<int>(m.depth));
  if (x.level > x.tree->depth()) {
    return end_exchange(false, "this node's tree shrank to depth " + std::to_string(x.tree->depth()) +
                                   " below level " + std::to_string(x.level) + " during the exchange");
  }
  x.cost.hashes_received += m.hashes.size();
  if (x.level == 0) note_if_differs(0, m.hashes[0]);
  for (size_t k = 0; x.level > 0 && k < x.asked.size(); ++k) {
    // Below the root only left children are asked for: the peer's sum of
    // the right one is its parent's minus the left's (node sums add,
    // core/merkle_hash.h), which halves the hashes and indices sent.
    const uint64_t left = x.asked[k];
    const uint64_t children[2] = {left, left + 1};
    const uint64_t peer_sums[2] = {m.hashes[k], x.parent_sums[x.asked_from + k] - m.hashes[k]};
    for (int c = 0; c < 2; ++c) note_if_differs(children[c], peer_sums[c]);
  }
  if (x.next < x.to_request.size()) return send_tree_batch();
  if (x.differing.empty()) return end_exchange(true, "");
  if (x.level == x.depth) {
    x.syncing = true;
    x.next = 0;
    x.cost.differing_leaves = x.differing.size();
    return send_sync_page();
  }
  x.to_request.clear();
  for (uint64_t i : x.differing) x.to_request.push_back(2 * i);
  x.parent_sums = std::move(x.differing_sums);
  x.differing.clear();
  x.differing_sums.clear();
  x.next = 0;
  ++x.level;
  send_tree_batch();
}

// Sends the next request of the sync phase: a new page of differing leaves
// (at most kSyncLeavesPerPageMax, about kSyncBytesPerPageMax of records), or
// the rest of the current page after x.after when its records did not fit
// one request (a large leaf is split across requests).
void AntiEntropy::send_sync_page() {
  Exchange& x = *exchange_;
  std::vector<Record> records;
  if (x.page.empty()) {
    size_t bytes = 0;
    while (x.next < x.differing.size() && x.page.size() < kSyncLeavesPerPageMax &&
           (x.page.empty() || bytes < kSyncBytesPerPageMax)) {
      const uint64_t leaf = x.differing[x.next++];
      x.page.push_back(leaf);
      for (Record& r : records_in(x.tree->range(), x.depth, {leaf})) {
        bytes += page_bytes(r);
        records.push_back(std::move(r));
      }
    }
    x.after.reset();
  } else {
    records = records_in(x.tree->range(), x.depth, x.page);
  }
  MerkleSync m;
  m.exchange_id = x.id;
  m.tree = tree_id(x.depth);
  m.leaves = x.page;
  m.after = x.after;
  m.records = in_span(x.tree->range(), std::move(records), x.after, std::nullopt);
  m.upto = keep_page_budget(&m.records);
  x.asked_upto = m.upto;
  x.cost.keys_sent += m.records.size();
  send_request(std::move(m));
}

void AntiEntropy::on_sync_reply(NodeId from, const MerkleSyncReply& m, size_t frame_bytes) {
  if (!current(m.exchange_id, from) || !exchange_->syncing) return;
  Exchange& x = *exchange_;
  env_.timers->cancel(x.timer);
  x.cost.bytes_received += frame_bytes;
  if (!m.ok) return end_exchange(false, node_name(from) + " refused: " + m.error);
  const TokenRange& range = x.tree->range();
  if (m.upto && ((x.after && sync_order(range, *m.upto) <= sync_order(range, *x.after)) ||
                 (x.asked_upto && sync_order(range, *m.upto) > sync_order(range, *x.asked_upto)))) {
    return end_exchange(false, node_name(from) + " answered a sync span outside the one asked");
  }
  x.cost.keys_received += m.records.size();
  merge(*x.tree, m.records);
  // How far this page is covered now: the reply's end, or else the request's.
  const std::optional<SyncCursor> covered = m.upto ? m.upto : x.asked_upto;
  if (covered) {
    x.after = covered;
    return send_sync_page();
  }
  x.page.clear();
  x.after.reset();
  if (x.next < x.differing.size()) return send_sync_page();
  end_exchange(true, "");
}

void AntiEntropy::end_exchange(bool reached_end, const std::string& why) {
  Exchange x = std::move(*exchange_);
  exchange_.reset();
  env_.timers->cancel(x.timer);
  if (reached_end) {
    ++exchanges_in_round_;
    const TokenRange& r = x.tree->range();
    env_.events->emit("merkle_exchange",
                      {{"peer", node_name(x.pair.peer)},
                       {"range_index", as_i64(x.pair.range_index)},
                       {"range", EventJson{"[" + std::to_string(r.left) + "," + std::to_string(r.right) + "]"}},
                       {"depth", as_i64(static_cast<uint64_t>(x.depth))},
                       {"differing_leaves", as_i64(x.cost.differing_leaves)},
                       {"keys_sent", as_i64(x.cost.keys_sent)},
                       {"keys_received", as_i64(x.cost.keys_received)},
                       {"bytes_sent", as_i64(x.cost.bytes_sent)},
                       {"bytes_received", as_i64(x.cost.bytes_received)}});
  } else {
    // The peer answered but cannot compare this range (another ring, or a
    // tree that shrank mid-exchange): skip it for this round, like an
    // unresponsive one.
    skipped_.insert(x.pair.peer);
    env_.events->emit("merkle_exchange_failed", {{"peer", node_name(x.pair.peer)},
                                                 {"range_index", as_i64(x.pair.range_index)},
                                                 {"reason", why}});
  }
  totals_.exchanges += x.cost.exchanges;
  totals_.differing_leaves += x.cost.differing_leaves;
  totals_.keys_sent += x.cost.keys_sent;
  totals_.keys_received += x.cost.keys_received;
  totals_.bytes_sent += x.cost.bytes_sent;
  totals_.bytes_received += x.cost.bytes_received;
  totals_.round_trips += x.cost.round_trips;
  totals_.hashes_received += x.cost.hashes_received;
  if (in_round_) next_exchange();
}

void AntiEntropy::on_step_timeout(uint64_t exchange_id) {
  if (!exchange_ || exchange_->id != exchange_id) return;
  exchange_->timer = 0;
  end_exchange(false, "no answer within " + std::to_string(kExchangeStepTimeoutMs) + " ms");
}

// ---- responder side -----------------------------------------------------------

bool AntiEntropy::on_message(const Envelope& env) {
  const NodeId from = env.from;
  if (const auto* m = std::get_if<MerkleTreeRequest>(&env.body)) on_tree_request(from, *m);
  else if (const auto* m = std::get_if<MerkleSync>(&env.body)) on_sync(from, *m);
  else if (const auto* m = std::get_if<MerkleTreeReply>(&env.body)) on_tree_reply(from, *m, frame_bytes(env));
  else if (const auto* m = std::get_if<MerkleSyncReply>(&env.body)) on_sync_reply(from, *m, frame_bytes(env));
  else return false;
  return true;
}

const MerkleTree* AntiEntropy::requested_tree(const MerkleTreeId& id, std::string* why) {
  const MerkleTrees* trees = store_->trees();
  const MerkleTree* t = trees ? trees->tree(id.range_index) : nullptr;
  if (!trees) *why = "anti-entropy is off on " + node_name(config_.id);
  else if (!t) *why = node_name(config_.id) + " does not replicate range " + std::to_string(id.range_index);
  else if (t->range().left != id.left || t->range().right != id.right) {
    *why = node_name(config_.id) + " has range " + std::to_string(id.range_index) + " as (" +
           std::to_string(t->range().left) + "," + std::to_string(t->range().right) + "], not (" +
           std::to_string(id.left) + "," + std::to_string(id.right) + "]";
  } else {
    return t;
  }
  return nullptr;
}

void AntiEntropy::on_tree_request(NodeId from, const MerkleTreeRequest& m) {
  MerkleTreeReply reply{m.exchange_id, false, "", {}, 0};
  const MerkleTree* t = requested_tree(m.tree, &reply.error);
  // An exchange starts at the root: the tree is sized before it is compared.
  if (t && m.level == 0) fit_tree(m.tree.range_index);
  if (t) reply.depth = static_cast<uint32_t>(t->depth());
  if (t && (m.level > std::min<uint32_t>(m.tree.depth, reply.depth) || m.indices.size() > kTreeIndicesPerRequestMax)) {
    reply.error = "level " + std::to_string(m.level) + " (trees of depth " + std::to_string(m.tree.depth) + " and " +
                  std::to_string(reply.depth) + ") or " + std::to_string(m.indices.size()) + " indices out of bounds";
    t = nullptr;
  }
  if (t) {
    const int level = static_cast<int>(m.level);
    reply.ok = std::all_of(m.indices.begin(), m.indices.end(), [&](uint64_t i) { return i < (uint64_t{1} << level); });
    if (!reply.ok) reply.error = "node index beyond level " + std::to_string(level);
    for (size_t i = 0; reply.ok && i < m.indices.size(); ++i) reply.hashes.push_back(t->sum(level, m.indices[i]));
  }
  env_.transport->send(from, std::move(reply));
}

void AntiEntropy::on_sync(NodeId from, const MerkleSync& m) {
  MerkleSyncReply reply{m.exchange_id, false, "", {}};
  const MerkleTree* t = requested_tree(m.tree, &reply.error);
  if (t && m.leaves.size() > kSyncLeavesPerPageMax) {
    reply.error = std::to_string(m.leaves.size()) + " leaves exceed " + std::to_string(kSyncLeavesPerPageMax);
    t = nullptr;
  }
  const uint64_t leaf_count = uint64_t{1} << m.tree.depth;  // the codec bounds the depth
  if (t && !std::all_of(m.leaves.begin(), m.leaves.end(), [&](uint64_t l) { return l < leaf_count; })) {
    reply.error = "leaf index beyond " + std::to_string(leaf_count);
    t = nullptr;
  }
  if (t) {
    reply.ok = true;
    // Read before merging theirs, and send back only what would win over
    // (or is missing from) what the initiator sent: the rest it already has.
    // Only the span the request covers; the reply stops early (its own
    // upto) when its records would exceed the page budget.
    std::unordered_map<std::string_view, const Record*> theirs;
    for (const Record& r : m.records) theirs.emplace(r.key, &r);
    const int depth = static_cast<int>(m.tree.depth);
    for (Record& mine : in_span(t->range(), records_in(t->range(), depth, m.leaves), m.after, m.upto)) {
      auto it = theirs.find(mine.key);
      if (it == theirs.end() || lww_wins(mine, *it->second)) reply.records.push_back(std::move(mine));
    }
    reply.upto = keep_page_budget(&reply.records);
    merge(*t, m.records);
  }
  env_.transport->send(from, std::move(reply));
}

std::vector<Record> AntiEntropy::records_in(const TokenRange& range, int depth, const std::vector<uint64_t>& leaves) {
  std::vector<Record> out;
  Status s = store_->for_each_in_leaves(range, depth, leaves, [&](const Record& r) { out.push_back(r); });
  if (!s) env_.events->emit("store_error", {{"op", std::string("merkle_scan")}, {"key", std::string()}, {"error", s.message()}});
  return out;
}

void AntiEntropy::merge(const MerkleTree& tree, const std::vector<Record>& records) {
  for (const Record& r : records) {
    // A record outside the range is a peer's bug; storing it would put it
    // outside every tree, so it is dropped.
    if (!tree.range().contains(token_of(r.key))) continue;
    // Seeded bug repair-skips-tree-update (docs/bugzoo.md).
    bool changed = false;
    std::optional<Record> replaced;
    const bool skip_tree = bugs_.has(Bug::kRepairSkipsTreeUpdate);
    if (Status s = skip_tree ? store_->apply(r, &changed, &replaced) : store_->apply(r); !s) {
      env_.events->emit("store_error", {{"op", std::string("merkle_merge")}, {"key", r.key}, {"error", s.message()}});
    } else if (skip_tree && changed) {
      store_->trees()->replace(r, replaced);  // undo the leaf update the store just made
    }
  }
}

// ---- tombstones -----------------------------------------------------------------

int64_t AntiEntropy::sweep_interval_ms() const {
  return std::clamp(config_.modes.gc_grace_ms / 4, kSweepIntervalMsMin, kSweepIntervalMsMax);
}

void AntiEntropy::arm_sweep_timer() {
  sweep_timer_ = env_.timers->schedule(sweep_interval_ms(), [this] {
    sweep_tombstones();
    arm_sweep_timer();
  });
}

void AntiEntropy::sweep_tombstones() {
  const std::vector<TokenRange> ranges = ring_->ranges();
  sweep_range_ %= ranges.size();
  const TokenRange r = ranges[sweep_range_++];
  const int64_t now_ms = env_.clock->realtime_us() / 1000;
  // Seeded bug tombstone-purged-while-down (docs/bugzoo.md).
  const int64_t gc_grace_ms = bugs_.has(Bug::kTombstonePurgedWhileDown) ? 0 : config_.modes.gc_grace_ms;
  std::vector<Record> expired;
  auto collect = [&](const Record& rec) {
    if (rec.tombstone && expired.size() < kPurgesPerSweepMax &&
        now_ms - rec.local_deletion_time_ms >= gc_grace_ms) {
      expired.push_back(rec);
    }
  };
  // (left, right] as non-wrapping token intervals.
  Status s;
  if (r.left < r.right) s = store_->for_each_in_tokens(r.left + 1, r.right, collect);
  else {
    if (r.left != UINT64_MAX) s = store_->for_each_in_tokens(r.left + 1, UINT64_MAX, collect);
    if (s) s = store_->for_each_in_tokens(0, r.right, collect);
  }
  if (!s) env_.events->emit("store_error", {{"op", std::string("tombstone_sweep")}, {"key", std::string()}, {"error", s.message()}});
  for (const Record& t : expired) {
    bool removed = false;
    if (Status p = store_->purge(t, &removed); !p) {
      env_.events->emit("store_error", {{"op", std::string("purge")}, {"key", t.key}, {"error", p.message()}});
    } else if (removed) {
      env_.events->emit("tombstone_purged", {{"key", t.key}, {"version", EventJson{t.version.to_string()}}});
    }
  }
}

}  // namespace faultline
