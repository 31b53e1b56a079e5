// NodeDump: a node's whole state as FL.DUMP returns it and as the harness
// stores it in final/<id>.json after quiesce. The checker reads only this.
//
// JSON (docs/history-format.md, "final/<node>.json"):
//   {"node":"n1",
//    "records":[{"key":"k1","value":"3-12","version":[1700000000123456,2],"tombstone":false}, ...],
//    "merkle_roots":[{"range_index":0,"left":L,"right":R,"root":"<16 hex digits>","depth":D}, ...] or null,
//    "hints":[{"hint_id":"n1:17","target":"n3","key":"k1","version":[ts,id],"tombstone":false}, ...]}
// "merkle_roots" is null when anti-entropy is off; FL.MERKLE answers the same
// array, FL.HINTS the same "hints". The reader is strict: every field above
// is required (a tombstone may omit its value; a root may omit its depth, as
// files before per-range depths do), and an unknown field is an error
// naming it, so a renamed field cannot read as "no hints pending".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace faultline {

// The root of the Merkle tree of ring range `range_index`, (left, right],
// and that tree's depth (each range's tree is sized from its key count).
struct RangeRoot {
  size_t range_index = 0;
  Token left = 0;
  Token right = 0;
  uint64_t root = 0;  // in JSON: merkle_hex (core/merkle_hash.h)
  // kMerkleDepthMin..kMerkleDepthMax; 0 when the file has no "depth" (files
  // written before trees were sized per range): read it as the plan's
  // modes.merkle_depth, which every tree then had.
  int depth = 0;
  bool operator==(const RangeRoot&) const = default;
};

// A hint the node holds and has not delivered (handoff records are not
// hints and are not listed).
struct PendingHint {
  std::string hint_id;  // as in the hint_stored event: "<node>:<seq>"
  std::string target;   // the node the hint is for, "n3"
  std::string key;
  Version version;
  bool tombstone = false;
  bool operator==(const PendingHint&) const = default;
};

struct NodeDump {
  std::string node;             // "n1"
  std::vector<Record> records;  // every record, tombstones included, any order
  std::optional<std::vector<RangeRoot>> merkle_roots;  // absent: anti-entropy is off (null)
  std::vector<PendingHint> hints;
};

std::string node_dump_to_json(const NodeDump& d);  // compact, one line
Status node_dump_from_json(std::string_view text, NodeDump* out);

// The "merkle_roots" and "hints" arrays alone: FL.MERKLE and FL.HINTS.
std::string range_roots_to_json(const std::vector<RangeRoot>& roots);
std::string pending_hints_to_json(const std::vector<PendingHint>& hints);
// Reads <dir>/<node>.json: a dump whose "node" differs from the file's name
// is refused, naming the file. Integers out of range are refused, never
// narrowed (version timestamps 0 to 2^63-1, coordinator ids 0 to 2^32-1).
Status read_node_dump_file(const std::string& path, NodeDump* out);
// The text of final/<node>.json at `path` (a file's contents held in
// memory), checked as read_node_dump_file checks the file.
Status node_dump_from_file_text(const std::string& path, std::string_view text, NodeDump* out);

}  // namespace faultline
