#include "core/history.h"

#include <stdio.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/assert.h"
#include "core/clock.h"
#include "core/json_numbers.h"

namespace faultline {

using nlohmann::json;

std::string_view to_string(OpType t) {
  switch (t) {
    case OpType::kInvoke: return "invoke";
    case OpType::kOk: return "ok";
    case OpType::kFail: return "fail";
    case OpType::kInfo: return "info";
  }
  return "?";
}

namespace {

Status parse_op_type(const std::string& s, OpType* out) {
  if (s == "invoke") *out = OpType::kInvoke;
  else if (s == "ok") *out = OpType::kOk;
  else if (s == "fail") *out = OpType::kFail;
  else if (s == "info") *out = OpType::kInfo;
  else return Status::invalid("unknown type '" + s + "' (invoke, ok, fail, info)");
  return Status::ok();
}

// A non-negative integer field that fits int64 (index, time): a larger one
// would wrap negative and reorder the history.
Status parse_count(const json& j, const char* name, int64_t* out) {
  if (!j.contains(name) || !j[name].is_number_integer()) return Status::invalid(std::string("missing integer '") + name + "'");
  const json& v = j[name];
  if (!json_integer_fits<int64_t>(v) || v.get<int64_t>() < 0) {
    return Status::invalid(std::string("'") + name + "' " + v.dump() + " is out of range (0 to 2^63-1)");
  }
  *out = v.get<int64_t>();
  return Status::ok();
}

bool is_client_f(const std::string& f) { return f == "read" || f == "write" || f == "delete"; }

Status parse_json_line(std::string_view line, json* out) {
  *out = json::parse(line.begin(), line.end(), nullptr, false);
  if (out->is_discarded()) return Status::invalid("not valid JSON");
  if (!out->is_object()) return Status::invalid("not a JSON object");
  return Status::ok();
}

}  // namespace

std::string history_header_to_json_line(const HistoryHeader& h) {
  return json{{"format", "faultline-history"}, {"version", h.version}, {"seed", h.seed}}.dump();
}

Status history_header_from_json_line(std::string_view line, HistoryHeader* out) {
  json j;
  Status s = parse_json_line(line, &j);
  if (!s) return s;
  // Not j.value("format", ""): it throws when "format" is not a string
  // (found by fuzz/history_fuzz).
  const auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != "faultline-history") {
    return Status::invalid("header lacks \"format\":\"faultline-history\"");
  }
  if (!j.contains("version") || !j["version"].is_number_integer()) return Status::invalid("header lacks an integer 'version'");
  if (!json_integer_fits<int>(j["version"])) {
    return Status::invalid("history format version " + j["version"].dump() + " is not supported (this build reads " +
                           std::to_string(kHistoryFormatVersion) + ")");
  }
  out->version = j["version"].get<int>();
  if (out->version != kHistoryFormatVersion) {
    return Status::invalid("history format version " + std::to_string(out->version) + " is not supported (this build reads " +
                           std::to_string(kHistoryFormatVersion) + ")");
  }
  if (!j.contains("seed") || !j["seed"].is_number_unsigned()) return Status::invalid("header lacks an unsigned integer 'seed'");
  out->seed = j["seed"].get<uint64_t>();
  return Status::ok();
}

std::string history_op_to_json_line_reference(const HistoryOp& op) {
  json j = json::object();
  j["index"] = op.index;
  j["time"] = op.time_ns;
  if (op.is_nemesis()) j["process"] = "nemesis";
  else j["process"] = op.process;
  j["type"] = to_string(op.type);
  j["f"] = op.f;
  if (op.is_nemesis()) {
    j["value"] = op.fault_json.empty() ? json::object() : json::parse(op.fault_json);
  } else {
    if (op.key) j["key"] = *op.key;
    if (op.value) j["value"] = *op.value;
    else if (op.f == "read" && op.type == OpType::kOk) j["value"] = nullptr;
    if (op.version) j["version"] = json::array({op.version->timestamp_us, op.version->coordinator_id});
    if (op.tombstone) j["tombstone"] = true;
    if (op.cl) j["cl"] = to_string(*op.cl);
    if (!op.node.empty()) j["node"] = op.node;
  }
  if (!op.error.empty()) j["error"] = op.error;
  // An error text echoed from a node may hold bytes that are not UTF-8:
  // replaced by U+FFFD, since a throw here would leave a gap in the indices.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// A JSON string as nlohmann's dump writes it (no ASCII escaping, invalid
// UTF-8 replaced): printable ASCII other than '"' and '\\' is copied as is.
void append_json_string(std::string* out, std::string_view s) {
  bool plain = true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    plain = plain && u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  }
  if (plain) {
    out->push_back('"');
    out->append(s);
    out->push_back('"');
    return;
  }
  *out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_field(std::string* out, const char* name) {
  out->append(out->size() == 1 ? "\"" : ",\"").append(name).append("\":");
}

}  // namespace

std::string history_op_to_json_line(const HistoryOp& op) {
  if (op.is_nemesis()) return history_op_to_json_line_reference(op);
  // The reference's object is a std::map: its keys come out sorted.
  std::string out = "{";
  out.reserve(160);
  auto str = [&](const char* name, std::string_view v) {
    append_field(&out, name);
    append_json_string(&out, v);
  };
  auto raw = [&](const char* name, const std::string& v) {
    append_field(&out, name);
    out += v;
  };
  if (op.cl) str("cl", to_string(*op.cl));
  if (!op.error.empty()) str("error", op.error);
  str("f", op.f);
  raw("index", std::to_string(op.index));
  if (op.key) str("key", *op.key);
  if (!op.node.empty()) str("node", op.node);
  raw("process", std::to_string(op.process));
  raw("time", std::to_string(op.time_ns));
  if (op.tombstone) raw("tombstone", "true");
  str("type", to_string(op.type));
  if (op.value) str("value", *op.value);
  else if (op.f == "read" && op.type == OpType::kOk) raw("value", "null");
  if (op.version) {
    raw("version", "[" + std::to_string(op.version->timestamp_us) + "," +
                       std::to_string(op.version->coordinator_id) + "]");
  }
  out += "}";
  return out;
}

Status history_op_from_json_line(std::string_view line, HistoryOp* out) {
  if (history_op_from_json_line_fast(line, out)) return Status::ok();
  return history_op_from_json_line_reference(line, out);
}

Status history_op_from_json_line_reference(std::string_view line, HistoryOp* out) {
  json j;
  Status s = parse_json_line(line, &j);
  if (!s) return s;
  HistoryOp op;
  try {
    if (!(s = parse_count(j, "index", &op.index))) return s;
    if (!(s = parse_count(j, "time", &op.time_ns))) return s;
    if (!j.contains("process")) return Status::invalid("missing 'process'");
    const json& p = j["process"];
    if (p.is_string() && p.get<std::string>() == "nemesis") op.process = kNemesisProcess;
    else if (json_integer_fits<int64_t>(p) && p.get<int64_t>() >= 0) op.process = p.get<int64_t>();
    else return Status::invalid("'process' must be an integer in 0 to 2^63-1 or \"nemesis\", got " + p.dump());
    if (!j.contains("type") || !j["type"].is_string()) return Status::invalid("missing string 'type'");
    if (!(s = parse_op_type(j["type"].get<std::string>(), &op.type))) return s;
    if (!j.contains("f") || !j["f"].is_string() || j["f"].get<std::string>().empty()) return Status::invalid("missing string 'f'");
    op.f = j["f"].get<std::string>();
    if (j.contains("error")) {
      if (!j["error"].is_string()) return Status::invalid("'error' must be a string");
      op.error = j["error"].get<std::string>();
    }
    if (op.is_nemesis()) {
      op.fault_json = j.contains("value") ? j["value"].dump() : "{}";
      *out = std::move(op);
      return Status::ok();
    }
    if (!is_client_f(op.f)) return Status::invalid("client operation has f '" + op.f + "' (read, write, delete)");
    if (!j.contains("key") || !j["key"].is_string()) return Status::invalid("client operation lacks a string 'key'");
    op.key = j["key"].get<std::string>();
    if (j.contains("value") && !j["value"].is_null()) {
      if (!j["value"].is_string()) return Status::invalid("'value' must be a string or null");
      op.value = j["value"].get<std::string>();
    }
    if (op.f == "write" && !op.value) return Status::invalid("write lacks a string 'value'");
    if (j.contains("version") && !j["version"].is_null()) {
      Version v;
      if (!(s = version_from_json(j["version"], &v))) return s;
      op.version = v;
    }
    if (j.contains("tombstone")) {
      if (!j["tombstone"].is_boolean()) return Status::invalid("'tombstone' must be a boolean");
      op.tombstone = j["tombstone"].get<bool>();
    }
    if (op.tombstone && op.value) return Status::invalid("a tombstone read carries a value");
    if (j.contains("cl")) {
      if (!j["cl"].is_string()) return Status::invalid("'cl' must be a string");
      ConsistencyLevel cl;
      if (!(s = parse_consistency_level(j["cl"].get<std::string>(), &cl))) return s;
      op.cl = cl;
    }
    if (j.contains("node")) {
      if (!j["node"].is_string()) return Status::invalid("'node' must be a string");
      op.node = j["node"].get<std::string>();
    }
    if (op.type == OpType::kOk && op.f != "read" && !op.version) {
      return Status::invalid("ok " + op.f + " lacks its 'version'");
    }
  } catch (const json::exception& e) {
    return Status::invalid(e.what());
  }
  *out = std::move(op);
  return Status::ok();
}

Status HistoryWriter::open(const std::string& path, const HistoryHeader& header,
                           std::unique_ptr<HistoryWriter>* out) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Status::io("cannot create " + path);
  std::string line = history_header_to_json_line(header) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), f) != line.size() || std::fflush(f) != 0) {
    std::fclose(f);
    return Status::io("cannot write " + path);
  }
  out->reset(new HistoryWriter(f, nullptr));
  return Status::ok();
}

std::unique_ptr<HistoryWriter> HistoryWriter::to_memory(std::vector<HistoryOp>* sink) {
  return std::unique_ptr<HistoryWriter>(new HistoryWriter(nullptr, sink));
}

HistoryWriter::~HistoryWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

HistoryOp HistoryWriter::append(HistoryOp op) {
  std::lock_guard<std::mutex> lock(mu_);
  op.index = next_index_++;
  if (op.time_ns == 0) op.time_ns = monotonic_now_ns();
  // Keep time non-decreasing in file order even when a caller stamped early.
  if (op.time_ns < last_time_ns_) op.time_ns = last_time_ns_;
  last_time_ns_ = op.time_ns;
  if (sink_ != nullptr) {
    sink_->push_back(op);
    return op;
  }
  std::string line = history_op_to_json_line(op) + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
  return op;
}

int64_t HistoryWriter::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_index_;
}

Status HistoryReader::open(const std::string& path, std::unique_ptr<HistoryReader>* out) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return Status::not_found("cannot open " + path);
  return read_header(path, std::unique_ptr<HistoryReader>(new HistoryReader(path, f)), out);
}

Status HistoryReader::open_text(std::string_view text, const std::string& name, std::unique_ptr<HistoryReader>* out) {
  // A stream over the bytes themselves (read-only: fmemopen never writes in
  // mode "r"), so the text is read by the very code that reads files.
  static char empty[1] = {0};
  char* bytes = text.empty() ? empty : const_cast<char*>(text.data());
  FILE* f = ::fmemopen(bytes, text.size(), "r");
  if (f == nullptr) return Status::io("cannot read " + name + " from memory");
  return read_header(name, std::unique_ptr<HistoryReader>(new HistoryReader(name, f)), out);
}

Status HistoryReader::read_header(const std::string& path, std::unique_ptr<HistoryReader> r,
                                  std::unique_ptr<HistoryReader>* out) {
  std::string_view line;
  if (!r->read_line(&line)) return Status::invalid(path + ":1: empty file, expected the header line");
  Status s = history_header_from_json_line(line, &r->header_);
  if (!s) return Status::invalid(path + ":1: " + s.message());
  *out = std::move(r);
  return Status::ok();
}

HistoryReader::~HistoryReader() {
  std::fclose(file_);
  std::free(buf_);
}

bool HistoryReader::read_line(std::string_view* line) {
  ssize_t n = ::getline(&buf_, &buf_capacity_, file_);
  if (n < 0) return false;
  ++line_number_;
  last_line_terminated_ = n > 0 && buf_[n - 1] == '\n';
  *line = std::string_view(buf_, last_line_terminated_ ? static_cast<size_t>(n - 1) : static_cast<size_t>(n));
  return true;
}

HistoryReader::Result HistoryReader::fail(const std::string& why) {
  error_ = Status::invalid(path_ + ":" + std::to_string(line_number_) + ": " + why);
  return Result::kError;
}

HistoryReader::Result HistoryReader::next(HistoryOp* out) {
  if (!error_.is_ok()) return Result::kError;
  std::string_view line;
  if (!read_line(&line)) return Result::kEnd;
  if (line.empty()) return fail("empty line");
  Status s = history_op_from_json_line(line, out);
  if (!s) {
    // A harness that crashed mid-write leaves an unterminated last line: the
    // prefix before it is still a checkable history.
    if (!last_line_terminated_ && std::fgetc(file_) == EOF) {
      truncated_tail_ = true;
      return Result::kEnd;
    }
    return fail(s.message());
  }
  if (out->index != expected_index_) {
    return fail("index " + std::to_string(out->index) + ", expected " + std::to_string(expected_index_));
  }
  if (out->time_ns < last_time_ns_) return fail("time goes backwards");
  ++expected_index_;
  last_time_ns_ = out->time_ns;
  return Result::kOp;
}

}  // namespace faultline
