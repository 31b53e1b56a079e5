// Partitions as Jepsen names them, computed as a grudge: for every node, the
// set of nodes whose traffic it does not hear. The link proxy cuts the
// directed link (sender -> receiver) exactly when receiver's grudge holds
// sender. Pure functions over node names; no I/O.
//
// Kinds and what their targets mean (the schedule picks targets from the
// seed, so a plan.json replays the same cut):
//   one              [x]: x is isolated from every other node, both ways.
//   halves           the minority side (1 <= size < nodes); the rest is the
//                    other side; nothing crosses, both ways.
//   majorities-ring  every node in ring order (empty: n1..nN); each node hears
//                    itself and its ring neighbours up to a majority, so every
//                    node sees a majority and no two see the same one.
//   bridge           [b, a1, a2, ...]: side A = a1.., side B = the rest but b;
//                    A and B are cut both ways, b hears and is heard by all.
//   one-way          [i, j]: i hears j, j does not hear i (link i -> j cut).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "core/status.h"

namespace faultline {

// receiver -> senders it does not hear.
using Grudge = std::map<std::string, std::set<std::string>>;

inline constexpr std::string_view kPartitionKinds[] = {"one", "halves", "majorities-ring", "bridge", "one-way"};

bool is_partition_kind(std::string_view kind);

// Fills *out for kind over nodes (every node name of the cluster). Invalid,
// naming the kind, when targets do not fit the kind.
Status partition_grudge(std::string_view kind, const std::vector<std::string>& targets,
                        const std::vector<std::string>& nodes, Grudge* out);

// Random targets that fit kind (nodes.size() >= 2; bridge needs 3).
std::vector<std::string> pick_partition_targets(std::string_view kind, const std::vector<std::string>& nodes,
                                                Rng* rng);

// True when the link from -> to is cut.
bool link_cut(const Grudge& g, const std::string& from, const std::string& to);

// Fisher-Yates with the run's Rng, so a seed replays the same order.
void shuffle_names(std::vector<std::string>* names, Rng* rng);

}  // namespace faultline
