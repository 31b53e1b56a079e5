#include "checker/verdict_io.h"

#include <initializer_list>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/history.h"

namespace faultline {

namespace {

using nlohmann::json;

// Reads one verdict document, remembering the first error with its field
// path; later reads after an error are no-ops returning defaults.
class VerdictReader {
 public:
  explicit VerdictReader(std::string source) : source_(std::move(source)) {}

  Status read(const json& j, Verdict* out) {
    if (!object(j, "", {"verdict", "error", "operations", "properties"})) return status_;
    const std::string value = str(j, "verdict", "");
    if (value == "valid") out->value = VerdictValue::kValid;
    else if (value == "invalid") out->value = VerdictValue::kInvalid;
    else if (value == "unknown") out->value = VerdictValue::kUnknown;
    else fail("verdict", "must be valid, invalid or unknown, got '" + value + "'");
    out->error = str(j, "error", "", true);
    out->operations = integer(j, "operations", "");
    const json* props = array(j, "properties", "");
    for (size_t i = 0; props && status_ && i < props->size(); ++i) {
      out->properties.push_back(property((*props)[i], "properties[" + std::to_string(i) + "]"));
    }
    return status_;
  }

 private:
  static std::string join(const std::string& at, const char* name) { return at.empty() ? name : at + "." + name; }

  void fail(const std::string& path, const std::string& what) {
    if (status_) status_ = Status::invalid(source_ + ": " + (path.empty() ? "" : path + ": ") + what);
  }

  // True when j is an object with exactly the fields `names`.
  bool object(const json& j, const std::string& at, std::initializer_list<const char*> names) {
    if (!j.is_object()) {
      fail(at, "must be an object");
      return false;
    }
    for (const char* n : names) {
      if (!j.contains(n)) fail(join(at, n), "missing");
    }
    for (const auto& [k, v] : j.items()) {
      bool known = false;
      for (const char* n : names) known = known || k == n;
      if (!known) fail(join(at, k.c_str()), "unknown field");
    }
    return status_.is_ok();
  }

  std::string str(const json& j, const char* name, const std::string& at, bool nullable = false) {
    if (!status_) return "";
    const json& v = j.at(name);
    if (nullable && v.is_null()) return "";
    if (!v.is_string()) {
      fail(join(at, name), nullable ? "must be a string or null" : "must be a string");
      return "";
    }
    return v.get<std::string>();
  }

  int64_t integer(const json& j, const char* name, const std::string& at) {
    if (!status_) return 0;
    const json& v = j.at(name);
    // Unsigned values above 2^63 - 1 would wrap to negative numbers.
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))) {
      fail(join(at, name), "must be an integer");
      return 0;
    }
    return v.get<int64_t>();
  }

  bool boolean(const json& j, const char* name, const std::string& at) {
    if (!status_) return false;
    if (!j.at(name).is_boolean()) fail(join(at, name), "must be true or false");
    return status_ && j.at(name).get<bool>();
  }

  const json* array(const json& j, const char* name, const std::string& at) {
    if (!status_) return nullptr;
    if (!j.at(name).is_array()) {
      fail(join(at, name), "must be an array");
      return nullptr;
    }
    return &j.at(name);
  }

  PropertyResult property(const json& j, const std::string& at) {
    PropertyResult p;
    if (!object(j, at, {"id", "expected", "reason", "result", "allowed", "violations", "witnesses", "note"})) return p;
    p.id = str(j, "id", at);
    const std::string expected = str(j, "expected", at);
    if (expected != "guaranteed" && expected != "not guaranteed") {
      fail(at + ".expected", "must be 'guaranteed' or 'not guaranteed'");
    }
    p.guaranteed = expected == "guaranteed";
    p.expected_reason = str(j, "reason", at);
    const std::string result = str(j, "result", at);
    bool known = false;
    for (auto o : {PropertyOutcome::kHeld, PropertyOutcome::kViolated, PropertyOutcome::kUnknown,
                   PropertyOutcome::kSkipped}) {
      if (result == to_string(o)) p.outcome = o, known = true;
    }
    if (!known) fail(at + ".result", "unknown result '" + result + "'");
    const bool allowed = boolean(j, "allowed", at);
    if (allowed != (!p.guaranteed && p.outcome == PropertyOutcome::kViolated)) {
      fail(at + ".allowed", "must be true exactly when a property that is not guaranteed was violated");
    }
    p.violations = integer(j, "violations", at);
    p.note = str(j, "note", at, true);
    const json* witnesses = array(j, "witnesses", at);
    for (size_t i = 0; witnesses && status_ && i < witnesses->size(); ++i) {
      p.witnesses.push_back(witness((*witnesses)[i], at + ".witnesses[" + std::to_string(i) + "]"));
    }
    return p;
  }

  Witness witness(const json& j, const std::string& at) {
    Witness w;
    if (!object(j, at, {"explanation", "summary", "ops"})) return w;
    w.explanation = str(j, "explanation", at);
    w.summary = str(j, "summary", at);
    const json* ops = array(j, "ops", at);
    for (size_t i = 0; ops && status_ && i < ops->size(); ++i) {
      w.ops.push_back(op((*ops)[i], at + ".ops[" + std::to_string(i) + "]"));
    }
    return w;
  }

  WitnessOp op(const json& j, const std::string& at) {
    WitnessOp o;
    if (!object(j, at, {"index", "time", "process", "type", "f", "key", "value", "version", "tombstone", "node"})) {
      return o;
    }
    o.index = integer(j, "index", at);
    o.time_ns = integer(j, "time", at);
    if (j["process"] == "nemesis") o.process = kNemesisProcess;
    else o.process = integer(j, "process", at);
    o.type = str(j, "type", at);
    o.f = str(j, "f", at);
    o.key = str(j, "key", at);
    o.value = str(j, "value", at, true);
    o.node = str(j, "node", at, true);
    o.tombstone = boolean(j, "tombstone", at);
    const json& v = j["version"];
    if (v.is_null() || !status_) return o;
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_unsigned() ||
        (v[0].is_number_unsigned() && v[0].get<uint64_t>() > uint64_t(INT64_MAX)) ||
        v[1].get<uint64_t>() > std::numeric_limits<NodeId>::max()) {
      fail(at + ".version", "must be [timestamp_us, coordinator id] within range");
      return o;
    }
    o.has_version = true;
    o.version = Version{v[0].get<int64_t>(), v[1].get<NodeId>()};
    return o;
  }

  const std::string source_;
  Status status_ = Status::ok();
};

}  // namespace

Status verdict_from_json(std::string_view text, const std::string& source, Verdict* out) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::invalid(source + ": not JSON");
  *out = Verdict();
  return VerdictReader(source).read(j, out);
}

Status read_verdict_file(const std::string& run_dir, Verdict* out) {
  const std::string path = run_dir + "/verdict.json";
  std::string text;
  if (Status s = read_file(path, &text); !s) return Status::not_found(path + ": cannot open (run `faultline check` on the run first)");
  return verdict_from_json(text, path, out);
}

}  // namespace faultline
