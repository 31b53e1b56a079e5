// shard.json: what one shard of a sharded command (`faultline ci|audit|bugzoo
// --shard K/N`, harness/shard.h) leaves in its output directory, so that
// `faultline merge DIR... --out DIR` can write the files the unsharded
// command would have written from the same records. Reader next to writer.
//
//   {
//     "format": 1,
//     "command": "ci",                      the command that wrote it
//     "params": {"suite": "smoke", "suite_version": "3"},
//                                           what every shard of one fan-out
//                                           must share (merge checks equality)
//     "facts": {"wall_s": "93.2", "jobs": "2"},
//                                           what this shard alone measured or
//                                           used (merge does not compare them)
//     "shard": {"index": 1, "count": 2},    K of N
//     "items_total": 38,                    the unsharded list's length
//     "items": [                            this shard's items, ascending index
//       {"index": 0, "name": "swarm seed 4", "record": {...}}, ...
//     ]
//   }
//
// `record` is the command's own result for the item (a run and its verdict
// for ci and audit, harness/cell_run_io.h; a bug's row for bugzoo); this
// file checks only that it is an object and hands it on as JSON text.
// Reading is strict: a missing, unknown or mistyped field is an error naming
// the file and the field path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "harness/shard.h"

namespace faultline {

inline constexpr int kShardManifestFormat = 1;
inline constexpr std::string_view kShardManifestFile = "shard.json";

struct ShardItem {
  size_t index = 0;    // in the unsharded list
  std::string name;    // for people and error messages: "swarm seed 4"
  std::string record;  // a JSON object, as text
  std::string dir;     // not in the file: the directory read_shard_manifest read it from
};

struct ShardManifest {
  std::string command;
  using Fields = std::vector<std::pair<std::string, std::string>>;
  Fields params;  // in the writer's order
  Fields facts;   // in the writer's order
  Shard shard;
  size_t items_total = 0;
  std::vector<ShardItem> items;
};

std::string shard_manifest_json(const ShardManifest& m);
// <dir>/shard.json, atomically.
Status write_shard_manifest(const std::string& dir, const ShardManifest& m);

// Also checks what one shard must satisfy by itself: K of N valid, items in
// ascending order, each owned by the shard, below items_total, and all of
// the shard's items present. `source` names the file in errors.
Status shard_manifest_from_text(std::string_view text, const std::string& source, ShardManifest* out);
// <dir>/shard.json: not_found when there is none (the directory is not a
// shard's output), invalid as above.
Status read_shard_manifest(const std::string& dir, ShardManifest* out);
// The value of `name` in fields, or nullptr.
const std::string* find_field(const ShardManifest::Fields& fields, std::string_view name);
// The value of `name` in fields as a non-negative number; invalid, naming
// "<source>: <name>", when missing or not one.
Status field_number(const ShardManifest::Fields& fields, const char* name, const std::string& source, double* out);
// The same for a whole number in 0..max (seeds, milliseconds), exact where a
// double would round and never cast out of range.
Status field_count(const ShardManifest::Fields& fields, const char* name, const std::string& source, uint64_t max,
                   uint64_t* out);

// The shards of one fan-out -> one manifest with every item in the
// unsharded order (shard {1, 1}). `sources[i]` names shards[i] in errors
// (its directory). The merged manifest has no facts (they are each shard's
// own). Invalid when commands, params, N or items_total differ,
// when a shard appears twice, or when one is missing.
Status merge_shard_records(const std::vector<ShardManifest>& shards, const std::vector<std::string>& sources,
                           ShardManifest* merged);

}  // namespace faultline
