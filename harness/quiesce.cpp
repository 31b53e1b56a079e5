#include "harness/quiesce.h"

#include <chrono>
#include <map>
#include <thread>

#include "core/clock.h"
#include "core/node_status.h"
#include "core/lifecycle.h"
#include "harness/resp_client.h"

namespace faultline {

namespace {

constexpr int64_t kStatusTimeoutMs = 1000;

// What one node still waits for; empty when it is done. `broken`: its
// FL.STATUS does not read as the format says.
struct Pending {
  std::string what;
  bool broken = false;
};

Pending status_of(const NodeProcess& n, NodeStatus* out) {
  Status s = fetch_node_status(n, kStatusTimeoutMs, out);
  return s ? Pending{} : Pending{s.message(), s.code() == Status::Code::kInvalid};
}

Pending not_quiet(const NodeProcess& n) {
  NodeStatus st;
  if (Pending p = status_of(n, &st); !p.what.empty()) return p;
  return {quiesce_pending(st)};
}

// Polls until no node is pending, one is broken, or the deadline.
template <class PendingFn>
Pending wait_all(const Cluster& cluster, const Deadline& deadline, PendingFn pending) {
  for (;;) {
    Pending waiting;
    for (const auto& n : cluster.nodes()) {
      waiting = pending(n);
      if (!waiting.what.empty()) break;
    }
    if (waiting.what.empty() || waiting.broken || deadline.expired()) return waiting;
    std::this_thread::sleep_for(std::chrono::milliseconds(kQuiescePollMs));
  }
}

// Sends FL.REPAIR everywhere; fills the round each node must reach, or says
// why anti-entropy is not available.
std::string request_repair(const Cluster& cluster, std::map<NodeId, int64_t>* rounds) {
  for (const auto& n : cluster.nodes()) {
    RespClient client(n.client_port);
    RespValue reply;
    Status s = client.call({"FL.REPAIR"}, kStatusTimeoutMs, &reply);
    if (!s) return n.name + ": FL.REPAIR: " + s.message();
    if (reply.type != RespValue::Type::kInteger) return n.name + ": FL.REPAIR: " + resp_encode(reply).substr(0, 200);
    (*rounds)[n.id] = reply.integer;
  }
  return "";
}

// With anti-entropy on: one full round on every node after the quiet point.
Pending wait_anti_entropy(const Cluster& cluster, const Deadline& deadline, QuiesceResult* r) {
  std::map<NodeId, int64_t> rounds;
  if (std::string unavailable = request_repair(cluster, &rounds); !unavailable.empty()) {
    r->anti_entropy = "not available: " + unavailable;
    return {};
  }
  Pending waiting = wait_all(cluster, deadline, [&](const NodeProcess& n) -> Pending {
    NodeStatus st;
    if (Pending p = status_of(n, &st); !p.what.empty()) return p;
    if (st.ae_rounds_completed >= rounds[n.id]) return {};
    return {n.name + " completed anti-entropy round " + std::to_string(st.ae_rounds_completed) + " of " +
            std::to_string(rounds[n.id])};
  });
  if (waiting.what.empty()) r->anti_entropy = "complete";
  return waiting;
}

}  // namespace

QuiesceResult quiesce(const Cluster& cluster, const ModeSpec& modes, int64_t timeout_ms, HistoryWriter* history) {
  const int64_t t0_ns = monotonic_now_ns();
  const Deadline deadline = Deadline::after_ms(timeout_ms);
  QuiesceResult r;
  r.anti_entropy = "off";
  Pending waiting = wait_all(cluster, deadline, not_quiet);
  if (waiting.what.empty() && modes.anti_entropy) waiting = wait_anti_entropy(cluster, deadline, &r);
  r.quiesce_ms = (monotonic_now_ns() - t0_ns) / 1000000;
  r.ok = waiting.what.empty();
  if (waiting.broken) r.reason = waiting.what;
  else if (!r.ok) r.reason = "not quiet after " + std::to_string(timeout_ms) + " ms: " + waiting.what;
  append_quiesce(history, r);
  return r;
}

}  // namespace faultline
