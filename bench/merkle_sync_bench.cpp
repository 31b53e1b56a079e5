// Merkle sync cost: two replicas of n keys that differ on d keys
// run one anti-entropy exchange per range (node/anti_entropy.h, the code the
// node runs, over in-memory stores and an in-process transport that counts
// every frame). Each range's tree is sized from its key count
// (TreeStore::fit, as the node does before an exchange), at most the
// configured merkle_depth: the default (ModeSpec) and, for comparison, a
// maximum of 10 (the fixed depth every tree had before trees were sized).
// Printed per (n, maximum depth, d): the depth the trees got, records and
// bytes exchanged, round trips, and the ratio against the minimum: the d
// newer records plus the 8-byte hashes of the tree nodes on the paths from
// the roots to their leaves.
//
// Usage: merkle_sync_bench [--quick]   (--quick: n = 10^4 only)
// Prints figures only; nothing here is asserted.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <set>

#include "core/assert.h"
#include "core/clock.h"
#include "core/plan.h"
#include "node/anti_entropy.h"
#include "node/mem_store.h"

namespace faultline {
namespace {

struct Bench;

class QueueTransport final : public Transport {
 public:
  QueueTransport(Bench* b, NodeId self) : b_(b), self_(self) {}
  void send(NodeId to, Body body) override;

 private:
  Bench* b_;
  NodeId self_;
};

// Timeouts never fire: the in-process transport loses nothing.
class InertTimers final : public Timers {
 public:
  TimerId schedule(int64_t, std::function<void()>) override { return ++next_; }
  void cancel(TimerId) override {}

 private:
  TimerId next_ = 0;
};

class NullEvents final : public EventLog {
 public:
  void emit(std::string_view, std::vector<EventField>) override {}
};

struct Replica2 {
  // depth_max: modes.merkle_depth, or 0 for the default.
  Replica2(Bench* b, NodeId id, int depth_max) : transport(b, id) {
    config.id = id;
    config.rf = 2;
    config.vnodes = 1;
    config.peers.push_back({id == 1 ? NodeId{2} : NodeId{1}, "127.0.0.1", 1});
    config.modes.anti_entropy = true;
    if (depth_max != 0) config.modes.merkle_depth = depth_max;
    ring = std::make_unique<Ring>(config.ring_nodes(), config.vnodes, config.rf);
    store = std::make_unique<TreeStore>(&mem, make_merkle_trees(config));
    ae = std::make_unique<AntiEntropy>(config, Env{&clock, &transport, &timers, store.get(), &events}, store.get(),
                                       ring.get(), [](NodeId) { return true; });
  }
  NodeConfig config;
  ManualClock clock;
  QueueTransport transport;
  InertTimers timers;
  NullEvents events;
  MemStore mem;
  std::unique_ptr<Ring> ring;
  std::unique_ptr<TreeStore> store;
  std::unique_ptr<AntiEntropy> ae;
};

struct Bench {
  std::deque<std::pair<NodeId, Envelope>> queue;  // (to, message)
  std::unique_ptr<Replica2> a, b;

  void pump() {
    while (!queue.empty()) {
      auto [to, env] = std::move(queue.front());
      queue.pop_front();
      FL_ASSERT((to == 1 ? a : b)->ae->on_message(env));
    }
  }
};

void QueueTransport::send(NodeId to, Body body) { b_->queue.push_back({to, Envelope{self_, std::move(body)}}); }

Record record(int i, const std::string& value, int64_t ts) {
  Record r;
  r.key = "key" + std::to_string(i);
  r.value = value;
  r.version = {ts, 1};
  return r;
}

// The tree nodes on the paths from the root to each differing key's leaf,
// in every range, and the bytes of the newer records.
uint64_t minimum_bytes(const MerkleTrees& trees, const std::vector<Record>& newer) {
  std::set<std::tuple<size_t, int, uint64_t>> nodes;
  for (const Record& r : newer) {
    const Token t = token_of(r.key);
    const size_t ri = trees.ring().range_index(t);
    const MerkleTree* tree = trees.tree(ri);
    uint64_t index = tree->leaf_of(t);
    for (int level = tree->depth(); level >= 0; --level, index /= 2) nodes.insert({ri, level, index});
  }
  const uint64_t empty_frame = encode_frame(Envelope{1, MerkleSyncReply{1, true, "", {}}}).size();
  const uint64_t record_bytes = encode_frame(Envelope{1, MerkleSyncReply{1, true, "", newer}}).size() - empty_frame;
  return record_bytes + 8 * nodes.size();
}

void fit_all(Replica2& r) {
  for (size_t i : r.store->trees()->range_indices()) FL_ASSERT(r.store->fit(i).is_ok());
}

// The depth of the deepest tree (the ranges of this ring hold about n / 2
// keys each, so their depths differ by at most one).
int tree_depths(const MerkleTrees& trees) {
  int depth = 0;
  for (size_t i : trees.range_indices()) depth = std::max(depth, trees.tree(i)->depth());
  return depth;
}

// One sync of d keys made newer (version ts) on a's side of replicas that
// were identical before.
void sync_once(Bench& bench, int n, int depth_max, int d, int64_t ts) {
  std::vector<Record> newer;
  const int stride = std::max(1, n / std::max(d, 1));
  for (int k = 0; k < d; ++k) {
    newer.push_back(record(k * stride + static_cast<int>(ts % stride), std::string(32, 'w'), ts));
    FL_ASSERT(bench.a->store->apply(newer.back()).is_ok());
  }
  // Sized as the exchange will size them, so that the minimum counts the
  // paths of the trees compared.
  fit_all(*bench.a);
  fit_all(*bench.b);
  const uint64_t min_bytes = minimum_bytes(*bench.a->store->trees(), newer);
  const int depth = tree_depths(*bench.a->store->trees());
  const ExchangeTotals before = bench.a->ae->totals();
  const uint64_t rounds_before = bench.a->ae->rounds_completed();

  const auto start = std::chrono::steady_clock::now();
  bench.a->ae->request_round();
  bench.pump();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  FL_ASSERT(bench.a->ae->rounds_completed() == rounds_before + 1);

  ExchangeTotals t = bench.a->ae->totals();
  t.differing_leaves -= before.differing_leaves;
  t.round_trips -= before.round_trips;
  const uint64_t keys = t.keys_sent + t.keys_received - before.keys_sent - before.keys_received;
  const uint64_t bytes = t.bytes_sent + t.bytes_received - before.bytes_sent - before.bytes_received;
  std::printf("%8d %5d %5d %5d %8llu %8llu %6.2f %10llu %10llu %6.2f %6llu %9.1f\n", n, depth_max, depth, d,
              static_cast<unsigned long long>(t.differing_leaves), static_cast<unsigned long long>(keys),
              d ? static_cast<double>(keys) / d : 0.0, static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(min_bytes), static_cast<double>(bytes) / static_cast<double>(min_bytes),
              static_cast<unsigned long long>(t.round_trips), ms);
  std::fflush(stdout);
}

// Two identical replicas of n keys, then one sync per d.
void run(int n, int depth_max, const std::vector<int>& ds) {
  Bench bench;
  bench.a = std::make_unique<Replica2>(&bench, 1, depth_max);
  bench.b = std::make_unique<Replica2>(&bench, 2, depth_max);
  const std::string value(32, 'v');
  for (int i = 0; i < n; ++i) {
    const Record r = record(i, value, 100);
    const Status applied_a = bench.a->store->apply(r);
    const Status applied_b = bench.b->store->apply(r);
    FL_ASSERT(applied_a.is_ok());
    FL_ASSERT(applied_b.is_ok());
  }
  // The first fit builds each tree at its depth from a scan of its range.
  const auto start = std::chrono::steady_clock::now();
  fit_all(*bench.a);
  const double fit_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("# n %d, max %d: replica a's trees sized in %.1f ms\n", n, depth_max, fit_ms);
  int64_t ts = 101;
  for (int d : ds) sync_once(bench, n, depth_max == 0 ? ModeSpec{}.merkle_depth : depth_max, d, ts++);
}

}  // namespace
}  // namespace faultline

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::printf("Merkle sync: 2 replicas x 2 ranges (2 nodes, 1 vnode each, rf 2), 32-byte values;\n"
              "d keys newer on one side. max = configured merkle_depth (%d: the default), depth = the trees' (sized\n"
              "from their key counts). keys = records sent + received; min = d records + hashes on their paths.\n",
              faultline::ModeSpec{}.merkle_depth);
  std::printf("%8s %5s %5s %5s %8s %8s %6s %10s %10s %6s %6s %9s\n", "n", "max", "depth", "d", "leaves", "keys",
              "keys/d", "bytes", "min_bytes", "ratio", "trips", "sync_ms");
  std::vector<int> ns = {10000};
  if (!quick) ns.insert(ns.end(), {100000, 1000000});
  for (int n : ns) {
    for (int depth_max : {0, 10}) faultline::run(n, depth_max, {1, 10, 100, 1000});
  }
  return 0;
}
