// Goal: final/<id>.json (and FL.DUMP) round-trips every record, tombstones
// included, and a dump the checker must not trust is rejected naming the
// record and field.
#include "core/node_dump.h"

#include <nlohmann/json.hpp>

#include "core/test_util.h"

namespace faultline {
namespace {

using nlohmann::json;
using test::fails_with;
using test::succeeds;

NodeDump sample_dump() {
  NodeDump d;
  d.node = "n3";
  d.records = {Record{"k1", "3-12", {1700000000123456, 2}, false, 0},
               Record{"k2", "", {1700000000200000, 4}, true, 99},
               Record{"k3", "", {1, 1}, false, 0}};
  d.merkle_roots = {{RangeRoot{0, 10, 20, 0xab, 4}, RangeRoot{1, 20, 10, 0xffffffffffffffff, 20}}};
  d.hints = {PendingHint{"n3:17", "n1", "k1", {1700000000123456, 2}, false},
             PendingHint{"n3:18", "n2", "k2", {1700000000200000, 4}, true}};
  return d;
}

// The records array of sample_dump() with `record_patch` merged into record i.
std::string dump_with_record(size_t i, const char* record_patch) {
  json j = json::parse(node_dump_to_json(sample_dump()));
  j["records"][i].merge_patch(json::parse(record_patch));
  return j.dump();
}

TEST(NodeDump, RoundTrips) {
  const NodeDump d = sample_dump();
  const std::string text = node_dump_to_json(d);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "a dump is one line";
  NodeDump back;
  ASSERT_TRUE(succeeds(node_dump_from_json(text, &back)));
  EXPECT_EQ(back.node, "n3");
  EXPECT_EQ(back.records, d.records);
  EXPECT_EQ(back.merkle_roots, d.merkle_roots);
  EXPECT_EQ(back.hints, d.hints);
  EXPECT_EQ(node_dump_to_json(back), text);
}

TEST(NodeDump, JsonShapeIsAsDocumented) {
  const json j = json::parse(node_dump_to_json(sample_dump()));
  EXPECT_EQ(j["records"][0], json::parse(R"({"key":"k1","value":"3-12","version":[1700000000123456,2],
                                              "tombstone":false})"));
  EXPECT_EQ(j["records"][1], json::parse(R"({"key":"k2","value":null,"version":[1700000000200000,4],
                                              "tombstone":true})"));
  EXPECT_EQ(json::parse(node_dump_to_json(NodeDump{"n1", {}})),
            json::parse(R"({"node":"n1","records":[],"merkle_roots":null,"hints":[]})"));
  const json full = json::parse(node_dump_to_json(sample_dump()));
  EXPECT_EQ(full["merkle_roots"][0],
            json::parse(R"({"range_index":0,"left":10,"right":20,"root":"00000000000000ab","depth":4})"));
  EXPECT_EQ(full["hints"][1], json::parse(R"({"hint_id":"n3:18","target":"n2","key":"k2",
                                              "version":[1700000000200000,4],"tombstone":true})"));
  // FL.MERKLE and FL.HINTS answer the same arrays.
  EXPECT_EQ(json::parse(range_roots_to_json(*sample_dump().merkle_roots)), full["merkle_roots"]);
  EXPECT_EQ(json::parse(pending_hints_to_json(sample_dump().hints)), full["hints"]);
}

TEST(NodeDump, ReadsTheExampleOfTheFormatDoc) {
  const std::string doc = test::read_file(FAULTLINE_SOURCE_DIR "/docs/history-format.md");
  const std::string example = test::markdown_code_block_after(doc, "## final/&lt;node&gt;.json");
  ASSERT_FALSE(example.empty()) << "docs/history-format.md lost its final/ example";
  NodeDump d;
  ASSERT_TRUE(succeeds(node_dump_from_json(example, &d)));
  ASSERT_EQ(d.records.size(), 2u);
  EXPECT_TRUE(d.records[1].tombstone);
}

// Goal: the dump's parts are all required and nothing else is allowed, so a
// renamed "hints" cannot read as no hint pending; a tombstone alone may omit
// its value.
TEST(NodeDump, EveryPartIsRequiredAndNoOtherIsAllowed) {
  NodeDump d;
  ASSERT_TRUE(succeeds(node_dump_from_json(R"({"node":"n1","records":[],"merkle_roots":null,"hints":[]})", &d)));
  EXPECT_FALSE(d.merkle_roots);
  EXPECT_TRUE(d.hints.empty());
  ASSERT_TRUE(succeeds(node_dump_from_json(
      R"({"node":"n1","records":[{"key":"k","version":[5,1],"tombstone":true}],"merkle_roots":null,"hints":[]})", &d)));
  EXPECT_TRUE(d.records[0].tombstone);
  EXPECT_TRUE(fails_with(node_dump_from_json(R"({"node":"n1","records":[],"merkle_roots":null})", &d),
                         "hints: missing"));
  EXPECT_TRUE(fails_with(node_dump_from_json(R"({"node":"n1","records":[],"hints":[]})", &d), "merkle_roots: missing"));
  EXPECT_TRUE(fails_with(
      node_dump_from_json(R"({"node":"n1","records":[],"merkle_roots":null,"hints":[],"hint":[]})", &d),
      "hint: unknown field"));
  EXPECT_TRUE(fails_with(node_dump_from_json(R"({"node":"n1","records":[],"merkle_roots":null,"hints":null})", &d),
                         "hints: must be an array"));
}

// Goal: a root or hint entry with a field missing, mistyped, out of range
// or unknown is refused naming the entry and field.
TEST(NodeDump, RejectsBadRootsAndHintsNamingEntryAndField) {
  for (const auto& [part, i, patch, error] : std::vector<std::tuple<const char*, size_t, const char*, const char*>>{
           {"merkle_roots", 1, R"({"root":"AB"})", "merkle_roots[1].root: 'AB' is not 16 lowercase hex digits"},
           {"merkle_roots", 0, R"({"left":-1})", "merkle_roots[0].left: has the wrong type"},
           {"merkle_roots", 0, R"({"range_index":null})", "merkle_roots[0].range_index: missing"},
           {"merkle_roots", 0, R"({"dp":4})", "merkle_roots[0].dp: unknown field"},
           {"merkle_roots", 0, R"({"depth":0})", "merkle_roots[0].depth: 0 is not a tree depth (1..20)"},
           {"merkle_roots", 1, R"({"depth":21})", "merkle_roots[1].depth: 21 is not a tree depth (1..20)"},
           {"merkle_roots", 1, R"({"depth":"4"})", "merkle_roots[1].depth: has the wrong type"},
           {"hints", 0, R"({"target":null})", "hints[0].target: missing"},
           {"hints", 1, R"({"tombstone":1})", "hints[1].tombstone: has the wrong type"},
           {"hints", 0, R"({"version":[1,4294967297]})", "hints[0].version: 'version' must be"},
           {"hints", 1, R"({"owner":"n1"})", "hints[1].owner: unknown field"},
       }) {
    SCOPED_TRACE(patch);
    json j = json::parse(node_dump_to_json(sample_dump()));
    j[part][i].merge_patch(json::parse(patch));
    NodeDump d;
    EXPECT_TRUE(fails_with(node_dump_from_json(j.dump(), &d), error));
    EXPECT_TRUE(d.node.empty()) << "output written on error";
  }
}

// Goal: final/*.json and FL.MERKLE answers written before trees were sized
// per range have no "depth": they still read, with depth 0 (the plan's
// merkle_depth, which the checker substitutes), and write back unchanged.
TEST(NodeDump, RootsWithoutADepthReadAsUnknownDepth) {
  json j = json::parse(node_dump_to_json(sample_dump()));
  for (json& root : j["merkle_roots"]) root.erase("depth");
  NodeDump d;
  ASSERT_TRUE(succeeds(node_dump_from_json(j.dump(), &d)));
  ASSERT_TRUE(d.merkle_roots);
  EXPECT_EQ((*d.merkle_roots)[0].depth, 0);
  EXPECT_EQ((*d.merkle_roots)[1].root, 0xffffffffffffffffu);
  EXPECT_EQ(json::parse(node_dump_to_json(d)), j);
}

// Goal: records are as strict as the rest: an unknown field is refused.
TEST(NodeDump, RejectsUnknownRecordField) {
  NodeDump d;
  EXPECT_TRUE(fails_with(node_dump_from_json(dump_with_record(0, R"({"ttl":5})"), &d), "records[0]: ttl: unknown field"));
}

// Regression: a value that is not UTF-8 (any client can SET one) made
// nlohmann's dump() throw, killing FL.DUMP's node.
TEST(NodeDump, NonUtf8ValueDoesNotThrow) {
  NodeDump d{"n1", {Record{"k", "\xff\xfe", {1, 1}, false, 0}}, std::nullopt, {}};
  std::string text;
  ASSERT_NO_THROW(text = node_dump_to_json(d));
  NodeDump back;
  ASSERT_TRUE(succeeds(node_dump_from_json(text, &back)));
  EXPECT_EQ(back.records[0].value, "\xEF\xBF\xBD\xEF\xBF\xBD") << "invalid bytes become U+FFFD";
}

TEST(NodeDump, RejectsBadRecordsNamingRecordAndField) {
  for (const auto& [i, patch, error] : std::vector<std::tuple<size_t, const char*, const char*>>{
           {1, R"({"value":"v"})", "records[1]: a tombstone carries a value"},
           {0, R"({"version":[1]})", "records[0]: 'version' must be [timestamp_us, coordinator_id]"},
           {0, R"({"version":[1,-1]})", "records[0]: 'version' must be"},
           {2, R"({"version":"[1,1]"})", "records[2]: 'version' must be"},
           {0, R"({"version":null})", "records[0]: 'version' must be"},
           // Refused, not cut to [1,1] or wrapped negative.
           {0, R"({"version":[1,4294967297]})", "records[0]: 'version' must be [timestamp_us, coordinator_id] in "
                                                 "range: coordinator_id 4294967297 is out of range (0 to 2^32-1)"},
           {0, R"({"version":[9223372036854775808,1]})", "records[0]: 'version' must be [timestamp_us, coordinator_id] "
                                                         "in range: timestamp_us 9223372036854775808 is out of range"},
           {0, R"({"value":null})", "records[0]: lacks a string 'value'"},
           {0, R"({"value":5})", "records[0]: lacks a string 'value'"},
           {2, R"({"key":null})", "records[2]: lacks a string 'key'"},
           {0, R"({"tombstone":"no"})", "records[0]: lacks a boolean 'tombstone'"},
       }) {
    SCOPED_TRACE(patch);
    NodeDump d;
    EXPECT_TRUE(fails_with(node_dump_from_json(dump_with_record(i, patch), &d), error));
    EXPECT_TRUE(d.node.empty()) << "output written on error";
  }
  NodeDump d;
  EXPECT_TRUE(fails_with(node_dump_from_json("[]", &d), "dump is not a JSON object"));
  EXPECT_TRUE(fails_with(node_dump_from_json(R"({"records":[]})", &d), "dump lacks a string 'node'"));
  EXPECT_TRUE(fails_with(node_dump_from_json(R"({"node":"n1","records":{}})", &d), "dump lacks an array 'records'"));
  EXPECT_TRUE(fails_with(node_dump_from_json(R"({"node":"n1","records":[5]})", &d), "records[0]: not an object"));
}

TEST(NodeDump, FileErrorsNameThePath) {
  test::TempDir dir;
  const std::string path = dir.file("n3.json");
  test::write_file(path, node_dump_to_json(sample_dump()));
  NodeDump d;
  ASSERT_TRUE(succeeds(read_node_dump_file(path, &d)));
  EXPECT_EQ(d.records.size(), 3u);
  test::write_file(path, dump_with_record(1, R"({"value":"v"})"));
  EXPECT_TRUE(fails_with(read_node_dump_file(path, &d), path + ": records[1]: a tombstone carries a value"));
  EXPECT_EQ(read_node_dump_file(dir.file("missing.json"), &d).code(), Status::Code::kNotFound);
}

// Goal: a dump filed under another node's name is refused, naming the file
// (regression: final/n2.json and final/n3.json swapped were accepted).
TEST(NodeDump, NodeMustMatchTheFileName) {
  test::TempDir dir;
  const std::string path = dir.file("n2.json");
  test::write_file(path, node_dump_to_json(sample_dump()));  // node n3
  NodeDump d;
  EXPECT_TRUE(fails_with(read_node_dump_file(path, &d), path + ": 'node' is 'n3' but the file is named after n2"));
  EXPECT_TRUE(d.node.empty()) << "output written on error";
}

}  // namespace
}  // namespace faultline
