// NodeDump: a node's whole state as FL.DUMP returns it and as the harness
// stores it in final/<id>.json after quiesce. The checker reads only this.
//
// JSON: {"node":"n1","records":[{"key":"k1","value":"3-12",
//         "version":[1700000000123456,2],"tombstone":false}, ...],
//        "merkle_roots":[...], "hints":[...]}
// "merkle_roots" and "hints" are optional here (filled once those mechanisms
// exist) and kept verbatim as JSON text so this header stays light.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace faultline {

struct NodeDump {
  std::string node;             // "n1"
  std::vector<Record> records;  // every record, tombstones included, any order
  std::string merkle_roots_json = "null";
  std::string hints_json = "null";
};

std::string node_dump_to_json(const NodeDump& d);  // compact, one line
Status node_dump_from_json(std::string_view text, NodeDump* out);
// Reads <dir>/<node>.json: a dump whose "node" differs from the file's name
// is refused, naming the file. Integers out of range are refused, never
// narrowed (version timestamps 0 to 2^63-1, coordinator ids 0 to 2^32-1).
Status read_node_dump_file(const std::string& path, NodeDump* out);

}  // namespace faultline
