// Internal to core's .cpp files (pulls in nlohmann/json.hpp; never include it
// from a header other parts include). Strict JSON object reading that names
// the field path in every error (integers range-checked by
// core/json_numbers.h), plus the ModeSpec JSON shared by plan.json and the
// node config.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_numbers.h"
#include "core/plan.h"
#include "core/status.h"

namespace faultline {

using nlohmann::ordered_json;

// Reads the fields of one JSON object, remembering which it saw, so that
// finish() can reject the ones nobody asked for. Errors name the field path.
class ObjectReader {
 public:
  ObjectReader(const ordered_json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) status_ = Status::invalid(where("") + "must be an object");
  }

  template <typename T>
  void get(const char* name, T* out) {
    if (!status_ || !j_.contains(name)) return;  // absent: keep the default
    seen_.insert(name);
    const auto& v = j_[name];
    bool ok = false;
    if constexpr (std::is_same_v<T, bool>) ok = v.is_boolean();
    else if constexpr (std::is_same_v<T, std::string>) ok = v.is_string();
    else if constexpr (std::is_floating_point_v<T>) ok = v.is_number();
    else if constexpr (std::is_integral_v<T>) ok = json_integer_fits<T>(v);
    if (!ok) {
      status_ = Status::invalid(where(name) + "has the wrong type: " + v.dump());
      return;
    }
    *out = v.template get<T>();
  }

  // A string field parsed by `parse` into an enum.
  template <typename E, typename Parse>
  void get_enum(const char* name, E* out, Parse parse) {
    std::string s;
    bool present = j_.is_object() && j_.contains(name);
    get(name, &s);
    if (!status_ || !present) return;
    Status p = parse(s, out);
    if (!p) status_ = Status::invalid(where(name) + p.message());
  }

  // Every one of `names` must be present: an absent one is an error naming
  // it ("hints_pending: missing"), not a default.
  void require(std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (status_ && !j_.contains(name)) status_ = Status::invalid(where(name) + "missing");
    }
  }

  const ordered_json* child(const char* name) {
    if (!status_ || !j_.contains(name)) return nullptr;
    seen_.insert(name);
    return &j_[name];
  }

  void fail(const std::string& name, const std::string& why) {
    if (status_) status_ = Status::invalid(where(name) + why);
  }

  Status finish() {
    if (!status_) return status_;
    for (const auto& [k, v] : j_.items()) {
      if (!seen_.count(k)) return Status::invalid(where(k) + "unknown field");
    }
    return status_;
  }

  const std::string& path() const { return path_; }

 private:
  std::string where(const std::string& name) const {
    std::string p = path_.empty() ? name : (name.empty() ? path_ : path_ + "." + name);
    return p.empty() ? "" : p + ": ";
  }
  const ordered_json& j_;
  std::string path_;
  std::set<std::string> seen_;
  Status status_;
};

ordered_json modes_to_json(const ModeSpec& m);
Status modes_from_json(const ordered_json& j, const std::string& path, ModeSpec* m);

}  // namespace faultline
