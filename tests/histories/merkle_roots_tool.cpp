// prints honest merkle_roots JSON for records given as lines "key value ts id tomb" on stdin; args: nodes vnodes rf depth
#include <iostream>
#include <sstream>
#include "core/merkle_hash.h"
#include "core/ring.h"
using namespace faultline;
int main(int, char** argv) {
  int nodes = atoi(argv[1]), vn = atoi(argv[2]), rf = atoi(argv[3]), depth = atoi(argv[4]);
  std::vector<NodeId> ids; for (int i = 1; i <= nodes; ++i) ids.push_back(i);
  Ring ring(ids, vn, rf);
  auto ranges = ring.ranges();
  std::vector<std::vector<uint64_t>> leaves(ranges.size(), std::vector<uint64_t>(size_t{1} << depth, 0));
  std::string k, v; long long ts; unsigned id; int tomb;
  while (std::cin >> k >> v >> ts >> id >> tomb) {
    Record r; r.key = k; r.value = tomb ? "" : v; r.version = {ts, id}; r.tombstone = tomb;
    size_t ri = ring.range_index(token_of(k));
    leaves[ri][merkle_leaf_index(ranges[ri], token_of(k), depth)] += merkle_record_hash(r);
  }
  std::cout << "[";
  for (size_t i = 0; i < ranges.size(); ++i)
    std::cout << (i ? "," : "") << "{\"range_index\":" << i << ",\"left\":" << ranges[i].left << ",\"right\":" << ranges[i].right << ",\"root\":\"" << merkle_hex(merkle_root_of_leaves(leaves[i])) << "\"}";
  std::cout << "]";
}
