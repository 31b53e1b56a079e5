// shard.json: written and read back, rejected with the file and field named
// when malformed, and merged in the unsharded order with clear errors for
// shards of different runs, duplicates and gaps.
#include "harness/shard_manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/cell_run_io.h"

namespace faultline {
namespace {

// Shard s of a fan-out over `total` items, each record naming its index.
ShardManifest make_shard(Shard s, size_t total, const std::string& command = "ci") {
  ShardManifest m;
  m.command = command;
  m.params = {{"suite", "smoke"}, {"suite_version", "3"}};
  m.facts = {{"wall_s", "12.5"}};
  m.shard = s;
  m.items_total = total;
  for (size_t i : shard_indices(s, total)) {
    m.items.push_back(ShardItem{i, "item " + std::to_string(i), "{\"i\":" + std::to_string(i) + "}", ""});
  }
  return m;
}

Status parse(const std::string& text, ShardManifest* out) { return shard_manifest_from_text(text, "d/shard.json", out); }

TEST(ShardManifest, RoundTrips) {
  // Goal: every field written is read back as it was.
  const ShardManifest m = make_shard(Shard{2, 3}, 8);
  ShardManifest back;
  ASSERT_TRUE(parse(shard_manifest_json(m), &back).is_ok());
  EXPECT_EQ(back.command, "ci");
  EXPECT_EQ(back.params, m.params);
  EXPECT_EQ(back.facts, m.facts);
  EXPECT_EQ(back.shard, (Shard{2, 3}));
  EXPECT_EQ(back.items_total, 8u);
  ASSERT_EQ(back.items.size(), 3u);  // 1, 4, 7
  for (size_t j = 0; j < back.items.size(); ++j) {
    EXPECT_EQ(back.items[j].index, m.items[j].index);
    EXPECT_EQ(back.items[j].name, m.items[j].name);
    EXPECT_EQ(nlohmann::json::parse(back.items[j].record), nlohmann::json::parse(m.items[j].record));
  }
}

TEST(ShardManifest, RejectsMalformedNamingFileAndField) {
  // Goal: each defect is an error that names the file and the field.
  const nlohmann::ordered_json good = nlohmann::ordered_json::parse(shard_manifest_json(make_shard(Shard{1, 2}, 4)));
  struct Case {
    const char* what;
    std::function<void(nlohmann::ordered_json&)> edit;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"missing command", [](auto& j) { j.erase("command"); }, "command: missing"},
      {"missing items", [](auto& j) { j.erase("items"); }, "items: missing"},
      {"unknown field", [](auto& j) { j["extra"] = 1; }, "extra: unknown field"},
      {"format", [](auto& j) { j["format"] = 2; }, "format: unsupported format 2"},
      {"param not a string", [](auto& j) { j["params"]["suite"] = 3; }, "params.suite: must be a string"},
      {"shard 0", [](auto& j) { j["shard"]["index"] = 0; }, "shard: K must be in 1..N"},
      {"shard K > N", [](auto& j) { j["shard"]["index"] = 3; }, "shard: K must be in 1..N"},
      {"shard N = 0", [](auto& j) { j["shard"]["count"] = 0; }, "shard: N must be in"},
      {"shard count missing", [](auto& j) { j["shard"].erase("count"); }, "shard.count: missing"},
      {"items_total negative", [](auto& j) { j["items_total"] = -1; }, "items_total: has the wrong type"},
      {"record not an object", [](auto& j) { j["items"][1]["record"] = 5; }, "items[1].record: must be an object"},
      {"item name missing", [](auto& j) { j["items"][0].erase("name"); }, "items[0].name: missing"},
      {"item of another shard", [](auto& j) { j["items"][1]["index"] = 1; }, "items[1].index: item 1 belongs to shard 2"},
      {"item beyond the total", [](auto& j) { j["items"][1]["index"] = 4; }, "items[1].index: 4 is not below"},
      {"item left out", [](auto& j) { j["items"].erase(1); }, "owns 2, the file has 1"},
      // A huge total is refused before anything is sized by it (it once
      // listed every owned index: bad_alloc, an abort).
      {"items_total huge", [](auto& j) { j["items_total"] = 1000000000000000000ull; }, "items_total: 1000000000000000000 is above the limit"},
      {"items_total above the items", [](auto& j) { j["items_total"] = 9; }, "owns 5, the file has 2"},
      {"not in order", [](auto& j) { std::swap(j["items"][0], j["items"][1]); }, "not in ascending order"},
  };
  for (const Case& c : cases) {
    nlohmann::ordered_json j = good;
    c.edit(j);
    ShardManifest m;
    Status s = parse(j.dump(), &m);
    ASSERT_FALSE(s.is_ok()) << c.what;
    EXPECT_EQ(s.message().rfind("d/shard.json: ", 0), 0u) << c.what << ": " << s.message();
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.what << ": " << s.message();
  }
  ShardManifest m;
  EXPECT_NE(parse("{", &m).message().find("d/shard.json: not JSON"), std::string::npos);
}

TEST(ShardManifest, MissingFileSaysSo) {
  // Goal: a directory without shard.json is not_found, naming the path.
  ShardManifest m;
  Status s = read_shard_manifest("/nonexistent-faultline-dir", &m);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("/nonexistent-faultline-dir/shard.json: missing"), std::string::npos) << s.message();
}

TEST(ShardManifest, MergesInUnshardedOrder) {
  // Goal: for many N, the shards given in any order merge to every item once,
  // in index order, whatever order the shards come in.
  for (int n = 1; n <= 9; ++n) {
    for (size_t total : {size_t{0}, size_t{1}, size_t{7}, size_t{38}}) {
      std::vector<ShardManifest> shards;
      std::vector<std::string> sources;
      for (int k = n; k >= 1; --k) {
        shards.push_back(make_shard(Shard{k, n}, total));
        sources.push_back("sh" + std::to_string(k));
      }
      ShardManifest merged;
      ASSERT_TRUE(merge_shard_records(shards, sources, &merged).is_ok()) << n << " " << total;
      ASSERT_EQ(merged.items.size(), total);
      for (size_t i = 0; i < total; ++i) {
        EXPECT_EQ(merged.items[i].index, i);
        EXPECT_EQ(merged.items[i].record, "{\"i\":" + std::to_string(i) + "}");
      }
      EXPECT_EQ(merged.shard, (Shard{1, 1}));
      EXPECT_EQ(merged.params, shards[0].params);
      EXPECT_TRUE(merged.facts.empty());
    }
  }
}

TEST(ShardManifest, MergeRejectsMismatchedDuplicateAndMissing) {
  // Goal: shards of different runs, a shard twice, and a shard missing are
  // errors that say which directories and shards.
  auto merge = [](std::vector<ShardManifest> shards) {
    std::vector<std::string> sources;
    for (const auto& s : shards) sources.push_back("dir" + std::to_string(s.shard.index));
    ShardManifest merged;
    return merge_shard_records(shards, sources, &merged).message();
  };
  EXPECT_EQ(merge({make_shard(Shard{1, 3}, 9), make_shard(Shard{3, 3}, 9)}), "missing shard(s) 2 of 3");
  EXPECT_EQ(merge({make_shard(Shard{1, 2}, 9), make_shard(Shard{1, 2}, 9), make_shard(Shard{2, 2}, 9)}),
            "shard 1/2 given twice: dir1 and dir1");
  EXPECT_NE(merge({make_shard(Shard{1, 2}, 9), make_shard(Shard{2, 3}, 9)}).find("shard count N 2, dir2 has shard count N 3"),
            std::string::npos);
  EXPECT_NE(merge({make_shard(Shard{1, 2}, 9), make_shard(Shard{2, 2}, 9, "audit")}).find("command ci, dir2 has command audit"),
            std::string::npos);
  EXPECT_NE(merge({make_shard(Shard{1, 2}, 9), make_shard(Shard{2, 2}, 8)}).find("items_total 9, dir2 has items_total 8"),
            std::string::npos);
  ShardManifest other = make_shard(Shard{2, 2}, 9);
  other.params[1].second = "4";
  EXPECT_NE(merge({make_shard(Shard{1, 2}, 9), other}).find("params suite smoke, suite_version 3, dir2 has params "
                                                             "suite smoke, suite_version 4"),
            std::string::npos);
  EXPECT_EQ(merge({}), "no shards to merge");
}

TEST(CellRunIo, RoundTripsWithRunDirRelativeToTheShard) {
  // Goal: a run record survives shard.json, its run directory stored relative
  // to the shard's directory and resolved against wherever it is merged from.
  CellRun run;
  run.row = "swarm";
  run.seed = 42;
  run.exit_code = 1;
  run.run_dir = "out/sh1/runs/swarm/seed42/20261206T000000Z-seed42";
  run.has_verdict = true;
  run.verdict.value = VerdictValue::kInvalid;
  run.verdict.operations = 17;
  run.wall_s = 9.125;
  const std::string text = cell_run_to_json(run, "out/sh1");
  EXPECT_EQ(nlohmann::json::parse(text)["run_dir"], "runs/swarm/seed42/20261206T000000Z-seed42");
  CellRun back;
  ASSERT_TRUE(cell_run_from_json(text, "r", "/artifacts/shard-1", &back).is_ok());
  EXPECT_EQ(back.run_dir, "/artifacts/shard-1/runs/swarm/seed42/20261206T000000Z-seed42");
  EXPECT_EQ(back.row, "swarm");
  EXPECT_EQ(back.seed, 42u);
  EXPECT_EQ(back.exit_code, 1);
  EXPECT_TRUE(back.has_verdict);
  EXPECT_TRUE(back.started);
  EXPECT_EQ(back.verdict.value, VerdictValue::kInvalid);
  EXPECT_EQ(back.verdict.operations, 17);
  EXPECT_EQ(back.wall_s, 9.125);

  nlohmann::json j = nlohmann::json::parse(text);
  j["started"] = false;
  Status s = cell_run_from_json(j.dump(), "r", "", &back);
  EXPECT_NE(s.message().find("r.verdict: a run not started has none"), std::string::npos) << s.message();
  j.erase("wall_s");
  EXPECT_NE(cell_run_from_json(j.dump(), "r", "", &back).message().find("r.wall_s: missing"), std::string::npos);
}

}  // namespace
}  // namespace faultline
