// Goal: report.html renders from whatever a run directory holds. A run of
// 10^5 operations gives a bounded page that says it downsampled; witnesses
// link to highlighted history slices; fault windows are shaded; missing and
// malformed inputs (no plan, a crashed run's prefix, a bad events line) are
// listed by file and line while the rest still renders.
#include "harness/report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "core/history.h"
#include "core/plan.h"
#include "core/file_io.h"
#include "core/test_util.h"
#include "harness/html.h"

namespace faultline {
namespace {

using test::read_file;
using test::TempDir;
using test::write_file;

constexpr int64_t kOps = 100000;
constexpr int64_t kStepNs = 200000;  // 0.2 ms between lines: a 40 s run

// A verdict.json with one violated property whose witness is the reads of k1
// completed at indices 104 and 164 (operations 51 and 81 below).
constexpr const char* kVerdict = R"({"verdict":"invalid","error":null,"operations":100000,"properties":[
 {"id":"monotonic-reads","expected":"guaranteed","reason":"guaranteed: QUORUM reads","result":"violated",
  "allowed":false,"violations":1,"witnesses":[{"explanation":"read #164 saw an older version than read #104.",
  "summary":"read #164 (p1, k1) went back in time","ops":[
   {"index":104,"time":0,"process":1,"type":"ok","f":"read","key":"k1","value":"0-1","version":[2,1],"tombstone":false,"node":"n1"},
   {"index":164,"time":0,"process":1,"type":"ok","f":"read","key":"k1","value":"0-0","version":[1,1],"tombstone":false,"node":"n1"}]}],
  "note":null},
 {"id":"valid-values","expected":"guaranteed","reason":"always","result":"held","allowed":false,"violations":0,
  "witnesses":[],"note":null}]})";

HistoryOp at(int64_t* t_ns, HistoryOp op) {
  *t_ns += kStepNs;
  op.time_ns = *t_ns;
  return op;
}

// A history of kOps client operations (invoke + completion each) on keys
// k0..k9 (operation i: invoke at index 2i+1, completion at 2i+2, key
// k<i%10>, every 50th fails), with one partition from 10 s to 20 s.
void write_big_history(const std::string& path) {
  std::unique_ptr<HistoryWriter> w;
  ASSERT_TRUE(test::succeeds(HistoryWriter::open(path, HistoryHeader{1, 7}, &w)));
  int64_t t = 1000000000;
  w->append(at(&t, test::nemesis_op(OpType::kInfo, "phase", R"({"phase":"workload-start"})")));
  const char* fs[] = {"read", "write", "delete"};
  for (int64_t i = 0; i < kOps; ++i) {
    if (i == kOps / 4) {
      w->append(at(&t, test::nemesis_op(OpType::kInfo, "partition",
                                        R"({"phase":"start","targets":["n1"],"partition":"one"})")));
    }
    if (i == kOps / 2) {
      w->append(at(&t, test::nemesis_op(OpType::kInfo, "partition",
                                        R"({"phase":"heal","targets":["n1"],"partition":"one"})")));
    }
    const std::string f = fs[i % 3];
    HistoryOp invoke = test::client_op(1, OpType::kInvoke, f, "k" + std::to_string(i % 10));
    invoke.cl = ConsistencyLevel::kQuorum;
    invoke.node = "n1";
    if (f == "write") invoke.value = "1-" + std::to_string(i);
    w->append(at(&t, invoke));
    HistoryOp done = test::client_op(1, i % 50 == 0 ? OpType::kFail : OpType::kOk, f, *invoke.key);
    if (f == "write") done.value = invoke.value;
    if (done.type == OpType::kOk && f != "read") done.version = Version{i + 1, 1};
    if (done.type == OpType::kFail) done.error = "UNAVAILABLE";
    w->append(at(&t, done));
  }
  w->append(at(&t, test::nemesis_op(OpType::kInfo, "phase", R"({"phase":"workload-end"})")));
  w->append(at(&t, test::nemesis_op(OpType::kInfo, "phase", R"({"phase":"heal","ok":true})")));
  w->append(at(&t, test::nemesis_op(OpType::kInfo, "phase",
                                    R"({"phase":"quiesce","ok":true,"quiesce_ms":1234,"anti_entropy":"complete"})")));
  w->append(at(&t, test::nemesis_op(OpType::kInfo, "phase", R"({"phase":"done"})")));
}

TEST(ReportTest, BigRunIsBoundedAndLinksWitnessesToHighlightedSlices) {
  TempDir dir;
  Plan plan;
  plan.cluster.nodes = 1;
  plan.cluster.rf = 1;
  ASSERT_TRUE(test::succeeds(write_plan_file(dir.file("plan.json"), plan)));
  write_big_history(dir.file("history.jsonl"));
  write_file(dir.file("verdict.json"), kVerdict);
  std::filesystem::create_directories(dir.file("nodes/n1"));
  write_file(dir.file("nodes/n1/events.jsonl"),
             "{\"time\":1,\"node\":\"n1\",\"event\":\"hint_stored\"}\nnot json\n"
             "{\"time\":2,\"node\":\"n1\",\"event\":\"merkle_exchange\",\"bytes_sent\":300,\"bytes_received\":40}\n"
             "{\"time\":3,\"node\":\"n1\",\"event\":\"read_repair\",\"mode\":\"blocking\"}\n");

  ReportResult r = write_report(dir.path(), ReportOptions{"fl"});
  ASSERT_TRUE(r.written) << r.error;
  const std::string html = read_file(r.path);
  std::printf("report of %lld operations: %zu bytes\n", static_cast<long long>(kOps), html.size());
  EXPECT_LT(html.size(), 2u * 1000 * 1000) << "a 10^5-operation run must give a page of reasonable size";
  // Reads: 33334, of which 667 fail (every 150th operation): all 667 drawn,
  // and every 7th of the 32667 ok ones to stay within 6000 dots.
  EXPECT_NE(html.find("downsampled: showing 5334 (every 7th ok operation, every fail and info;"), std::string::npos);
  EXPECT_NE(html.find("33334 read operations"), std::string::npos);
  // The partition is shaded, the quiesce time shown, the replay command given.
  EXPECT_NE(html.find("<rect class=\"fault fault-partition\""), std::string::npos);
  EXPECT_NE(html.find("partition one n1: 10.00s to 20.00s"), std::string::npos);
  EXPECT_NE(html.find("<b>1234 ms</b>"), std::string::npos);
  EXPECT_NE(html.find("fl run --plan " + dir.path() + "/plan.json"), std::string::npos);
  // The verdict table links the witness; its slice highlights lines 104 and
  // 164 and shows only key k1 within 25 lines of them.
  EXPECT_NE(html.find("<a href=\"#w-monotonic-reads-1\">read #164 (p1, k1) went back in time</a>"), std::string::npos);
  EXPECT_NE(html.find("<h3 id=\"w-monotonic-reads-1\">"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"hit\"><td class=\"n\">104</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"hit\"><td class=\"n\">164</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td class=\"n\">83</td>"), std::string::npos);   // k1 (operation 41), in the window
  EXPECT_NE(html.find("<tr><td class=\"n\">184</td>"), std::string::npos);  // k1 (operation 91), in the window
  EXPECT_EQ(html.find("<tr><td class=\"n\">81</td>"), std::string::npos);   // k0: another key
  EXPECT_EQ(html.find("<tr><td class=\"n\">63</td>"), std::string::npos);   // k1, but outside the window
  // Availability per fault window: operations 25000..49999 were invoked
  // during the partition (every 50th failed), the other 75000 in quiet.
  EXPECT_NE(html.find("<td>partition n1 @10000ms</td><td>10.00s</td><td>20.00s</td><td class=\"n\">24500</td>"
                      "<td class=\"n\">500</td><td class=\"n\">0</td><td>98.0</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>quiet</td><td></td><td></td><td class=\"n\">73500</td><td class=\"n\">1500</td>"),
            std::string::npos);
  // Event counts, and the malformed line named.
  EXPECT_NE(html.find("<td class=\"n\">300</td><td class=\"n\">40</td>"), std::string::npos);
  ASSERT_EQ(r.missing.size(), 2u) << ::testing::PrintToString(r.missing);
  EXPECT_EQ(r.missing[0], "nodes/n1/events.jsonl:2: not an event object");
  EXPECT_NE(r.missing[1].find("final/n1.json"), std::string::npos) << r.missing[1];
  EXPECT_EQ(html.find("http"), std::string::npos) << "the page must not reference the network";
}

TEST(ReportTest, EmptyDirectoryStillRendersAndSaysWhatIsMissing) {
  TempDir dir;
  std::vector<std::string> missing;
  const std::string html = render_report(dir.path(), ReportOptions{}, &missing);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  ASSERT_EQ(missing.size(), 4u) << ::testing::PrintToString(missing);
  EXPECT_EQ(missing[0], "verdict.json: missing");
  EXPECT_NE(missing[1].find("history.jsonl"), std::string::npos);
  EXPECT_NE(missing[2].find("plan.json"), std::string::npos);
  EXPECT_EQ(missing[3], "nodes/: no node directories");
  EXPECT_NE(html.find("Missing or malformed inputs"), std::string::npos);
  EXPECT_NE(html.find("No verdict.json"), std::string::npos);

  // A malformed staleness.json is listed, with the file named.
  ASSERT_TRUE(write_file_atomic(dir.file("staleness.json"), "{"));
  missing.clear();
  const std::string again = render_report(dir.path(), ReportOptions{}, &missing);
  ASSERT_EQ(missing.size(), 5u) << ::testing::PrintToString(missing);
  EXPECT_NE(missing[3].find("staleness.json: not valid JSON"), std::string::npos) << missing[3];
  EXPECT_NE(again.find("Staleness could not be measured"), std::string::npos);
}

TEST(ReportTest, CrashedRunPrefixRendersUpToTheCut) {
  TempDir dir;
  {
    std::unique_ptr<HistoryWriter> w;
    ASSERT_TRUE(test::succeeds(HistoryWriter::open(dir.file("history.jsonl"), HistoryHeader{1, 7}, &w)));
    w->append(test::nemesis_op(OpType::kInfo, "phase", R"({"phase":"workload-start"})"));
    HistoryOp invoke = test::client_op(3, OpType::kInvoke, "read", "k1");
    invoke.cl = ConsistencyLevel::kOne;
    invoke.node = "n1";
    w->append(invoke);
    w->append(test::client_op(3, OpType::kOk, "read", "k1"));
  }
  std::string text = read_file(dir.file("history.jsonl"));
  write_file(dir.file("history.jsonl"), text + "{\"index\":3,\"ti");  // the harness died mid-line
  std::vector<std::string> missing;
  const std::string html = render_report(dir.path(), ReportOptions{}, &missing);
  EXPECT_NE(html.find("1 read operations"), std::string::npos);
  EXPECT_NE(html.find("no <code>done</code> marker"), std::string::npos);
  EXPECT_NE(html.find("no quiesce marker"), std::string::npos);
  bool cut_named = false;
  for (const auto& m : missing) cut_named = cut_named || m.find("last line is cut off") != std::string::npos;
  EXPECT_TRUE(cut_named) << ::testing::PrintToString(missing);
}

TEST(HtmlTest, EscapesMarkupAndQuotes) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace faultline
