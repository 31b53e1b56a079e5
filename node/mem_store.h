// MemStore: an in-memory Store for unit tests of the sans-I/O core only (the
// node itself always runs on RocksStore). Records are kept in token order, as
// RocksStore keeps them, so for_each visits them in the same order.
//
// Thread-safety: none; one event loop.
#pragma once

#include <map>
#include <utility>

#include "node/env.h"

namespace faultline {

class MemStore final : public Store {
 public:
  Status get(std::string_view key, std::optional<Record>* out) override {
    auto it = records_.find({token_of(key), std::string(key)});
    *out = it == records_.end() ? std::nullopt : std::optional<Record>(it->second);
    return Status::ok();
  }

  Status apply(const Record& r, bool* changed = nullptr, std::optional<Record>* replaced = nullptr) override {
    auto [it, inserted] = records_.try_emplace({token_of(r.key), r.key}, r);
    bool won = inserted || lww_wins(r, it->second);
    if (won && replaced) *replaced = inserted ? std::nullopt : std::optional<Record>(it->second);
    if (won) it->second = r;
    if (changed) *changed = won;
    return Status::ok();
  }

  Status for_each(const std::function<void(const Record&)>& fn) override {
    for (const auto& [k, r] : records_) fn(r);
    return Status::ok();
  }

  int64_t count() override { return static_cast<int64_t>(records_.size()); }

  Status for_each_in_tokens(Token first, Token last, const std::function<void(const Record&)>& fn) override {
    for (auto it = records_.lower_bound({first, std::string()}); it != records_.end() && it->first.first <= last; ++it) {
      fn(it->second);
    }
    return Status::ok();
  }

  Status purge(const Record& expected, bool* removed = nullptr) override {
    auto it = records_.find({token_of(expected.key), expected.key});
    const bool same = it != records_.end() && it->second.version == expected.version &&
                      it->second.tombstone == expected.tombstone;
    if (same) records_.erase(it);
    if (removed) *removed = same;
    return Status::ok();
  }

  Status put_hint(const Hint& h) override {
    hints_[h.seq] = h;
    return Status::ok();
  }
  Status delete_hint(uint64_t seq) override {
    hints_.erase(seq);
    return Status::ok();
  }
  Status for_each_hint(const std::function<void(const Hint&)>& fn) override {
    for (const auto& [seq, h] : hints_) fn(h);
    return Status::ok();
  }

 private:
  std::map<std::pair<Token, std::string>, Record> records_;
  std::map<uint64_t, Hint> hints_;
};

}  // namespace faultline
