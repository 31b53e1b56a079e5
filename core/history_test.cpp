// Goal: every operation shape survives HistoryWriter -> HistoryReader, the
// writer keeps file, index and time order in step under concurrent appends,
// and the reader rejects each kind of malformed line naming "path:LINE:",
// except an unterminated last line, which a crashed harness leaves behind.
#include "core/history.h"

#include <nlohmann/json.hpp>

#include <map>
#include <thread>

#include "core/test_util.h"

namespace faultline {
namespace {

using test::client_op;
using test::fails_with;
using test::nemesis_op;
using test::succeeds;
using Result = HistoryReader::Result;

// Field-by-field comparison (HistoryOp has no ==). Nemesis values compare as
// JSON, since the writer re-serializes them.
::testing::AssertionResult same_op(const HistoryOp& a, const HistoryOp& b) {
  auto json_of = [](const std::string& s) { return s.empty() ? nlohmann::json::object() : nlohmann::json::parse(s); };
  if (a.index != b.index || a.time_ns != b.time_ns || a.process != b.process || a.type != b.type || a.f != b.f ||
      a.key != b.key || a.value != b.value || a.version != b.version || a.tombstone != b.tombstone || a.cl != b.cl ||
      a.node != b.node || a.error != b.error || (a.is_nemesis() && json_of(a.fault_json) != json_of(b.fault_json))) {
    return ::testing::AssertionFailure() << history_op_to_json_line(a) << "\n  vs " << history_op_to_json_line(b);
  }
  return ::testing::AssertionSuccess();
}

// One operation of every shape the harness writes.
std::vector<HistoryOp> every_op_shape() {
  std::vector<HistoryOp> ops;
  auto add = [&](HistoryOp op, auto&&... setters) {
    (setters(op), ...);
    ops.push_back(std::move(op));
  };
  auto value = [](std::string v) { return [v](HistoryOp& op) { op.value = v; }; };
  auto version = [](int64_t ts, NodeId c) { return [=](HistoryOp& op) { op.version = Version{ts, c}; }; };
  auto invoke_at = [](ConsistencyLevel cl, std::string node) {
    return [=](HistoryOp& op) {
      op.cl = cl;
      op.node = node;
    };
  };
  auto error = [](std::string e) { return [e](HistoryOp& op) { op.error = e; }; };
  using CL = ConsistencyLevel;

  add(nemesis_op(OpType::kInfo, "phase", R"({"phase":"workload-start"})"));
  add(client_op(3, OpType::kInvoke, "write", "k7"), value("3-12"), invoke_at(CL::kQuorum, "n2"));
  add(client_op(3, OpType::kOk, "write", "k7"), value("3-12"), version(1700000000123456, 2));
  add(client_op(4, OpType::kInvoke, "read", "k7"), invoke_at(CL::kOne, "n1"));
  add(client_op(4, OpType::kOk, "read", "k7"), value("3-12"), version(1700000000123456, 2));
  add(client_op(4, OpType::kInvoke, "read", "k8"), invoke_at(CL::kAll, "n3"));
  add(client_op(4, OpType::kOk, "read", "k8"));  // nil read: nothing stored
  add(client_op(5, OpType::kInvoke, "delete", "k7"), invoke_at(CL::kAny, "n4"));
  add(client_op(5, OpType::kOk, "delete", "k7"), version(1700000000200000, 4));
  add(client_op(4, OpType::kInvoke, "read", "k7"), invoke_at(CL::kTwo, "n5"));
  add(client_op(4, OpType::kOk, "read", "k7"), version(1700000000200000, 4),
      [](HistoryOp& op) { op.tombstone = true; });  // tombstone read
  add(nemesis_op(OpType::kInfo, "partition", R"({"grudge":{"n1":["n3"]},"kind":"majorities-ring"})"));
  add(client_op(6, OpType::kInvoke, "write", "k9"), value("6-1"), invoke_at(CL::kAll, "n1"));
  add(client_op(6, OpType::kFail, "write", "k9"), value("6-1"), error("UNAVAILABLE 1 of 3 replicas up"));
  add(client_op(7, OpType::kInvoke, "delete", "k9"), invoke_at(CL::kQuorum, "n2"));
  add(client_op(7, OpType::kInfo, "delete", "k9"), error("TIMEOUT"));
  add(client_op(8, OpType::kInvoke, "read", "k9"), invoke_at(CL::kQuorum, "n2"));
  add(client_op(8, OpType::kFail, "read", "k9"), error("UNAVAILABLE"));
  add(client_op(9, OpType::kInvoke, "write", "k1"), value("9-1"), invoke_at(CL::kOne, "n3"));
  add(client_op(9, OpType::kInfo, "write", "k1"), value("9-1"), error("connection reset"));
  add(client_op(10, OpType::kInvoke, "read", "k1"), invoke_at(CL::kOne, "n3"));
  add(client_op(10, OpType::kInfo, "read", "k1"), error("TIMEOUT"));
  add(nemesis_op(OpType::kInfo, "partition-heal", ""));
  add(nemesis_op(OpType::kInfo, "phase", R"({"phase":"workload-end"})"));
  add(nemesis_op(OpType::kInfo, "phase", R"({"phase":"final-reads"})"));
  add(nemesis_op(OpType::kInfo, "phase", R"({"phase":"done"})"));
  return ops;
}

// Reads every operation of `path`, failing the test on a reader error.
std::vector<HistoryOp> read_all(const std::string& path, HistoryHeader* header = nullptr) {
  std::unique_ptr<HistoryReader> reader;
  Status s = HistoryReader::open(path, &reader);
  EXPECT_TRUE(succeeds(s));
  if (!s) return {};
  if (header) *header = reader->header();
  std::vector<HistoryOp> ops;
  HistoryOp op;
  Result r;
  while ((r = reader->next(&op)) == Result::kOp) ops.push_back(op);
  EXPECT_EQ(r, Result::kEnd) << reader->error().to_string();
  EXPECT_FALSE(reader->truncated_tail());
  return ops;
}

TEST(History, EveryOpShapeRoundTripsThroughWriterAndReader) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  std::unique_ptr<HistoryWriter> writer;
  ASSERT_TRUE(succeeds(HistoryWriter::open(path, {kHistoryFormatVersion, 18446744073709551615u}, &writer)));
  std::vector<HistoryOp> written;
  int64_t time_ns = 1000;
  for (HistoryOp op : every_op_shape()) {
    op.time_ns = time_ns += 17;
    written.push_back(writer->append(op));
  }
  EXPECT_EQ(writer->count(), static_cast<int64_t>(written.size()));
  writer.reset();

  HistoryHeader header;
  const auto back = read_all(path, &header);
  EXPECT_EQ(header.version, kHistoryFormatVersion);
  EXPECT_EQ(header.seed, 18446744073709551615u);
  ASSERT_EQ(back.size(), written.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(written[i].index, static_cast<int64_t>(i));
    EXPECT_TRUE(same_op(back[i], written[i])) << "op " << i;
  }
}

// Pins the on-disk shape that docs/history-format.md describes.
TEST(History, LinesLookAsDocumented) {
  auto ops = every_op_shape();
  auto line = [&](size_t i) {
    ops[i].index = static_cast<int64_t>(i);
    ops[i].time_ns = 5;
    return nlohmann::json::parse(history_op_to_json_line(ops[i]));
  };
  using nlohmann::json;
  EXPECT_EQ(line(0), json::parse(R"({"index":0,"time":5,"process":"nemesis","type":"info","f":"phase",
                                      "value":{"phase":"workload-start"}})"));
  EXPECT_EQ(line(1), json::parse(R"({"index":1,"time":5,"process":3,"type":"invoke","f":"write","key":"k7",
                                      "value":"3-12","cl":"QUORUM","node":"n2"})"));
  EXPECT_EQ(line(2), json::parse(R"({"index":2,"time":5,"process":3,"type":"ok","f":"write","key":"k7",
                                      "value":"3-12","version":[1700000000123456,2]})"));
  EXPECT_EQ(line(6), json::parse(R"({"index":6,"time":5,"process":4,"type":"ok","f":"read","key":"k8",
                                      "value":null})"));
  EXPECT_EQ(line(10), json::parse(R"({"index":10,"time":5,"process":4,"type":"ok","f":"read","key":"k7",
                                       "value":null,"version":[1700000000200000,4],"tombstone":true})"));
  EXPECT_EQ(line(15), json::parse(R"({"index":15,"time":5,"process":7,"type":"info","f":"delete","key":"k9",
                                       "error":"TIMEOUT"})"));
  EXPECT_EQ(line(22), json::parse(R"({"index":22,"time":5,"process":"nemesis","type":"info",
                                       "f":"partition-heal","value":{}})"));
  EXPECT_EQ(history_header_to_json_line({kHistoryFormatVersion, 42}),
            R"({"format":"faultline-history","seed":42,"version":1})");
}

TEST(History, ReadsTheDesignDocExample) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  test::write_file(path, R"({"format":"faultline-history","version":1,"seed":7}
{"index":0,"time":1234,"process":3,"type":"invoke","f":"write","key":"k7","value":"3-12","cl":"QUORUM","node":"n2"}
{"index":1,"time":5678,"process":3,"type":"ok","f":"write","key":"k7","value":"3-12","version":[1700000000123456,2]}
{"index":2,"time":6000,"process":4,"type":"ok","f":"read","key":"k7","value":"3-12","version":[1700000000123456,2]}
{"index":3,"time":7000,"process":"nemesis","type":"info","f":"partition","value":{"kind":"majorities-ring","grudge":{"n1":["n3"]}}}
)");
  const auto ops = read_all(path);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[0].cl, ConsistencyLevel::kQuorum);
  EXPECT_EQ(ops[1].version, (Version{1700000000123456, 2}));
  EXPECT_TRUE(ops[3].is_nemesis());
  EXPECT_EQ(nlohmann::json::parse(ops[3].fault_json)["grudge"]["n1"][0], "n3");
}

TEST(History, ReadsTheExampleOfTheFormatDoc) {
  const std::string doc = test::read_file(FAULTLINE_SOURCE_DIR "/docs/history-format.md");
  const std::string example = test::markdown_code_block_after(doc, "### Example");
  ASSERT_FALSE(example.empty()) << "docs/history-format.md lost its example";
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  test::write_file(path, example);
  const auto ops = read_all(path);
  ASSERT_EQ(ops.size(), 14u);
  EXPECT_TRUE(ops[8].tombstone);  // the tombstone read
  EXPECT_FALSE(ops[4].value.has_value());  // the nil read
  EXPECT_EQ(nlohmann::json::parse(ops.back().fault_json), nlohmann::json::parse(R"({"phase":"done"})"));
}

TEST(History, WriterStampsConsecutiveIndicesAndNonDecreasingTimesFromManyThreads) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  std::unique_ptr<HistoryWriter> writer;
  ASSERT_TRUE(succeeds(HistoryWriter::open(path, {kHistoryFormatVersion, 1}, &writer)));
  constexpr int kThreads = 8;
  constexpr int kOpsPerThread = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&writer, t] {
      for (int i = 0; i < kOpsPerThread; ++i) {
        HistoryOp op = client_op(t, OpType::kInvoke, "read", std::to_string(i));
        // Some callers stamp their own (earlier) time: the writer must still
        // keep file order and time order in step.
        if (i % 3 == 0) op.time_ns = 1;
        writer->append(op);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(writer->count(), kThreads * kOpsPerThread);
  writer.reset();

  // The reader itself rejects index gaps and backwards time.
  const auto ops = read_all(path);
  ASSERT_EQ(ops.size(), static_cast<size_t>(kThreads * kOpsPerThread));
  std::map<int64_t, int> next_per_process;
  for (const auto& op : ops) {
    EXPECT_GT(op.time_ns, 0);
    EXPECT_EQ(*op.key, std::to_string(next_per_process[op.process]++)) << "process " << op.process << " out of order";
  }
}

TEST(History, WriterStampsTimeOnlyWhenUnset) {
  test::TempDir dir;
  std::unique_ptr<HistoryWriter> writer;
  ASSERT_TRUE(succeeds(HistoryWriter::open(dir.file("h.jsonl"), {}, &writer)));
  HistoryOp op = client_op(1, OpType::kInvoke, "read", "k");
  op.time_ns = 123;
  EXPECT_EQ(writer->append(op).time_ns, 123);
  op.time_ns = 0;
  const HistoryOp stamped = writer->append(op);
  EXPECT_GT(stamped.time_ns, 123);
  EXPECT_EQ(stamped.index, 1);
  op.time_ns = 50;  // earlier than the last line: raised to keep time order
  EXPECT_EQ(writer->append(op).time_ns, stamped.time_ns);
}

// Regression: a non-UTF-8 error text made the writer throw after taking an
// index, leaving a gap that made the whole history unreadable.
TEST(History, NonUtf8TextIsReplacedNotThrown) {
  test::TempDir dir;
  const std::string path = dir.file("h.jsonl");
  std::unique_ptr<HistoryWriter> writer;
  ASSERT_TRUE(succeeds(HistoryWriter::open(path, {}, &writer)));
  HistoryOp op = client_op(1, OpType::kFail, "read", "k");
  op.error = "ERR \xff";
  ASSERT_NO_THROW(writer->append(op));
  writer->append(client_op(1, OpType::kInvoke, "read", "k"));
  writer.reset();
  const auto ops = read_all(path);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].error, "ERR \xEF\xBF\xBD");
}

TEST(History, WriterFailsOnAnUncreatableFile) {
  std::unique_ptr<HistoryWriter> writer;
  EXPECT_TRUE(fails_with(HistoryWriter::open("/nonexistent-dir/h.jsonl", {}, &writer), "cannot create"));
}

constexpr const char* kHeader = R"({"format":"faultline-history","version":1,"seed":7})";
constexpr const char* kGoodOp0 = R"({"index":0,"time":10,"process":1,"type":"invoke","f":"read","key":"k"})";

struct BadFile {
  const char* name;
  std::string text;
  std::string expected;  // after "path:"
};

// Each file holds one malformed line; the reader must stop there and say so.
std::vector<BadFile> bad_op_files() {
  const std::string h = std::string(kHeader) + "\n";
  const std::string ok0 = std::string(kGoodOp0) + "\n";
  auto op = [](std::string fields) { return "{\"index\":0,\"time\":10," + fields + "}\n"; };
  return {
      {"not JSON", h + "{\"index\":0,\n", "2: not valid JSON"},
      {"not an object", h + "[1,2]\n", "2: not a JSON object"},
      {"missing index", h + R"({"time":1,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "2: missing integer 'index'"},
      {"missing time", h + R"({"index":0,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "2: missing integer 'time'"},
      {"missing process", h + op(R"("type":"invoke","f":"read","key":"k")"), "2: missing 'process'"},
      {"negative process", h + op(R"("process":-1,"type":"invoke","f":"read","key":"k")"), "2: 'process' must be"},
      {"missing type", h + op(R"("process":1,"f":"read","key":"k")"), "2: missing string 'type'"},
      {"bad type", h + op(R"("process":1,"type":"done","f":"read","key":"k")"), "2: unknown type 'done'"},
      {"missing f", h + op(R"("process":1,"type":"invoke","key":"k")"), "2: missing string 'f'"},
      {"client f unknown", h + op(R"("process":1,"type":"invoke","f":"cas","key":"k")"), "2: client operation has f 'cas'"},
      {"missing key", h + op(R"("process":1,"type":"invoke","f":"read")"), "2: client operation lacks a string 'key'"},
      {"value not a string", h + op(R"("process":1,"type":"invoke","f":"write","key":"k","value":3)"),
       "2: 'value' must be a string or null"},
      {"bad version shape", h + op(R"("process":1,"type":"ok","f":"read","key":"k","version":[1])"),
       "2: 'version' must be [timestamp_us, coordinator_id]"},
      {"bad version id", h + op(R"("process":1,"type":"ok","f":"read","key":"k","version":[1,-2])"),
       "2: 'version' must be"},
      // Integers out of range are refused, never narrowed or wrapped.
      {"coordinator beyond 32 bits", h + op(R"("process":1,"type":"ok","f":"read","key":"k","version":[1,4294967297])"),
       "2: 'version' must be [timestamp_us, coordinator_id] in range: coordinator_id 4294967297 is out of range"},
      {"timestamp at 2^63", h + op(R"("process":1,"type":"ok","f":"read","key":"k","version":[9223372036854775808,1])"),
       "2: 'version' must be [timestamp_us, coordinator_id] in range: timestamp_us 9223372036854775808 is out of range"},
      {"negative timestamp", h + op(R"("process":1,"type":"ok","f":"read","key":"k","version":[-5,1])"),
       "2: 'version' must be [timestamp_us, coordinator_id] in range: timestamp_us -5"},
      {"index at 2^63", h + R"({"index":9223372036854775808,"time":1,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "2: 'index' 9223372036854775808 is out of range (0 to 2^63-1)"},
      {"time at 2^64-1", h + R"({"index":0,"time":18446744073709551615,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "2: 'time' 18446744073709551615 is out of range (0 to 2^63-1)"},
      {"negative time", h + R"({"index":0,"time":-1,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "2: 'time' -1 is out of range"},
      {"process at 2^63", h + op(R"("process":9223372036854775808,"type":"invoke","f":"read","key":"k")"),
       "2: 'process' must be an integer in 0 to 2^63-1 or \"nemesis\", got 9223372036854775808"},
      {"write without value", h + op(R"("process":1,"type":"invoke","f":"write","key":"k")"),
       "2: write lacks a string 'value'"},
      {"ok write without version", h + op(R"("process":1,"type":"ok","f":"write","key":"k","value":"v")"),
       "2: ok write lacks its 'version'"},
      {"ok delete without version", h + op(R"("process":1,"type":"ok","f":"delete","key":"k")"),
       "2: ok delete lacks its 'version'"},
      {"tombstone with value",
       h + op(R"("process":1,"type":"ok","f":"read","key":"k","value":"v","version":[1,1],"tombstone":true)"),
       "2: a tombstone read carries a value"},
      {"bad cl", h + op(R"("process":1,"type":"invoke","f":"read","key":"k","cl":"MOST")"),
       "2: unknown consistency level 'MOST'"},
      {"error not a string", h + op(R"("process":1,"type":"fail","f":"read","key":"k","error":5)"),
       "2: 'error' must be a string"},
      {"index gap", h + ok0 + R"({"index":2,"time":11,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "3: index 2, expected 1"},
      {"index not from 0", h + R"({"index":1,"time":11,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "2: index 1, expected 0"},
      {"time backwards", h + ok0 + R"({"index":1,"time":9,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "3: time goes backwards"},
      {"empty line", h + ok0 + "\n" + R"({"index":1,"time":11,"process":1,"type":"invoke","f":"read","key":"k"})" "\n",
       "3: empty line"},
      {"empty last line", h + ok0 + "\n", "3: empty line"},
      {"bad line then more", h + "garbage\n" + ok0, "2: not valid JSON"},
  };
}

TEST(HistoryReader, RejectsEachMalformedLineNamingPathAndLine) {
  test::TempDir dir;
  for (const BadFile& bad : bad_op_files()) {
    SCOPED_TRACE(bad.name);
    const std::string path = dir.file("history.jsonl");
    test::write_file(path, bad.text);
    std::unique_ptr<HistoryReader> reader;
    ASSERT_TRUE(succeeds(HistoryReader::open(path, &reader)));
    HistoryOp op;
    Result r;
    while ((r = reader->next(&op)) == Result::kOp) {
    }
    ASSERT_EQ(r, Result::kError);
    EXPECT_TRUE(fails_with(reader->error(), path + ":" + bad.expected));
    EXPECT_FALSE(reader->truncated_tail());
    EXPECT_EQ(reader->next(&op), Result::kError) << "reader must stay failed";
  }
}

// open_text reads text exactly as open() reads a file holding it (the
// in-memory checker, checker/run_files.h): the same ops, errors and tail.
TEST(HistoryReader, TextInMemoryReadsAsTheFileWould) {
  const std::string truncated = std::string(kHeader) + "\n" + kGoodOp0 + "\n" + R"({"index":1,"time":12,"process":2,"ty)";
  std::vector<std::pair<std::string, std::string>> cases = {{"empty", ""}, {"truncated tail", truncated}};
  for (const BadFile& bad : bad_op_files()) cases.emplace_back(bad.name, bad.text);
  test::TempDir dir;
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    const std::string path = dir.file("history.jsonl");
    test::write_file(path, text);
    std::unique_ptr<HistoryReader> from_file, from_text;
    const Status opened_file = HistoryReader::open(path, &from_file);
    const Status opened_text = HistoryReader::open_text(text, path, &from_text);
    ASSERT_EQ(opened_text.message(), opened_file.message());
    if (!opened_file) continue;
    HistoryOp a, b;
    Result ra, rb;
    do {
      ra = from_file->next(&a);
      rb = from_text->next(&b);
      ASSERT_EQ(ra, rb);
      if (ra == Result::kOp) {
        EXPECT_EQ(history_op_to_json_line(a), history_op_to_json_line(b));
      }
    } while (ra == Result::kOp);
    EXPECT_EQ(from_text->error().message(), from_file->error().message());
    EXPECT_EQ(from_text->truncated_tail(), from_file->truncated_tail());
  }
}

TEST(HistoryReader, RejectsBadHeadersOnLineOne) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  const std::string op = std::string(kGoodOp0) + "\n";
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"", ":1: empty file"},
           {"nope\n", ":1: not valid JSON"},
           {std::string(kGoodOp0) + "\n", ":1: header lacks \"format\":\"faultline-history\""},
           // A number where the format name belongs threw instead (fuzz/history_fuzz found it).
           {R"({"format":0,"version":1,"seed":1})" "\n" + op, ":1: header lacks \"format\":\"faultline-history\""},
           {R"({"format":"faultline-history","version":2,"seed":1})" "\n" + op,
            ":1: history format version 2 is not supported"},
           // Regression: 2^32+1 was cut to version 1 and accepted.
           {R"({"format":"faultline-history","version":4294967297,"seed":1})" "\n" + op,
            ":1: history format version 4294967297 is not supported"},
           {R"({"format":"faultline-history","version":"1","seed":1})" "\n", ":1: header lacks an integer 'version'"},
           {R"({"format":"faultline-history","version":1})" "\n", ":1: header lacks an unsigned integer 'seed'"},
           {R"({"format":"faultline-history","version":1,"seed":-1})" "\n", ":1: header lacks an unsigned integer"},
       }) {
    SCOPED_TRACE(text);
    test::write_file(path, text);
    std::unique_ptr<HistoryReader> reader;
    EXPECT_TRUE(fails_with(HistoryReader::open(path, &reader), path + expected));
  }
  std::unique_ptr<HistoryReader> reader;
  EXPECT_EQ(HistoryReader::open(dir.file("missing.jsonl"), &reader).code(), Status::Code::kNotFound);
}

TEST(HistoryReader, UnterminatedUnparsableLastLineIsATruncatedTail) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  test::write_file(path, std::string(kHeader) + "\n" + kGoodOp0 + "\n" +
                             R"({"index":1,"time":11,"process":1,"type":"ok","f":"read","key":"k"})" "\n" +
                             R"({"index":2,"time":12,"process":2,"ty)");
  std::unique_ptr<HistoryReader> reader;
  ASSERT_TRUE(succeeds(HistoryReader::open(path, &reader)));
  HistoryOp op;
  ASSERT_EQ(reader->next(&op), Result::kOp);
  ASSERT_EQ(reader->next(&op), Result::kOp);
  EXPECT_EQ(op.index, 1);
  EXPECT_EQ(reader->next(&op), Result::kEnd);
  EXPECT_TRUE(reader->truncated_tail());
  EXPECT_TRUE(reader->error().is_ok());
}

TEST(HistoryReader, UnterminatedButCompleteLastLineIsRead) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  test::write_file(path, std::string(kHeader) + "\n" + kGoodOp0);
  const auto ops = read_all(path);  // also checks truncated_tail() is false
  ASSERT_EQ(ops.size(), 1u);
}

TEST(HistoryReader, UnterminatedLastLineThatBreaksTheIndexIsAnError) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  test::write_file(path, std::string(kHeader) + "\n" + R"({"index":5,"time":10,"process":1,"type":"invoke","f":"read","key":"k"})");
  std::unique_ptr<HistoryReader> reader;
  ASSERT_TRUE(succeeds(HistoryReader::open(path, &reader)));
  HistoryOp op;
  EXPECT_EQ(reader->next(&op), Result::kError);
  EXPECT_TRUE(fails_with(reader->error(), ":2: index 5, expected 0"));
}

TEST(HistoryReader, HeaderOnlyFileIsAnEmptyHistory) {
  test::TempDir dir;
  const std::string path = dir.file("history.jsonl");
  test::write_file(path, std::string(kHeader) + "\n");
  HistoryHeader header;
  EXPECT_TRUE(read_all(path, &header).empty());
  EXPECT_EQ(header.seed, 7u);
}

TEST(History, OpTypeNames) {
  EXPECT_EQ(to_string(OpType::kInvoke), "invoke");
  EXPECT_EQ(to_string(OpType::kOk), "ok");
  EXPECT_EQ(to_string(OpType::kFail), "fail");
  EXPECT_EQ(to_string(OpType::kInfo), "info");
}

}  // namespace
}  // namespace faultline
