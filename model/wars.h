// The WARS model of Probabilistically Bounded Staleness (Bailis,
// Venkataraman, Franklin, Hellerstein, Stoica, "Probabilistically Bounded
// Staleness for Practical Partial Quorums", VLDB 2012): the probability that
// a read started t ms after a write committed returns that write, from the
// latency distributions of the four message legs of a Dynamo-style quorum:
// W (write request to a replica), A (its acknowledgement), R (read request
// to a replica) and S (its response). Also the paper's closed form for
// k-staleness with non-overlapping partial quorums.
//
// Pure functions over plain values; one Rng seed decides every sample, so a
// model run is reproducible. No I/O, no threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/latency.h"
#include "core/rng.h"
#include "core/status.h"

namespace faultline {

struct WarsConfig {
  int n = 3;  // replicas of a key
  int r = 1;  // read consistency: responses awaited
  int w = 1;  // write consistency: acknowledgements awaited
  LatencyDistribution write_leg, ack_leg, read_leg, response_leg;
  // The paper's coordinator is no replica and sends a read to all N
  // replicas, keeping the first R responses. faultline-node's coordinator
  // is a replica of the key when the cluster has N nodes: its own legs take
  // no time, and a read contacts exactly R replicas, itself first, then the
  // others in preference-list order (node/replica.cpp, coordinate_read);
  // reads and writes are each coordinated by a replica drawn uniformly.
  bool coordinator_is_replica = false;
  bool read_contacts_all = true;
};

Status validate(const WarsConfig& c);

// P(consistent | t) for each t in `t_ms` (ms after the write committed),
// estimated from `trials` simulated write/read pairs per t, all drawn from
// `seed`.
std::vector<double> wars_t_visibility(const WarsConfig& c, const std::vector<double>& t_ms, int trials,
                                      uint64_t seed);

// The paper's closed form (Section 3.2): with non-overlapping quorums and
// writes propagated to exactly W replicas, the probability that a read
// returns one of the last k written versions, 1 - (C(N-W, R) / C(N, R))^k.
double k_staleness_closed_form(int n, int r, int w, int k);

}  // namespace faultline
