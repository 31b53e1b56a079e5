// Range-checked integers and versions from nlohmann JSON, for every reader
// of faultline's JSON files (core's readers, the checker's event reader).
// Pulls in nlohmann/json.hpp: include it from .cpp files only.
//
// Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/types.h"

namespace faultline {

// Whether JSON number `v` is an integer that T holds exactly: get<T>() would
// silently wrap 4294967301 to 5, 2^63 to a negative number, or a negative
// number to a huge unsigned one. Every integer a reader takes goes through
// this: versions were once truncated to 32 bits and wrapped at 2^63.
template <typename T, typename Json>
bool json_integer_fits(const Json& v) {
  if (v.is_number_unsigned()) return v.template get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  if (!v.is_number_integer() || std::is_unsigned_v<T>) return false;
  const int64_t i = v.template get<int64_t>();
  return i >= static_cast<int64_t>(std::numeric_limits<T>::min()) && i <= static_cast<int64_t>(std::numeric_limits<T>::max());
}

// A version as the history and the node dumps write it:
// [timestamp_us, coordinator_id], timestamp_us in [0, 2^63-1] and
// coordinator_id in [0, 2^32-1]; anything else is refused, never narrowed.
template <typename Json>
Status version_from_json(const Json& j, Version* out) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_integer() || !j[1].is_number_integer()) {
    return Status::invalid("'version' must be [timestamp_us, coordinator_id], got " + j.dump());
  }
  if (!json_integer_fits<int64_t>(j[0]) || j[0].template get<int64_t>() < 0) {
    return Status::invalid("'version' must be [timestamp_us, coordinator_id] in range: timestamp_us " + j[0].dump() +
                           " is out of range (0 to 2^63-1)");
  }
  if (!json_integer_fits<NodeId>(j[1])) {
    return Status::invalid("'version' must be [timestamp_us, coordinator_id] in range: coordinator_id " +
                           j[1].dump() + " is out of range (0 to 2^32-1)");
  }
  out->timestamp_us = j[0].template get<int64_t>();
  out->coordinator_id = j[1].template get<NodeId>();
  return Status::ok();
}

}  // namespace faultline
