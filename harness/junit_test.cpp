// junit.xml: one test case per property, failures carry witnesses and the
// replay command, and the document is well-formed whatever the witness text.
#include "harness/junit.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/test_util.h"

namespace faultline {
namespace {

PropertyResult property(std::string id, bool guaranteed, PropertyOutcome outcome, int64_t violations = 0) {
  PropertyResult p;
  p.id = std::move(id);
  p.guaranteed = guaranteed;
  p.expected_reason = guaranteed ? "guaranteed: always" : "not guaranteed: read repair none (needs blocking)";
  p.outcome = outcome;
  p.violations = violations;
  if (outcome == PropertyOutcome::kViolated) {
    Witness w;
    w.explanation = "read #7 saw \"v2\" & then <read #9> saw 'v1'";
    w.summary = "read #9 (p3, k1) went back";
    WitnessOp op;
    op.index = 7;
    op.process = 3;
    op.type = "ok";
    op.f = "read";
    op.key = "k1";
    op.value = "3-12";
    op.has_version = true;
    op.version = Version{1700000000123456, 2};
    op.node = "n2";
    w.ops.push_back(op);
    p.witnesses.push_back(w);
  }
  return p;
}

Verdict sample_verdict() {
  Verdict v;
  v.value = VerdictValue::kInvalid;
  v.operations = 42;
  v.properties = {property("valid-values", true, PropertyOutcome::kViolated, 2),
                  property("monotonic-reads", false, PropertyOutcome::kViolated, 5),
                  property("no-stale-reads", true, PropertyOutcome::kHeld),
                  property("hint-replay", true, PropertyOutcome::kUnknown),
                  property("merkle-convergence", true, PropertyOutcome::kSkipped)};
  v.properties[3].note = "final/n2.json missing";
  return v;
}

// Well-formedness, judged by a real XML parser (Python's, from Debian's
// python3, which the setup installs with the build tools).
bool parses_as_xml(const std::string& xml, std::string* error) {
  auto path = std::filesystem::temp_directory_path() / ("faultline-junit-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(path) << xml;
  std::string cmd = "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' " + path.string() +
                    " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[512];
  error->clear();
  while (p && std::fgets(buf, sizeof buf, p)) *error += buf;
  int status = p ? ::pclose(p) : -1;
  std::filesystem::remove(path);
  return status == 0;
}

TEST(Junit, OneCasePerPropertyWithTheRightElement) {
  std::vector<JunitCase> cases = junit_cases_for_verdict(sample_verdict(), "rr-none-one", "faultline run --plan x/plan.json");
  ASSERT_EQ(cases.size(), 5u);
  EXPECT_EQ(cases[0].classname, "rr-none-one");
  EXPECT_EQ(cases[0].name, "valid-values");
  EXPECT_EQ(cases[0].kind, JunitCase::Kind::kFailure);
  EXPECT_NE(cases[0].message.find("read #9 (p3, k1) went back"), std::string::npos);
  EXPECT_NE(cases[0].text.find("replay: faultline run --plan x/plan.json"), std::string::npos);
  EXPECT_NE(cases[0].text.find("#7 p3 ok read k1=3-12 version [1700000000123456,2] on n2"), std::string::npos);
  // The allowed anomaly passes, saying so.
  EXPECT_EQ(cases[1].kind, JunitCase::Kind::kPassed);
  EXPECT_NE(cases[1].system_out.find("allowed anomaly observed in 1 run(s), 5 violation(s)"), std::string::npos);
  EXPECT_EQ(cases[2].kind, JunitCase::Kind::kPassed);
  EXPECT_TRUE(cases[2].system_out.empty());
  EXPECT_EQ(cases[3].kind, JunitCase::Kind::kError);
  EXPECT_NE(cases[3].message.find("final/n2.json missing"), std::string::npos);
  EXPECT_EQ(cases[4].kind, JunitCase::Kind::kSkipped);
}

TEST(Junit, AnUnknownVerdictWithoutPropertiesIsAnError) {
  Verdict v;
  v.error = "history.jsonl:3: malformed line";
  std::vector<JunitCase> cases = junit_cases_for_verdict(v, "cfg", "replay");
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].kind, JunitCase::Kind::kError);
  EXPECT_NE(cases[0].message.find("history.jsonl:3"), std::string::npos);
}

TEST(Junit, DocumentCountsAndParses) {
  JunitSuite suite{"run <seed> & \"1\"", 1.5,
                   junit_cases_for_verdict(sample_verdict(), "cfg 'a' <b>", "faultline run --plan a&b/plan.json")};
  // Control characters XML forbids, in a witness.
  suite.cases[0].text += std::string("bell\x07 nul-free \x1b[0m end");
  std::string xml = junit_xml({suite});
  EXPECT_NE(xml.find("<testsuites name=\"faultline\" tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find('\x07'), std::string::npos);
  std::string error;
  EXPECT_TRUE(parses_as_xml(xml, &error)) << error << "\n" << xml;
}

TEST(Junit, EscapeCoversEveryMarkupCharacter) {
  EXPECT_EQ(xml_escape("a<b>&\"c'\x01\n"), "a&lt;b&gt;&amp;&quot;c&#39;?\n");
}

}  // namespace
}  // namespace faultline
