// Goal: the bugzoo table's rows survive shard.json unchanged (every field,
// paths relative to the shard's directory), a malformed record is an error
// naming the field, and the merge of shards of fabricated rows writes byte
// for byte the table the unsharded rows give, clean-node false alarms in the
// unsharded order (by seed, then bug).
#include "harness/bugzoo_table.h"

#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/shard_manifest.h"

namespace faultline {
namespace {

// Row i of a fabricated zoo: every kind of outcome a row can have, run
// directories under `dir`.
BugzooRow fabricated(size_t i, const std::string& dir) {
  BugzooRow r;
  r.bug = static_cast<Bug>(i);
  r.expected_property = "no-stale-reads";
  r.mirrors = i % 3 == 2 ? "" : "CASSANDRA-" + std::to_string(13115 + i);
  r.scenario_args = "--read-cl QUORUM --write-cl ONE --faults partition";
  r.counts = BugzooCounts{static_cast<int>(i) + 1, static_cast<int>(i % 2), 0};
  r.caught = i % 4 != 3;
  if (r.caught) {
    r.property = "no-stale-reads";
    r.detect_s = 12.25 + static_cast<double>(i);
    r.replay = "faultline run --seed " + std::to_string(i + 1) + " --bug " + std::string(bug_name(r.bug));
    r.shrunk = "faults 3→1 (900→300 ms), nodes 5→3";
    if (i % 2 == 0) r.shrunk_plan_file = dir + "/" + std::string(bug_name(r.bug)) + "/shrink/plan.json";
  }
  r.sim = BugzooSim{true, i % 5 != 4, "merkle-convergence", static_cast<int64_t>(i) + 3, 1.5, "faultline sim --seed 4",
                    i == 6 ? "no cores" : ""};
  r.clean = BugzooCounts{static_cast<int>(i) + 1, 0, static_cast<int>(i % 3 == 0)};
  // False alarms in bugs 1 and 2 at seeds that interleave: the unsharded
  // check lists seed 1 of bug 2 before seed 2 of bug 1.
  if (i == 1) r.false_alarms = {{2, "no-stale-reads", "faultline run --seed 2", dir + "/clean/b/seed2"}};
  if (i == 2) {
    r.false_alarms = {{1, "hint-replay", "faultline run --seed 1", dir + "/clean/c/seed1"},
                      {3, "no-resurrection", "faultline run --seed 3", "/tmp/elsewhere/seed3"}};
  }
  return r;
}

BugzooTable header(bool sim) {
  BugzooTable t;
  t.command_line = "faultline bugzoo --sim";
  t.when = "2026-12-08 01:00 UTC";
  t.machine = "Test CPU, 2 CPUs";
  t.self = "faultline";
  t.sim = sim;
  t.seed_base = 7;
  t.per_bug_budget_ms = 35000;
  t.sim_budget_ms = 25000;
  t.shrink_budget_ms = 30000;
  return t;
}

std::string table_text(const BugzooTable& t) {
  std::ostringstream md;
  write_bugzoo_table(md, t);
  return md.str();
}

std::vector<std::string> names(size_t n) {
  std::vector<std::string> all;
  for (size_t i = 0; i < n; ++i) all.emplace_back(bug_name(static_cast<Bug>(i)));
  return all;
}

TEST(BugzooTable, RowRoundTripsThroughItsRecord) {
  // Goal: every field written is read back; paths inside the shard's
  // directory are stored relative to it and joined to where it is read from.
  for (size_t i = 0; i < 7; ++i) {
    const BugzooRow row = fabricated(i, "sh1");
    const std::string text = bugzoo_row_to_json(row, "sh1");
    EXPECT_EQ(text.find("\"sh1/"), std::string::npos) << text;
    BugzooRow back;
    ASSERT_TRUE(bugzoo_row_from_json(text, "rec", "moved/sh1", &back).is_ok()) << text;
    BugzooRow expected = fabricated(i, "moved/sh1");
    EXPECT_EQ(bugzoo_row_to_json(back, ""), bugzoo_row_to_json(expected, "")) << "row " << i;
    BugzooTable a = header(true), b = header(true);
    a.rows = {expected};
    b.rows = {back};
    EXPECT_EQ(table_text(a), table_text(b));
  }
}

TEST(BugzooTable, MalformedRecordNamesTheField) {
  // Goal: each defect is an error naming the record and the field.
  const nlohmann::ordered_json good = nlohmann::ordered_json::parse(bugzoo_row_to_json(fabricated(2, "d"), "d"));
  struct Case {
    std::function<void(nlohmann::ordered_json&)> edit;
    const char* says;
  };
  const std::vector<Case> cases = {
      {[](auto& j) { j["bug"] = "no-such-bug"; }, "rec.bug: not a seeded bug"},
      {[](auto& j) { j.erase("real"); }, "rec.real: missing"},
      {[](auto& j) { j["real"]["runs"] = "3"; }, "rec.real.runs: has the wrong type"},
      {[](auto& j) { j["sim"]["extra"] = 1; }, "rec.sim.extra: unknown field"},
      {[](auto& j) { j["clean"]["false_alarms"] = 1; }, "rec.clean.false_alarms: must be an array"},
      {[](auto& j) { j["clean"]["false_alarms"][0].erase("seed"); }, "rec.clean.false_alarms[0].seed: missing"},
  };
  for (const Case& c : cases) {
    nlohmann::ordered_json j = good;
    c.edit(j);
    BugzooRow row;
    const Status s = bugzoo_row_from_json(j.dump(), "rec", "d", &row);
    ASSERT_FALSE(s.is_ok()) << c.says;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
  }
  BugzooRow row;
  EXPECT_FALSE(bugzoo_row_from_json("{", "rec", "d", &row).is_ok());
}

// The shards of `all` over n, as `faultline bugzoo --shard K/N` writes them
// (shard K's runs under "sh<K>"), read back and merged.
Status merge_fabricated(size_t total, int n, bool sim, BugzooTable* merged_table) {
  std::vector<ShardManifest> shards;
  std::vector<std::string> dirs;
  for (int k = 1; k <= n; ++k) {
    const Shard shard{k, n};
    const std::string dir = "sh" + std::to_string(k);
    BugzooTable t = header(sim);
    t.total_s = 10.0 * k;
    t.clean_s = 4.0 * k;
    const std::vector<size_t> indices = shard_indices(shard, total);
    for (size_t i : indices) t.rows.push_back(fabricated(i, dir));
    shards.emplace_back();
    const std::string text = shard_manifest_json(bugzoo_manifest(t, names(total), shard, indices, dir));
    if (Status s = shard_manifest_from_text(text, dir + "/shard.json", &shards.back()); !s) return s;
    for (ShardItem& item : shards.back().items) item.dir = dir;  // as read_shard_manifest sets it
    dirs.push_back(dir);
  }
  ShardManifest merged;
  if (Status s = merge_shard_records(shards, dirs, &merged); !s) return s;
  return bugzoo_table_from_shards(shards, dirs, merged, merged_table);
}

TEST(BugzooTable, MergedShardsWriteTheUnshardedTable) {
  // Goal: for N = 1, 2, 3 (with and without the simulator's columns), the
  // merged rows give the same bytes as the unsharded rows, wall times the
  // slowest shard's.
  constexpr size_t kBugs = 7;
  for (bool sim : {false, true}) {
    for (int n : {1, 2, 3}) {
      BugzooTable unsharded = header(sim);
      unsharded.total_s = 10.0 * n;
      unsharded.clean_s = 4.0 * n;
      for (size_t i = 0; i < kBugs; ++i) unsharded.rows.push_back(fabricated(i, "sh" + std::to_string(i % n + 1)));
      BugzooTable merged;
      ASSERT_TRUE(merge_fabricated(kBugs, n, sim, &merged).is_ok());
      merged.command_line = unsharded.command_line;
      merged.when = unsharded.when;
      merged.self = unsharded.self;
      const std::string want = table_text(unsharded);
      EXPECT_EQ(table_text(merged), want) << "N = " << n << ", sim " << sim;
      // The false alarms by seed, then bug: bug 2's seed 1, bug 1's seed 2.
      const size_t first = want.find("FALSE ALARM on the clean node: hint-replay");
      const size_t second = want.find("FALSE ALARM on the clean node: no-stale-reads");
      ASSERT_NE(first, std::string::npos);
      EXPECT_LT(first, second);
      EXPECT_NE(want.find("**3 FALSE ALARM(S)**"), std::string::npos);
    }
  }
}

TEST(BugzooTable, MergeRejectsMissingParamsNamingTheShard) {
  // Goal: a shard.json whose params or facts lack a field the table needs is
  // an error naming the file and the field.
  ShardManifest m = bugzoo_manifest(header(false), names(1), Shard{1, 1}, {}, "sh1");
  m.items_total = 0;
  m.params.erase(m.params.begin());  // seed_base
  BugzooTable t;
  Status s = bugzoo_table_from_shards({m}, {"sh1"}, m, &t);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("sh1/shard.json: params: seed_base"), std::string::npos) << s.message();
  m = bugzoo_manifest(header(false), names(1), Shard{1, 1}, {}, "sh1");
  m.facts.clear();
  s = bugzoo_table_from_shards({m}, {"sh1"}, m, &t);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("sh1/shard.json: facts: wall_s"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace faultline
