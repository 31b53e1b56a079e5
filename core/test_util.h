// Helpers shared by unit tests (core's and anyone else's): the seed of tests
// that draw their own randomness, temporary files, Status assertions, and
// RapidCheck generators and printers for core's types.
//
// Test-only: include it from *_test.cpp files, never from production code.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/history.h"
#include "core/status.h"
#include "core/types.h"

namespace faultline {

// Printers, so RapidCheck counterexamples and gtest failures show records.
inline void showValue(const Version& v, std::ostream& os) { os << v.to_string(); }
inline void showValue(const Record& r, std::ostream& os) {
  os << "{key=" << rc::toString(r.key) << " value=" << rc::toString(r.value) << " version=" << r.version.to_string()
     << (r.tombstone ? " tombstone" : "") << "}";
}
inline void showValue(const std::optional<Record>& r, std::ostream& os) {
  if (r) showValue(*r, os);
  else os << "(missing)";
}
inline void PrintTo(const Version& v, std::ostream* os) { showValue(v, *os); }
inline void PrintTo(const Record& r, std::ostream* os) { showValue(r, *os); }

namespace test {

// The seed of a test that draws its own randomness: $FAULTLINE_TEST_SEED when
// set, otherwise `fixed` when nonzero (a statistical test whose verdict must
// not vary between runs of the suite), otherwise a fresh one. Printed with
// the command that replays it.
inline uint64_t test_seed(uint64_t fixed = 0) {
  uint64_t seed = fixed;
  if (const char* env = std::getenv("FAULTLINE_TEST_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else if (seed == 0) {
    std::random_device rd;
    seed = (uint64_t{rd()} << 32) ^ rd();
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("seed %llu; replay: FAULTLINE_TEST_SEED=%llu %s --gtest_filter=%s.%s\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
              ::testing::internal::GetArgvs().empty() ? "<test binary>" : ::testing::internal::GetArgvs()[0].c_str(),
              info ? info->test_suite_name() : "*", info ? info->name() : "*");
  std::fflush(stdout);  // printed even if the test then crashes
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

// A fresh directory under $TMPDIR, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "faultline-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// --- Builders ------------------------------------------------------------------

inline Record value_record(std::string key, std::string value, Version v) {
  Record r;
  r.key = std::move(key);
  r.value = std::move(value);
  r.version = v;
  return r;
}

inline Record tombstone_record(std::string key, Version v) {
  Record r;
  r.key = std::move(key);
  r.version = v;
  r.tombstone = true;
  return r;
}

// A history operation with only the fields every line has (index and time
// are the writer's); callers fill in the rest.
inline HistoryOp history_op(int64_t process, OpType type, std::string f) {
  HistoryOp op;
  op.process = process;
  op.type = type;
  op.f = std::move(f);
  return op;
}

inline HistoryOp client_op(int64_t process, OpType type, std::string f, std::string key) {
  HistoryOp op = history_op(process, type, std::move(f));
  op.key = std::move(key);
  return op;
}

inline HistoryOp nemesis_op(OpType type, std::string f, std::string value_json) {
  HistoryOp op = history_op(kNemesisProcess, type, std::move(f));
  op.fault_json = std::move(value_json);
  return op;
}

// `json_text` with the JSON merge patch (RFC 7386) `patch` applied, keeping
// key order: a valid document with one field changed, for rejection tests.
inline std::string with_json_patch(const std::string& json_text, const char* patch) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(json_text);
  j.merge_patch(nlohmann::ordered_json::parse(patch));
  return j.dump();
}

// Feeds `bytes` to an incremental parser (FrameDecoder, RespParser) in pieces
// of the given sizes, then the rest at once, draining every complete value
// into *out after each piece. Stops at the first kBad; returns the result
// that ended parsing (kNeedMore when all bytes were consumed cleanly).
template <typename Parser, typename Value>
typename Parser::Result feed_in_chunks(Parser* parser, std::string_view bytes, const std::vector<size_t>& chunk_sizes,
                                       std::vector<Value>* out) {
  using Result = typename Parser::Result;
  Result last = Result::kNeedMore;
  size_t pos = 0;
  for (size_t i = 0; pos < bytes.size(); ++i) {
    size_t n = i < chunk_sizes.size() ? std::max<size_t>(1, chunk_sizes[i]) : bytes.size() - pos;
    n = std::min(n, bytes.size() - pos);
    parser->feed(bytes.data() + pos, n);
    pos += n;
    Value v;
    while ((last = parser->next(&v)) == Result::kGood) out->push_back(v);
    if (last == Result::kBad) break;
  }
  return last;
}

// The body of the first ``` block after the line `heading` in a markdown
// file; empty when there is none. Lets tests check the docs' examples.
inline std::string markdown_code_block_after(const std::string& markdown, std::string_view heading) {
  const size_t h = markdown.find("\n" + std::string(heading) + "\n");
  if (h == std::string::npos) return {};
  const size_t open = markdown.find("```", h);
  if (open == std::string::npos) return {};
  const size_t body = markdown.find('\n', open) + 1;
  const size_t close = markdown.find("\n```", body);
  if (close == std::string::npos) return {};
  return markdown.substr(body, close + 1 - body);
}

// EXPECT_TRUE(fails_with(s, "workload.rat: unknown field")): `s` is an error
// whose message contains `needle`.
inline ::testing::AssertionResult fails_with(const Status& s, std::string_view needle) {
  if (s.is_ok()) return ::testing::AssertionFailure() << "succeeded; expected an error containing '" << needle << "'";
  if (s.message().find(needle) == std::string::npos) {
    return ::testing::AssertionFailure() << "error '" << s.message() << "' does not contain '" << needle << "'";
  }
  return ::testing::AssertionSuccess();
}

// EXPECT_TRUE(succeeds(s)), printing the message on failure.
inline ::testing::AssertionResult succeeds(const Status& s) {
  if (s.is_ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s.to_string();
}

// --- RapidCheck generators ---------------------------------------------------

// Any bytes, including NUL, high bytes and the empty string.
inline rc::Gen<std::string> gen_bytes() { return rc::gen::container<std::string>(rc::gen::arbitrary<char>()); }

// Versions from a deliberately tiny space (5 timestamps x 3 coordinators) so
// that generated records often share a version and the tie rules are hit.
inline rc::Gen<Version> gen_colliding_version() {
  return rc::gen::build<Version>(rc::gen::set(&Version::timestamp_us, rc::gen::inRange<int64_t>(1, 6)),
                                 rc::gen::set(&Version::coordinator_id, rc::gen::inRange<NodeId>(1, 4)));
}

// Values from a tiny set (empty included) so equal-version ties between
// values, and between equal values, are common.
inline rc::Gen<std::string> gen_colliding_value() { return rc::gen::element<std::string>("", "a", "b", "\xff"); }

// A record of `key` whose fields come from the given generators. A tombstone
// never carries a value, as everywhere in faultline.
inline rc::Gen<Record> gen_record(std::string key, rc::Gen<Version> versions, rc::Gen<std::string> values) {
  return rc::gen::apply(
      [key](Version v, bool tombstone, std::string value, int64_t deletion_ms) {
        if (!tombstone) return value_record(key, std::move(value), v);
        Record r = tombstone_record(key, v);
        r.local_deletion_time_ms = deletion_ms;
        return r;
      },
      versions, rc::gen::arbitrary<bool>(), values, rc::gen::inRange<int64_t>(0, 1000000));
}

// Records of one key, likely to collide on version and value: what LWW sees.
inline rc::Gen<Record> gen_colliding_record() { return gen_record("k", gen_colliding_version(), gen_colliding_value()); }

template <typename T>
rc::Gen<std::optional<T>> gen_optional(rc::Gen<T> gen) {
  return rc::gen::oneOf(rc::gen::just(std::optional<T>()),
                        rc::gen::map(gen, [](T v) { return std::optional<T>(std::move(v)); }));
}

}  // namespace test
}  // namespace faultline
