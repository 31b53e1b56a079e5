// ValueTable<T>: a compact map from written values (arbitrary strings) to a
// small fixed-size entry, for the per-written-value state of the checker
// (op pairing's uniqueness check, valid-values). At 10^7 operations the
// values themselves would dominate memory, so the table stores only hashes:
//
// - open addressing (linear probing, power-of-two capacity, load <= 3/4) over
//   slots {64-bit hash h, 32-bit check hash c, T};
// - collision handling: two different values with the same h are told apart
//   by c; the second one goes to an exact overflow map keyed by the full
//   string (so a collision of h alone never merges two values). Only a
//   collision of both h and c (about 2^-96 per pair of values) would merge two
//   values; we accept that.
//
// Memory: (16 + sizeof(T)) bytes per slot, capacity < 8/3 x entries, no
// per-value allocation. Never shrinks. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace faultline {

template <typename T>
class ValueTable {
 public:
  // The entry of `value`, or null.
  T* find(std::string_view value) {
    auto [h, c] = hashes(value);
    size_t i = probe(h);
    if (slots_.empty() || slots_[i].h == 0) return nullptr;
    if (slots_[i].c == c) return &slots_[i].value;
    auto it = overflow_.find(std::string(value));
    return it == overflow_.end() ? nullptr : &it->second;
  }
  // The entry of `value`, default-constructed if new; second is true then.
  std::pair<T*, bool> emplace(std::string_view value) {
    if (4 * (size_ + 1) > 3 * slots_.size()) grow();
    auto [h, c] = hashes(value);
    Slot& s = slots_[probe(h)];
    if (s.h == 0) {
      s = Slot{h, c, T{}};
      ++size_;
      return {&s.value, true};
    }
    if (s.c == c) return {&s.value, false};
    auto [it, fresh] = overflow_.try_emplace(std::string(value));
    return {&it->second, fresh};
  }
  size_t size() const { return size_ + overflow_.size(); }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }
  // Calls f(T&) for every entry, in no particular order.
  template <typename F>
  void for_each(F f) {
    for (Slot& s : slots_) {
      if (s.h != 0) f(s.value);
    }
    for (auto& [v, t] : overflow_) f(t);
  }

 private:
  struct Slot {
    uint64_t h = 0;  // 0: empty (real hashes are forced nonzero)
    uint32_t c = 0;
    T value{};
  };

  static std::pair<uint64_t, uint32_t> hashes(std::string_view v) {
    uint64_t h = std::hash<std::string_view>{}(v);
    if (h == 0) h = 1;
    uint32_t c = 2166136261u;  // FNV-1a: independent of std::hash
    for (unsigned char ch : v) c = (c ^ ch) * 16777619u;
    return {h, c};
  }
  // The slot holding h, or the empty slot where it would go.
  size_t probe(uint64_t h) const {
    if (slots_.empty()) return 0;
    size_t mask = slots_.size() - 1;
    size_t i = (h ^ (h >> 29)) & mask;
    while (slots_[i].h != 0 && slots_[i].h != h) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : 2 * old.size(), Slot{});
    for (Slot& s : old) {
      if (s.h != 0) slots_[probe(s.h)] = std::move(s);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;  // occupied slots
  std::unordered_map<std::string, T> overflow_;
};

}  // namespace faultline
