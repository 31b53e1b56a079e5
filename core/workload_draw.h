// What one client operation is, drawn from the plan's workload: its
// function by the operation mix, its key by the key distribution, the size
// of a written value, and the node it is sent to by the routing. The real
// workload (harness/workload.cpp, threads) and the simulator
// (sim/plan_sim.cpp, virtual time) draw through WorkerDraw, so a plan means
// the same workload in both.
//
// A worker's draws depend only on its seed and its own earlier draws, never
// on replies; only the failover router also hears how operations ended
// (which node timed out), so routing under failover follows the run.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/client_request.h"
#include "core/history.h"
#include "core/plan.h"
#include "core/rng.h"
#include "core/types.h"

namespace faultline {

// Keys "k0".."k<keys-1>" drawn by the plan's distribution (not fresh:
// WorkerDraw names fresh keys itself).
class KeyPicker {
 public:
  // Hot-key: this share of operations goes to k0, the rest uniformly.
  static constexpr double kHotKeyShare = 0.5;
  // Zipf exponent: 1 gives the classic 1/rank popularity.
  static constexpr double kZipfExponent = 1.0;

  KeyPicker(KeyDistribution d, int keys);
  std::string pick(Rng* rng) const { return "k" + std::to_string(index(rng)); }

 private:
  int index(Rng* rng) const;

  KeyDistribution distribution_;
  int keys_;
  std::vector<double> cdf_;  // zipfian only
};

// "read", "write" or "delete" by the workload's fractions.
std::string pick_operation(const WorkloadSpec& w, Rng* rng);

// The seed of each worker's Rng: forked in order from the plan's seed, so a
// worker's choices depend only on the seed and its index.
std::vector<uint64_t> worker_seeds(const Plan& plan);

// A value size in [value_bytes_min, value_bytes_max], log-uniform (so
// small sizes stay common when the range reaches megabytes). Draws nothing
// when value_bytes_max is 0.
int64_t draw_value_bytes(const WorkloadSpec& w, Rng* rng);
// identity ("<process>-<seq>", unique in the run) padded to `bytes` with a
// deterministic filler after a '.'; the identity alone when it is as long.
// The checker tells writes apart by the whole value, which stays unique
// because the identity is a prefix that no other value has.
std::string padded_value(const std::string& identity, int64_t bytes);

// Whether a completion says the coordinator itself is in trouble: no
// reply from it in time, or a connection error; that is, info or fail with
// an error that is not a reply of the node (node replies start with an
// upper-case code: "TIMEOUT ...", "UNAVAILABLE ...", "ERR ..."). A node
// that answers TIMEOUT is alive (its replicas were slow): a driver stays.
bool coordinator_trouble(OpType type, const std::string& error);

// The node each operation of one worker goes to (nodes are 1..nodes).
class Router {
 public:
  // failover: a node in trouble is avoided for this long.
  static constexpr int64_t kAvoidMs = 5000;

  Router(Routing routing, int nodes, int worker);
  NodeId choose(Rng* rng, int64_t now_ms);
  // How the operation sent to `node` ended.
  void observe(NodeId node, OpType type, const std::string& error, int64_t now_ms);
  NodeId current() const { return current_; }

 private:
  Routing routing_;
  int nodes_;
  NodeId current_;
  std::vector<int64_t> avoid_until_ms_;  // by node id - 1
};

// One drawn client operation: the request and the node it goes to.
struct DrawnOp : ClientRequest {
  NodeId node = 1;
};

// Everything one worker draws, in the order both runners use: operation,
// key, value size (only when the plan has value sizes), node. Process ids:
// worker w starts as process w; after an info it continues as process +
// clients (a process whose operation ended in info never issues again).
class WorkerDraw {
 public:
  // fresh: a read goes to one of this worker's own keys with this chance
  // (among its last `keys` ones), else to a key of a random worker at an
  // index this worker has reached (maybe not written yet: reads nothing).
  static constexpr double kFreshOwnReadShare = 0.5;
  // read_recent_share: how many of this worker's latest written or deleted
  // keys a bound read picks among.
  static constexpr size_t kRecentKeys = 8;

  WorkerDraw(const Plan& plan, int worker, uint64_t seed);
  DrawnOp next(int64_t now_ms);
  void completed(const DrawnOp& op, OpType type, const std::string& error, int64_t now_ms);

  int64_t process() const { return process_; }
  // Keys some write or delete was drawn for.
  const std::set<std::string>& keys_written() const { return keys_written_; }

 private:
  std::string fresh_key(int worker, int64_t n) const;
  std::string pick_key(const std::string& f);

  const WorkloadSpec w_;
  const int worker_;
  Rng rng_;
  KeyPicker keys_;
  Router router_;
  int64_t process_;
  int64_t seq_ = 0;
  // fresh only: this worker's written keys, in order, and those not yet deleted.
  int64_t fresh_count_ = 0;
  std::vector<std::string> mine_;
  std::vector<std::string> deletable_;
  // Not fresh: this worker's latest written or deleted keys, oldest first.
  std::vector<std::string> recent_;
  std::set<std::string> keys_written_;
};

}  // namespace faultline
