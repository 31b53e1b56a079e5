// Goal: sharding without clusters. `--list` of shards 1/N..N/N of ci and
// audit partition the unsharded list; `faultline merge` of fabricated shard
// directories writes byte for byte the files the unsharded writers write
// from the same records (ci: junit.xml, ci.md; audit: audit.md, audit.json,
// audit.html, junit.xml) with the same exit code; missing, duplicate and
// mismatched shards, and bad --shard values, are usage errors (254).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "core/bugs.h"
#include "core/file_io.h"
#include "harness/audit_report.h"
#include "harness/bugzoo_table.h"
#include "harness/cell_run_io.h"
#include "harness/ci_report.h"
#include "harness/ci_suites.h"
#include "harness/shard_manifest.h"
#include "tests/process_test_util.h"

namespace faultline {
namespace {

using testing::ScratchDir;

// `faultline <args> --list` -> index -> the rest of the line.
std::map<size_t, std::string> list(const std::string& args) {
  std::string output;
  const std::string cmd = testing::faultline_bin() + " " + args + " --list";
  EXPECT_EQ(testing::run_shell(cmd, &output), 0) << cmd << "\n" << output;
  std::map<size_t, std::string> items;
  std::istringstream in(output);
  size_t index = 0;
  std::string rest;
  while (in >> index && std::getline(in, rest)) {
    EXPECT_TRUE(items.emplace(index, rest).second) << "index " << index << " twice in " << cmd;
  }
  return items;
}

// The shards' lists partition the whole list, each line marked with its shard.
void expect_partition(const std::string& args, int n) {
  const std::map<size_t, std::string> all = list(args);
  ASSERT_FALSE(all.empty()) << args;
  std::map<size_t, std::string> joined;
  for (int k = 1; k <= n; ++k) {
    const std::string shard = std::to_string(k) + "/" + std::to_string(n);
    for (const auto& [index, rest] : list(args + " --shard " + shard)) {
      const std::string suffix = " (shard " + shard + ")";
      ASSERT_GE(rest.size(), suffix.size());
      EXPECT_EQ(rest.substr(rest.size() - suffix.size()), suffix);
      EXPECT_EQ(index % static_cast<size_t>(n), static_cast<size_t>(k - 1)) << rest;
      EXPECT_TRUE(joined.emplace(index, rest.substr(0, rest.size() - suffix.size())).second)
          << "item " << index << " in two shards";
    }
  }
  EXPECT_EQ(joined, all) << args << " over " << n << " shards";
}

TEST(Shard, ListsPartitionTheCiSuiteAndTheAudit) {
  // Goal: every run of the unsharded list is in exactly one shard's list.
  const std::map<size_t, std::string> smoke = list("ci --suite smoke");
  EXPECT_EQ(smoke.size(), std::size(kCiSmoke));
  EXPECT_EQ(smoke.at(0), " swarm seed 4");
  for (int n : {1, 2, 3, 5}) expect_partition("ci --suite smoke", n);
  expect_partition("ci --suite full", 4);
  expect_partition("audit --seeds 2", 3);
  expect_partition("audit --seeds 1 --rows rr-async-one,wipe-ae-off", 2);
}

TEST(Shard, ListsPartitionTheBugzoo) {
  // Goal: `bugzoo --list` is the bug list (every seeded bug, or the --bug
  // names in the order given) and shards 1/N..N/N partition it.
  const std::map<size_t, std::string> all = list("bugzoo");
  EXPECT_EQ(all.size(), static_cast<size_t>(Bug::kCount));
  EXPECT_EQ(all.at(0), " " + std::string(bug_name(static_cast<Bug>(0))));
  for (int n : {1, 2, 3, 5}) expect_partition("bugzoo", n);
  const std::string chosen = "bugzoo --bug " + std::string(bug_name(static_cast<Bug>(5))) + " --bug " +
                             std::string(bug_name(static_cast<Bug>(1)));
  const std::map<size_t, std::string> two = list(chosen);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two.at(0), " " + std::string(bug_name(static_cast<Bug>(5))));
  expect_partition(chosen, 2);
}

TEST(Shard, BadShardIsAUsageError) {
  // Goal: --shard 0/2, 3/2, x/2 and 1/0 exit 254 and say what is wrong.
  for (const char* bad : {"0/2", "3/2", "x/2", "1/0"}) {
    for (const char* command : {"ci --suite smoke", "audit", "bugzoo"}) {
      std::string output;
      const std::string cmd = testing::faultline_bin() + " " + command + " --list --shard " + bad;
      EXPECT_EQ(testing::run_shell(cmd, &output), 254) << cmd << "\n" << output;
      EXPECT_NE(output.find("--shard"), std::string::npos) << output;
      EXPECT_NE(output.find(bad), std::string::npos) << output;
    }
  }
}

Witness witness(const std::string& summary) {
  Witness w;
  w.summary = summary;
  w.explanation = "A read that started after the write was acknowledged returned an older version.";
  WitnessOp op;
  op.index = 41;
  op.process = 3;
  op.type = "ok";
  op.f = "read";
  op.key = "k7";
  op.value = "3-12";
  w.ops.push_back(op);
  return w;
}

PropertyResult property(const std::string& id, bool guaranteed, PropertyOutcome outcome) {
  PropertyResult p;
  p.id = id;
  p.guaranteed = guaranteed;
  p.expected_reason = guaranteed ? "guaranteed: QUORUM reads and writes" : "not guaranteed: async read repair";
  p.outcome = outcome;
  if (outcome == PropertyOutcome::kViolated) {
    p.violations = 2;
    p.witnesses = {witness(id + " <witness> & \"quoted\"")};
  }
  if (outcome == PropertyOutcome::kUnknown) p.note = "history cut short";
  return p;
}

// Record i of a fabricated list: every kind of outcome a run can have.
CellRun fabricated(size_t i, const std::string& row, uint64_t seed, const std::string& shard_dir) {
  CellRun r;
  r.row = row;
  r.seed = seed;
  r.wall_s = 7.25 + static_cast<double>(i);
  r.run_dir = shard_dir + "/runs/" + row + "/seed" + std::to_string(seed) + "/20261206T120000Z-seed" +
              std::to_string(seed);
  switch (i % 5) {
    case 0:  // valid, with an allowed anomaly
      r.exit_code = 0;
      r.has_verdict = true;
      r.verdict.value = VerdictValue::kValid;
      r.verdict.properties = {property("no-stale-reads", true, PropertyOutcome::kHeld),
                              property("monotonic-reads", false, PropertyOutcome::kViolated)};
      break;
    case 1:  // a guaranteed property violated
      r.exit_code = 1;
      r.has_verdict = true;
      r.verdict.value = VerdictValue::kInvalid;
      r.verdict.properties = {property("no-stale-reads", true, PropertyOutcome::kViolated),
                              property("monotonic-reads", true, PropertyOutcome::kHeld)};
      break;
    case 2:  // unknown
      r.exit_code = 2;
      r.has_verdict = true;
      r.verdict.value = VerdictValue::kUnknown;
      r.verdict.error = "checker gave up";
      r.verdict.properties = {property("no-stale-reads", true, PropertyOutcome::kUnknown),
                              property("monotonic-reads", true, PropertyOutcome::kSkipped)};
      break;
    case 3:  // no verdict
      r.exit_code = 255;
      r.error = "no run directory in x (see x/faultline.log)";
      break;
    default:  // left out by the budget
      r.started = false;
      r.run_dir.clear();
      r.wall_s = 0;
      r.error = "not started: --budget 60 s ran out";
      break;
  }
  return r;
}

std::string shard_dir(const std::string& root, size_t i, int n) {
  return root + "/shard" + std::to_string(i % static_cast<size_t>(n) + 1);
}

// Writes each shard's shard.json for `records` (record i from shard_dir(i)).
void write_shards(const std::string& root, int n, const std::string& command, const ShardManifest::Fields& params,
                  const std::vector<CellRun>& records) {
  for (int k = 1; k <= n; ++k) {
    const Shard shard{k, n};
    const std::string dir = root + "/shard" + std::to_string(k);
    ShardManifest m;
    m.command = command;
    m.params = params;
    m.facts = {{"wall_s", std::to_string(10.5 * k)}, {"jobs", "2"}};
    m.shard = shard;
    m.items_total = records.size();
    m.items = cell_run_items(shard_indices(shard, records.size()), shard_select(shard, records), dir, cell_name);
    ASSERT_TRUE(write_shard_manifest(dir, m).is_ok());
  }
}

int merge(const std::string& root, int n, const std::string& out, std::string* output) {
  std::string cmd = testing::faultline_bin() + " merge";
  for (int k = n; k >= 1; --k) cmd += " " + root + "/shard" + std::to_string(k);  // any order
  return testing::run_shell(cmd + " --out " + out, output);
}

void expect_same_file(const std::string& a, const std::string& b) {
  const std::string text = testing::read_file(a);
  EXPECT_FALSE(text.empty()) << a;
  EXPECT_EQ(text, testing::read_file(b)) << a << " and " << b << " differ";
}

TEST(Shard, MergedCiWritesWhatTheUnshardedCiWrites) {
  // Goal: for N = 1, 2 and 3, the merge of the shards' records gives the same
  // junit.xml and ci.md as the unsharded writer, and its exit code (1: one
  // run violated a guaranteed property).
  for (int n : {1, 2, 3}) {
    ScratchDir root;
    std::vector<CellRun> records;
    for (size_t i = 0; i < 11; ++i) records.push_back(fabricated(i, "swarm", 100 + i, shard_dir(root.path(), i, n)));
    std::ostringstream out, err;
    const int code = finish_ci(CiReport{"smoke", kCiSuitesVersion, records}, testing::faultline_bin(),
                               root.path() + "/unsharded", out, err);
    EXPECT_EQ(code, 1);
    write_shards(root.path(), n, "ci", {{"suite", "smoke"}, {"suite_version", std::to_string(kCiSuitesVersion)}},
                 records);
    std::string output;
    EXPECT_EQ(merge(root.path(), n, root.path() + "/merged", &output), code) << output;
    std::string printed = out.str();  // the same lines, naming the merged junit.xml
    printed.replace(printed.find("/unsharded/junit.xml"), 10, "/merged");
    EXPECT_NE(output.find(printed), std::string::npos) << "merge prints what ci prints:\n" << output << "\n---\n"
                                                       << printed;
    for (const char* f : {"junit.xml", "ci.md"}) expect_same_file(root.path() + "/unsharded/" + f, root.path() + "/merged/" + f);
  }
}

TEST(Shard, MergedAuditWritesWhatTheUnshardedAuditWrites) {
  // Goal: the same for audit's four files, the wall time the longest shard's
  // and the jobs all shards' together.
  const std::vector<std::string> rows = {"rr-async-one", "wipe-ae-off"};
  for (int n : {2, 3}) {
    ScratchDir root;
    std::vector<CellRun> records;
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      for (const std::string& row : rows) {
        const size_t i = records.size();
        records.push_back(fabricated(i, row, seed, shard_dir(root.path(), i, n)));
      }
    }
    AuditOptions o;
    o.seeds = 3;
    o.rows = rows;
    o.duration_ms = 3000;
    o.jobs = 2 * n;
    o.out_dir = root.path() + "/unsharded";
    AuditResult result;
    ASSERT_TRUE(audit_rows_named(o.rows, &result.rows).is_ok());
    result.wall_s = 10.5 * n;
    audit_tally(records, &result);
    std::ostringstream out, err;
    const int code = finish_audit(result, o, testing::faultline_bin(), out, err);
    EXPECT_EQ(code, 1) << err.str();
    write_shards(root.path(), n, "audit", audit_shard_params(o), records);
    std::string output;
    EXPECT_EQ(merge(root.path(), n, root.path() + "/merged", &output), code) << output;
    for (const char* f : {"audit.md", "audit.json", "audit.html", "junit.xml"}) {
      expect_same_file(root.path() + "/unsharded/" + f, root.path() + "/merged/" + f);
    }
  }
}

// The table after its first paragraph (the command and time that wrote it).
std::string table_body(const std::string& text) {
  const size_t at = text.find("\n\n", text.find("\n\n") + 2);
  return at == std::string::npos ? "" : text.substr(at);
}

TEST(Shard, MergedBugzooWritesWhatTheUnshardedBugzooWrites) {
  // Goal: `faultline merge` of two bugzoo shards' shard.json writes the
  // table the unsharded rows give (rows in the bug list's order, the
  // header's command and time aside), and exits 1 when a bug was missed.
  ScratchDir root;
  constexpr size_t kBugs = 5;
  std::vector<std::string> names;
  BugzooTable unsharded;
  unsharded.machine = "Test CPU, 2 CPUs";
  unsharded.self = testing::faultline_bin();
  unsharded.seed_base = 3;
  unsharded.per_bug_budget_ms = 20000;
  unsharded.shrink_budget_ms = 30000;
  unsharded.total_s = 20.0;
  for (size_t i = 0; i < kBugs; ++i) {
    BugzooRow r;
    r.bug = static_cast<Bug>(i);
    r.expected_property = "no-stale-reads";
    r.scenario_args = "--faults partition";
    r.counts.runs = r.clean.runs = static_cast<int>(i) + 1;
    r.caught = i != 3;
    r.property = r.caught ? "no-stale-reads" : "";
    r.replay = "faultline run --seed " + std::to_string(i + 3);
    unsharded.rows.push_back(r);
    names.emplace_back(bug_name(r.bug));
  }
  for (int k = 1; k <= 2; ++k) {
    BugzooTable t = unsharded;
    t.total_s = 10.0 * k;
    t.rows.clear();
    const std::vector<size_t> indices = shard_indices(Shard{k, 2}, kBugs);
    for (size_t i : indices) t.rows.push_back(unsharded.rows[i]);
    const std::string dir = root.path() + "/shard" + std::to_string(k);
    ASSERT_TRUE(write_shard_manifest(dir, bugzoo_manifest(t, names, Shard{k, 2}, indices, dir)).is_ok());
  }
  std::ostringstream want;
  write_bugzoo_table(want, unsharded);
  std::string output;
  EXPECT_EQ(merge(root.path(), 2, root.path() + "/merged", &output), 1) << output;
  const std::string merged = testing::read_file(root.path() + "/merged/bugzoo.md");
  EXPECT_EQ(merged.rfind("# Seeded-bug zoo\n\n`" + testing::faultline_bin() + " merge ", 0), 0u) << merged;
  EXPECT_FALSE(table_body(want.str()).empty());
  EXPECT_EQ(table_body(merged), table_body(want.str()));
  EXPECT_NE(output.find("bugzoo: 4 of 5 bug(s) caught"), std::string::npos) << output;
}

TEST(Shard, MergedBugzooTableKeepsTheHandWrittenSectionAndShrunkPlans) {
  // Goal: `merge --table PATH` of bugzoo shards, as `bugzoo --table PATH`,
  // keeps PATH's hand-written section and copies each shrunk plan beside it
  // (the row then names the copy); --table with ci shards is a usage error.
  ScratchDir root;
  const std::string dir = root.path() + "/shard1";
  BugzooTable t;
  t.machine = "Test CPU, 2 CPUs";
  t.rows.emplace_back();
  t.rows[0].bug = static_cast<Bug>(0);
  t.rows[0].caught = true;
  t.rows[0].shrunk_plan_file = dir + "/b/shrink/plan.json";
  ASSERT_TRUE(write_file_atomic(t.rows[0].shrunk_plan_file, "{\"plan\": 1}\n", true).is_ok());
  ASSERT_TRUE(write_shard_manifest(dir, bugzoo_manifest(t, {"b"}, Shard{1, 1}, {0}, dir)).is_ok());
  const std::string table = root.path() + "/docs/bugzoo.md";
  ASSERT_TRUE(write_file_atomic(table, "# old table\n\n## The bugs\n\nHand-written.\n", true).is_ok());
  std::string output;
  const std::string cmd = testing::faultline_bin() + " merge " + dir + " --out " + root.path() + "/merged";
  EXPECT_EQ(testing::run_shell(cmd + " --table " + table, &output), 0) << output;
  const std::string kept = root.path() + "/docs/bugzoo-shrunk/" + std::string(bug_name(static_cast<Bug>(0))) + ".json";
  EXPECT_EQ(testing::read_file(kept), "{\"plan\": 1}\n");
  const std::string text = testing::read_file(table);
  EXPECT_EQ(text.rfind("# Seeded-bug zoo\n", 0), 0u) << text;
  EXPECT_NE(text.find("run --plan " + kept + "`"), std::string::npos) << text;
  EXPECT_NE(text.find("\n## The bugs\n\nHand-written.\n"), std::string::npos) << text;
  EXPECT_EQ(testing::read_file(root.path() + "/merged/bugzoo.md"), text);

  ScratchDir ci;
  write_shards(ci.path(), 1, "ci", {{"suite", "smoke"}, {"suite_version", "3"}},
               {fabricated(0, "swarm", 1, ci.path() + "/shard1")});
  EXPECT_EQ(testing::run_shell(testing::faultline_bin() + " merge " + ci.path() + "/shard1 --out " + ci.path() +
                                   "/m --table " + table, &output), 254) << output;
  EXPECT_NE(output.find("--table: only for bugzoo shards"), std::string::npos) << output;
}

TEST(Shard, MergeRejectsMissingDuplicateAndForeignShards) {
  // Goal: a gap, a shard twice, shards of different suites and a directory
  // without shard.json are usage errors (254) that say what is wrong.
  ScratchDir root;
  std::vector<CellRun> records;
  for (size_t i = 0; i < 6; ++i) records.push_back(fabricated(0, "swarm", i, shard_dir(root.path(), i, 3)));
  write_shards(root.path(), 3, "ci", {{"suite", "smoke"}, {"suite_version", "3"}}, records);
  const std::string bin = testing::faultline_bin() + " merge ", out = " --out " + root.path() + "/merged";
  const std::string s1 = root.path() + "/shard1 ", s2 = root.path() + "/shard2 ", s3 = root.path() + "/shard3 ";
  struct Case {
    std::string dirs;
    std::string says;
  };
  const Case cases[] = {
      {s1 + s3, "missing shard(s) 2 of 3"},
      {s1 + s2 + s2 + s3, "shard 2/3 given twice"},
      {s1 + s2 + root.path() + " ", root.path() + "/shard.json: missing"},
  };
  for (const Case& c : cases) {
    std::string output;
    EXPECT_EQ(testing::run_shell(bin + c.dirs + out, &output), 254) << c.dirs << "\n" << output;
    EXPECT_NE(output.find(c.says), std::string::npos) << output;
  }
  ScratchDir other;
  write_shards(other.path(), 3, "ci", {{"suite", "full"}, {"suite_version", "3"}}, records);
  std::string output;
  EXPECT_EQ(testing::run_shell(bin + s1 + s2 + other.path() + "/shard3" + out, &output), 254) << output;
  EXPECT_NE(output.find("shards of different runs"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(root.path() + "/merged/junit.xml"));
}

}  // namespace
}  // namespace faultline
