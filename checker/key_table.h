// KeyTable and PerKey: the history's keys as dense integer ids, interned
// once per operation by the RunChecker and handed to every property, so
// per-key state is a vector slot instead of a string-keyed map lookup in
// each property (issue 19: those lookups were most of the check's time).
// PerProcess: the same for state per client process.
// Internal to checker/.
//
// Memory: one string and one id per distinct key (the plan's key space).
// Not thread-safe: one check at a time.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

namespace faultline {

using KeyId = uint32_t;
// The id of an operation without a key (nemesis records).
inline constexpr KeyId kNoKey = std::numeric_limits<KeyId>::max();

class KeyTable {
 public:
  // The id of `key`, assigning the next one on first sight.
  KeyId intern(const std::string& key) {
    auto [it, fresh] = ids_.try_emplace(key, static_cast<KeyId>(names_.size()));
    if (fresh) names_.push_back(key);
    return it->second;
  }
  const std::string& name(KeyId id) const { return names_[id]; }

 private:
  std::unordered_map<std::string, KeyId> ids_;
  std::vector<std::string> names_;
};

// Per-key state of type T, present or absent per key, like a map keyed by
// KeyId; storage grows with the largest id seen.
template <typename T>
class PerKey {
 public:
  // Null when the key has no entry.
  T* find(KeyId k) { return k < present_.size() && present_[k] ? &values_[k] : nullptr; }
  const T* find(KeyId k) const { return k < present_.size() && present_[k] ? &values_[k] : nullptr; }
  // The key's entry, value-initialised first when absent (map::operator[]).
  T& operator[](KeyId k) {
    if (k >= present_.size()) {
      present_.resize(static_cast<size_t>(k) + 1, 0);
      values_.resize(static_cast<size_t>(k) + 1);
    }
    if (!present_[k]) {
      present_[k] = 1;
      values_[k] = T{};
    }
    return values_[k];
  }
  // Sets the entry to `value` only when absent (map::try_emplace).
  void try_emplace(KeyId k, const T& value) {
    if (find(k) == nullptr) (*this)[k] = value;
  }
  // Calls f(key, T&) for every entry, in key id order.
  template <typename F>
  void for_each(F f) {
    for (size_t k = 0; k < present_.size(); ++k) {
      if (present_[k]) f(static_cast<KeyId>(k), values_[k]);
    }
  }

 private:
  std::vector<T> values_;
  std::vector<uint8_t> present_;
};

// Per-process state of type T (the slot of each process id, created
// value-initialised on first use and never erased; callers mark it unused):
// a vector slot for the small ids clients have, a map beyond, since a
// history may name any int64 process.
template <typename T>
class PerProcess {
 public:
  T& operator[](int64_t process) {
    if (process < 0 || process >= kDenseMax) return sparse_[process];
    const size_t i = static_cast<size_t>(process);
    if (i >= dense_.size()) dense_.resize(i + 1);
    return dense_[i];
  }

 private:
  static constexpr int64_t kDenseMax = 1 << 16;
  std::vector<T> dense_;
  std::unordered_map<int64_t, T> sparse_;
};

}  // namespace faultline
