// Goal: RESP2 values and commands survive encode -> RespParser however the
// bytes arrive (whole, pipelined, one byte at a time), inline commands parse
// as redis-server parses them, and every protocol error is kBad with the
// byte offset where it sits.
//
// Property tests: on failure RapidCheck prints a reproduce string; replay with
//   RC_PARAMS="reproduce=<string>" core_test --gtest_filter=Resp*
#include "core/resp.h"

#include "core/test_util.h"

namespace faultline {

inline void showValue(const RespValue& v, std::ostream& os) { os << rc::toString(resp_encode(v)); }
inline void PrintTo(const RespValue& v, std::ostream* os) { showValue(v, *os); }

namespace {

using Result = RespParser::Result;
using Type = RespValue::Type;

RespValue null_array() { return RespValue{Type::kNullArray, {}, 0, {}}; }

// Text a simple string or error may carry: anything but CR and LF.
rc::Gen<std::string> gen_line_text() {
  return rc::gen::container<std::string>(
      rc::gen::suchThat(rc::gen::arbitrary<char>(), [](char c) { return c != '\r' && c != '\n'; }));
}

// Values nested at most `depth` arrays deep (within the parser's limits).
rc::Gen<RespValue> gen_resp_value(int depth) {
  auto leaf = rc::gen::oneOf(rc::gen::map(gen_line_text(), RespValue::simple),
                             rc::gen::map(gen_line_text(), RespValue::error),
                             rc::gen::map(rc::gen::arbitrary<int64_t>(), RespValue::integer_value),
                             rc::gen::map(test::gen_bytes(), RespValue::bulk), rc::gen::just(RespValue::null()),
                             rc::gen::just(null_array()));
  if (depth == 0) return leaf;
  auto array = rc::gen::mapcat(rc::gen::inRange(0, 4), [depth](int n) {
    return rc::gen::map(rc::gen::container<std::vector<RespValue>>(static_cast<size_t>(n), gen_resp_value(depth - 1)),
                        RespValue::array);
  });
  return rc::gen::oneOf(leaf, array);
}

std::vector<RespValue> parse_whole(std::string_view bytes, bool allow_inline = false) {
  RespParser p(allow_inline);
  std::vector<RespValue> out;
  EXPECT_EQ(test::feed_in_chunks(&p, bytes, {}, &out), Result::kNeedMore) << p.error();
  return out;
}

RespValue command(std::vector<std::string> args) {
  std::vector<RespValue> e;
  for (auto& a : args) e.push_back(RespValue::bulk(std::move(a)));
  return RespValue::array(std::move(e));
}

// Feeds `bytes`, which must hold a protocol error at `offset`, and checks the
// parser names it and stays bad.
void expect_bad(std::string_view bytes, size_t offset, std::string_view reason, bool allow_inline = false) {
  RespParser p(allow_inline);
  std::vector<RespValue> values;
  ASSERT_EQ(test::feed_in_chunks(&p, bytes, {}, &values), Result::kBad) << "no error for " << rc::toString(std::string(bytes.substr(0, 80)));
  const std::string at = "at byte " + std::to_string(offset) + ": ";
  EXPECT_NE(p.error().find(at), std::string::npos) << p.error() << " (expected '" << at << "')";
  EXPECT_NE(p.error().find(reason), std::string::npos) << p.error() << " (expected '" << reason << "')";
  p.feed("+OK\r\n");
  RespValue v;
  EXPECT_EQ(p.next(&v), Result::kBad);
}

RC_GTEST_PROP(Resp, EveryValueRoundTrips, ()) {
  const RespValue v = *gen_resp_value(3);
  RespParser p;
  p.feed(resp_encode(v));
  RespValue back;
  RC_ASSERT(p.next(&back) == Result::kGood);
  RC_ASSERT(back == v);
  RC_ASSERT(p.next(&back) == Result::kNeedMore);
}

RC_GTEST_PROP(Resp, PipelinedValuesSurviveAnyChunking, ()) {
  const auto values = *rc::gen::container<std::vector<RespValue>>(gen_resp_value(2));
  const auto chunks = *rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(1, 12));
  std::string bytes;
  for (const auto& v : values) bytes += resp_encode(v);
  RespParser p;
  std::vector<RespValue> back;
  RC_ASSERT(test::feed_in_chunks(&p, bytes, chunks, &back) == Result::kNeedMore);
  RC_ASSERT(back == values);
}

RC_GTEST_PROP(Resp, EncodeCommandIsAnArrayOfBulkStrings, ()) {
  const auto args = *rc::gen::container<std::vector<std::string>>(test::gen_bytes());
  RC_ASSERT(resp_encode_command(args) == resp_encode(command(args)));
}

RC_GTEST_PROP(Resp, ArbitraryBytesNeverCrashTheParser, (bool allow_inline)) {
  const std::string bytes = *test::gen_bytes();
  RespParser p(allow_inline);
  std::vector<RespValue> values;
  test::feed_in_chunks(&p, bytes, {}, &values);
}

TEST(Resp, EncodesEveryType) {
  EXPECT_EQ(resp_encode(RespValue::simple("OK")), "+OK\r\n");
  EXPECT_EQ(resp_encode(RespValue::error("ERR x")), "-ERR x\r\n");
  EXPECT_EQ(resp_encode(RespValue::integer_value(-12)), ":-12\r\n");
  EXPECT_EQ(resp_encode(RespValue::bulk(std::string("a\0b", 3))), std::string("$3\r\na\0b\r\n", 9));
  EXPECT_EQ(resp_encode(RespValue::bulk("")), "$0\r\n\r\n");
  EXPECT_EQ(resp_encode(RespValue::null()), "$-1\r\n");
  EXPECT_EQ(resp_encode(null_array()), "*-1\r\n");
  EXPECT_EQ(resp_encode(RespValue::array({})), "*0\r\n");
  EXPECT_EQ(resp_encode(RespValue::array({RespValue::integer_value(1), RespValue::array({RespValue::null()})})),
            "*2\r\n:1\r\n*1\r\n$-1\r\n");
  EXPECT_EQ(resp_encode_command({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST(Resp, CommandFedOneByteAtATime) {
  const std::string bytes = resp_encode_command({"FL.SET", "key", std::string("v\r\n\0", 4), "QUORUM"});
  RespParser p(true);
  RespValue v;
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    p.feed(bytes.substr(i, 1));
    ASSERT_EQ(p.next(&v), Result::kNeedMore) << "after byte " << i;
  }
  p.feed(bytes.substr(bytes.size() - 1));
  ASSERT_EQ(p.next(&v), Result::kGood);
  EXPECT_EQ(v, command({"FL.SET", "key", std::string("v\r\n\0", 4), "QUORUM"}));
}

TEST(Resp, PipelinedCommands) {
  const auto values = parse_whole(resp_encode_command({"PING"}) + resp_encode_command({"GET", "a"}) +
                                   resp_encode_command({"DEL", "a"}));
  EXPECT_EQ(values, (std::vector<RespValue>{command({"PING"}), command({"GET", "a"}), command({"DEL", "a"})}));
}

TEST(Resp, InlineCommands) {
  EXPECT_EQ(parse_whole("PING\r\n", true), std::vector<RespValue>{command({"PING"})});
  EXPECT_EQ(parse_whole("SET a b\n", true), std::vector<RespValue>{command({"SET", "a", "b"})});
  EXPECT_EQ(parse_whole(" \tGET   k \r\n", true), std::vector<RespValue>{command({"GET", "k"})});
  // Empty lines are skipped; inline and typed commands mix.
  EXPECT_EQ(parse_whole("\r\n\nPING\r\n*1\r\n$4\r\nPING\r\n", true),
            (std::vector<RespValue>{command({"PING"}), command({"PING"})}));
}

// Regression: a bare-LF inline command followed by a CRLF one was read as one
// line ("SET a b\nGET a"), merging the two commands.
TEST(Resp, InlineCommandsEndAtTheFirstNewline) {
  EXPECT_EQ(parse_whole("SET a b\nGET a\r\n", true),
            (std::vector<RespValue>{command({"SET", "a", "b"}), command({"GET", "a"})}));
  EXPECT_EQ(parse_whole("PING\nPING\n", true), (std::vector<RespValue>{command({"PING"}), command({"PING"})}));
}

TEST(Resp, InlineCommandWaitsForItsNewline) {
  RespParser p(true);
  RespValue v;
  p.feed("GET k");
  EXPECT_EQ(p.next(&v), Result::kNeedMore);
  p.feed("\r");
  EXPECT_EQ(p.next(&v), Result::kNeedMore);
  p.feed("\n");
  ASSERT_EQ(p.next(&v), Result::kGood);
  EXPECT_EQ(v, command({"GET", "k"}));
}

TEST(Resp, InlineOnlyWhenAllowed) { expect_bad("PING\r\n", 0, "unknown type byte 'P'"); }

TEST(Resp, BadTypeByteNamesItsOffset) {
  expect_bad("+OK\r\n!x\r\n", 5, "unknown type byte '!'");
  expect_bad("*2\r\n:1\r\n?\r\n", 8, "unknown type byte '?'");
}

TEST(Resp, BadLengthsAndIntegers) {
  expect_bad("$abc\r\n", 0, "invalid bulk length 'abc'");
  expect_bad("$-2\r\n", 0, "invalid bulk length '-2'");
  expect_bad("$\r\n", 0, "invalid bulk length ''");
  expect_bad(":1\r\n*x\r\n", 4, "invalid array length 'x'");
  expect_bad(":12a\r\n", 0, "invalid integer '12a'");
  expect_bad(":99999999999999999999\r\n", 0, "invalid integer");
}

TEST(Resp, BulkMustEndWithCrlf) {
  expect_bad("$3\r\nabcXY", 7, "bulk string not terminated by CRLF");
  expect_bad("+OK\r\n$1\r\nab\r\n", 10, "bulk string not terminated by CRLF");
}

TEST(Resp, OversizeLengthsAreBad) {
  expect_bad("$" + std::to_string(RespParser::kMaxBulkBytes + 1) + "\r\n", 0, "exceeds the limit");
  expect_bad("*" + std::to_string(RespParser::kMaxArrayElements + 1) + "\r\n", 0, "exceeds the limit");
}

std::string nested_arrays(int arrays) {
  std::string bytes;
  for (int i = 0; i < arrays; ++i) bytes += "*1\r\n";
  return bytes + ":1\r\n";
}

TEST(Resp, NestingIsBounded) {
  // Leaves kMaxDepth arrays deep parse; one more level is an error at the
  // leaf that is too deep.
  EXPECT_EQ(parse_whole(nested_arrays(RespParser::kMaxDepth)).size(), 1u);
  expect_bad(nested_arrays(RespParser::kMaxDepth + 1), 4 * (RespParser::kMaxDepth + 1), "nesting deeper than 8");
  expect_bad(nested_arrays(1000), 4 * (RespParser::kMaxDepth + 1), "nesting deeper than 8");
}

TEST(Resp, OversizeLineIsBadWhetherOrNotItsEndHasArrived) {
  const std::string line = "+" + std::string(RespParser::kMaxInlineBytes + 1, 'a');
  // The offset is the line's first byte, after the type byte.
  expect_bad(line, 1, "line too long");
  expect_bad(line + "\r", 1, "line too long");
  expect_bad(line + "\r\n", 1, "line too long");
  EXPECT_EQ(parse_whole(line.substr(0, line.size() - 1) + "\r\n").size(), 1u);
  expect_bad(std::string(RespParser::kMaxInlineBytes + 1, 'a') + "\n", 0, "line too long", true);
}

TEST(Resp, ErrorOffsetCountsBytesAlreadyConsumed) {
  // Enough good values that the parser compacts its buffer first.
  std::string bytes;
  for (int i = 0; i < 20000; ++i) bytes += "+OK\r\n";
  const size_t bad_at = bytes.size();
  bytes += "!\r\n";
  RespParser p;
  std::vector<RespValue> values;
  ASSERT_EQ(test::feed_in_chunks(&p, bytes, {bytes.size() / 3, bytes.size() / 3}, &values), Result::kBad);
  EXPECT_EQ(values.size(), 20000u);
  EXPECT_NE(p.error().find("at byte " + std::to_string(bad_at) + ":"), std::string::npos) << p.error();
}

TEST(Resp, NullsAndEmptyValues) {
  EXPECT_EQ(parse_whole("$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n+\r\n"),
            (std::vector<RespValue>{RespValue::null(), null_array(), RespValue::array({}), RespValue::bulk(""),
                                    RespValue::simple("")}));
}

// Goal: parsing is linear. A 100000-element command fed a few
// bytes at a time used to be re-parsed from its start on every call
// (O(n^2): 121 s for 1M elements); resumed, it takes milliseconds. Not a
// timed assertion: the quadratic parser simply would not finish in ctest's
// timeout.
TEST(Resp, ParsingResumesWhereItStoppedSoALargeArrayFedInPiecesIsLinear) {
  constexpr int kElements = 100000;
  std::string bytes = "*" + std::to_string(kElements) + "\r\n";
  for (int i = 0; i < kElements; ++i) bytes += "$1\r\nx\r\n";
  RespParser p;
  RespValue v;
  size_t fed = 0;
  for (; fed + 3 <= bytes.size(); fed += 3) {
    p.feed(bytes.data() + fed, 3);
    ASSERT_EQ(p.next(&v), Result::kNeedMore);
  }
  p.feed(bytes.data() + fed, bytes.size() - fed);
  ASSERT_EQ(p.next(&v), Result::kGood);
  EXPECT_EQ(v.elements.size(), static_cast<size_t>(kElements));
  EXPECT_EQ(p.buffered_bytes(), 0u);
}

// Goal: buffered_bytes counts what a client makes the parser hold: unparsed
// bytes and the elements of an array still open, so a server can bound it.
TEST(Resp, BufferedBytesCountsUnparsedBytesAndOpenArrays) {
  RespParser p;
  RespValue v;
  p.feed("*3\r\n$5\r\nhello\r\n$10\r\nabc");
  EXPECT_EQ(p.next(&v), Result::kNeedMore);
  EXPECT_GE(p.buffered_bytes(), 5u + 3u);  // "hello" held in the open array, "abc" unparsed
  p.feed("defghij\r\n:1\r\n");
  EXPECT_EQ(p.next(&v), Result::kGood);
  EXPECT_EQ(p.buffered_bytes(), 0u);
}

// Goal: a bulk string over the parser's configured limit is refused at its
// header, before any of its bytes are buffered.
TEST(Resp, BulkOverTheConfiguredLimitIsBadAtItsHeader) {
  RespParser p(true, 10);
  RespValue v;
  p.feed("*2\r\n$3\r\nGET\r\n$11\r\n");
  EXPECT_EQ(p.next(&v), Result::kBad);
  EXPECT_NE(p.error().find("at byte 13: bulk length 11 exceeds the limit of 10"), std::string::npos) << p.error();
}

// Goal: text echoed in an error never carries CR or LF (Redis
// replaces them), so "X\r\n+INJECTED" cannot add a reply of its own; the
// parser's own errors escape the bytes they quote.
TEST(Resp, ErrorsNeverCarryCrOrLf) {
  EXPECT_EQ(resp_encode(RespValue::error("ERR a\r\n+INJECTED\r\n:42")), "-ERR a  +INJECTED  :42\r\n");
  EXPECT_EQ(resp_encode(RespValue::simple("a\nb")), "+a b\r\n");
  RespParser p;
  RespValue v;
  p.feed(":1\x01\x1b[2J\r\n");
  ASSERT_EQ(p.next(&v), Result::kBad);
  EXPECT_NE(p.error().find("invalid integer '1\\x01\\x1b[2J'"), std::string::npos) << p.error();
}

}  // namespace
}  // namespace faultline
