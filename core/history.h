// The history: every client operation and every fault of a run, in order
// (docs/history-format.md). It is the contract between harness and checker.
//
// File: history.jsonl. Line 1 is the header
//   {"format":"faultline-history","version":1,"seed":N}
// then one operation per line (Jepsen's model: invoke, then one of ok / fail /
// info). Lines are appended and flushed as they happen, so a crashed harness
// leaves a checkable prefix.
//
// Thread-safety: HistoryWriter::append may be called from any thread; the
// writer serializes lines, and stamps index and time under its lock so file
// order, index order and time order agree. HistoryReader is single-threaded.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace faultline {

inline constexpr int kHistoryFormatVersion = 1;
inline constexpr int64_t kNemesisProcess = -1;  // "process":"nemesis" on disk

enum class OpType { kInvoke, kOk, kFail, kInfo };
std::string_view to_string(OpType t);

struct HistoryOp {
  int64_t index = -1;    // stamped by the writer
  int64_t time_ns = 0;   // CLOCK_MONOTONIC; stamped by the writer when 0
  int64_t process = 0;   // client process id, or kNemesisProcess
  OpType type = OpType::kInvoke;
  std::string f;         // "read" | "write" | "delete" | a fault name
  std::optional<std::string> key;
  // write/delete: the value written (absent for delete). read ok: the value
  // read, absent when the key had no value (never written, or deleted).
  std::optional<std::string> value;
  // ok write/delete: the version the coordinator stamped. ok read: the
  // version of what was read (a tombstone's version when tombstone is set),
  // absent when the replicas held nothing.
  std::optional<Version> version;
  bool tombstone = false;  // ok read: what was read is a tombstone
  std::optional<ConsistencyLevel> cl;  // invoke: the consistency level asked
  std::string node;        // invoke: the coordinator, "n2"
  std::string error;       // fail / info: why
  // nemesis: the "value" object, as JSON text ("{}" when there is none).
  std::string fault_json;

  bool is_nemesis() const { return process == kNemesisProcess; }
  bool is_client() const { return process != kNemesisProcess; }
};

struct HistoryHeader {
  int version = kHistoryFormatVersion;
  uint64_t seed = 0;
};

std::string history_header_to_json_line(const HistoryHeader& h);
Status history_header_from_json_line(std::string_view line, HistoryHeader* out);
// No trailing newline. Client operations are written field by field, with
// nlohmann for any string that is not plain printable ASCII; the result is
// byte for byte the reference's (core/history_line_test.cpp checks it).
std::string history_op_to_json_line(const HistoryOp& op);
// The definition of a written line (nlohmann, keys in sorted order).
std::string history_op_to_json_line_reference(const HistoryOp& op);
// The fast reader (core/history_line.cpp) where it takes the line, else the
// reference; the same result either way.
Status history_op_from_json_line(std::string_view line, HistoryOp* out);
// The definition of a history line (nlohmann): every error and its message.
Status history_op_from_json_line_reference(std::string_view line, HistoryOp* out);
// False, *out untouched, when the fast reader declines the line (nemesis
// lines, unknown or repeated fields, escapes, non-ASCII, any error); true
// only where the reference would read the same op.
bool history_op_from_json_line_fast(std::string_view line, HistoryOp* out);

class HistoryWriter {
 public:
  // Creates (truncates) `path` and writes the header.
  static Status open(const std::string& path, const HistoryHeader& header,
                     std::unique_ptr<HistoryWriter>* out);
  // No file: each appended op goes to *sink instead, in order (the
  // simulator's in-memory path, sim/sim_check.h).
  static std::unique_ptr<HistoryWriter> to_memory(std::vector<HistoryOp>* sink);
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Stamps op.index (and op.time_ns when 0), writes one line and flushes.
  // Returns the stamped op. Thread-safe.
  HistoryOp append(HistoryOp op);
  int64_t count() const;

 private:
  HistoryWriter(FILE* f, std::vector<HistoryOp>* sink) : file_(f), sink_(sink) {}
  mutable std::mutex mu_;
  FILE* file_;  // owned, null in memory; guarded by mu_
  std::vector<HistoryOp>* sink_;  // in memory, else null; guarded by mu_
  int64_t next_index_ = 0;  // guarded by mu_
  int64_t last_time_ns_ = 0;  // guarded by mu_
};

class HistoryReader {
 public:
  enum class Result { kOp, kEnd, kError };

  // Opens `path` and reads the header line.
  static Status open(const std::string& path, std::unique_ptr<HistoryReader>* out);
  // Reads `text` (a history.jsonl held in memory, which must outlive the
  // reader) exactly as open() reads a file holding it; errors name `name`.
  static Status open_text(std::string_view text, const std::string& name, std::unique_ptr<HistoryReader>* out);
  ~HistoryReader();
  HistoryReader(const HistoryReader&) = delete;
  HistoryReader& operator=(const HistoryReader&) = delete;

  const HistoryHeader& header() const { return header_; }
  // kOp: *out is the next operation. kError: error() is
  // "<path>:<line>: <reason>". Checks that indices are consecutive from 0
  // and times do not go backwards. Streams: memory stays O(longest line).
  Result next(HistoryOp* out);
  const Status& error() const { return error_; }
  int64_t line_number() const { return line_number_; }
  // True when reading ended at an unterminated, unparsable last line (a
  // harness crashed mid-write); everything before it was read.
  bool truncated_tail() const { return truncated_tail_; }

 private:
  HistoryReader(std::string path, FILE* f) : path_(std::move(path)), file_(f) {}
  // Reads the header line of `r`, just opened on `path`; then *out = r.
  static Status read_header(const std::string& path, std::unique_ptr<HistoryReader> r,
                            std::unique_ptr<HistoryReader>* out);
  // *line points into buf_, valid until the next call.
  bool read_line(std::string_view* line);
  Result fail(const std::string& why);

  std::string path_;
  FILE* file_;  // owned
  char* buf_ = nullptr;  // getline's buffer, reused line after line (owned)
  size_t buf_capacity_ = 0;
  HistoryHeader header_;
  int64_t line_number_ = 0;
  int64_t expected_index_ = 0;
  int64_t last_time_ns_ = 0;
  bool last_line_terminated_ = true;
  bool truncated_tail_ = false;
  Status error_;
};

}  // namespace faultline
