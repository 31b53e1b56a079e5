// FaultyStore: a Store decorator for the disk fault (faults/fault_kinds.h).
// While set_failing(true) is in force, every write to the node's records
// (apply, purge) returns an I/O error and leaves the inner store untouched,
// as a full or failing disk does (Jepsen's lazyfs, FoundationDB's simulated
// I/O errors). Reads keep working, and so does the hint log (put_hint,
// delete_hint): the fault is meant to make a replica refuse the records it
// is sent, which is what a coordinator and a hint replay must cope with,
// not to make a coordinator lose its own hints.
//
// The node wraps its RocksStore in one only when its config enables
// fault_hooks (core/node_config.h); the simulator wraps every node's store.
//
// Thread-safety: none; one event loop, as every Store.
#pragma once

#include "node/env.h"

namespace faultline {

class FaultyStore final : public Store {
 public:
  // Neither is owned; both must outlive this. Each change of state is
  // logged as a "disk_fault" event ({"failing": true|false}); the refused
  // writes themselves are logged by the replica as store_error events.
  FaultyStore(Store* inner, EventLog* events) : inner_(inner), events_(events) {}

  void set_failing(bool failing) {
    if (failing == failing_) return;
    failing_ = failing;
    events_->emit("disk_fault", {{"failing", failing}});
  }
  bool failing() const { return failing_; }
  // Writes refused since construction.
  int64_t refused() const { return refused_; }

  Status get(std::string_view key, std::optional<Record>* out) override { return inner_->get(key, out); }
  Status apply(const Record& r, bool* changed = nullptr, std::optional<Record>* replaced = nullptr) override {
    if (failing_) return refuse("apply");
    return inner_->apply(r, changed, replaced);
  }
  Status for_each(const std::function<void(const Record&)>& fn) override { return inner_->for_each(fn); }
  int64_t count() override { return inner_->count(); }
  Status for_each_in_tokens(Token first, Token last, const std::function<void(const Record&)>& fn) override {
    return inner_->for_each_in_tokens(first, last, fn);
  }
  Status purge(const Record& expected, bool* removed = nullptr) override {
    if (failing_) return refuse("purge");
    return inner_->purge(expected, removed);
  }
  Status put_hint(const Hint& h) override { return inner_->put_hint(h); }
  Status delete_hint(uint64_t seq) override { return inner_->delete_hint(seq); }
  Status for_each_hint(const std::function<void(const Hint&)>& fn) override { return inner_->for_each_hint(fn); }

 private:
  Status refuse(const char* op) {
    ++refused_;
    return Status::io(std::string("disk fault: ") + op + " refused (injected I/O error)");
  }

  Store* const inner_;
  EventLog* const events_;
  bool failing_ = false;
  int64_t refused_ = 0;
};

}  // namespace faultline
