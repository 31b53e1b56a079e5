// RocksStore: the node's durable Store, on RocksDB.
//
// Layout:
// - column family "default": one entry per record.
//   DB key   = 8-byte big-endian token_of(key) ++ key bytes, so the records
//              of a token range are one contiguous scan (Merkle trees, range
//              streaming) and iteration runs in ring order.
//   DB value = format byte (1) | flags byte (bit 0: tombstone) |
//              timestamp_us i64 BE | coordinator_id u32 BE |
//              local_deletion_time_ms i64 BE | value length u32 BE | value |
//              XXH64 checksum (u64 BE) of everything before it, seeded with
//              XXH64 of the DB key, so a value under the wrong key is caught.
// - column family "hints": one entry per pending hint or handoff record.
//   DB key   = seq as u64 big-endian (replay runs oldest first).
//   DB value = format byte (1) | flags byte (bit 0: handoff) | target u32 BE |
//              created_ms i64 BE | record key length u32 BE | record key |
//              the record encoded as a "default" value above (its checksum
//              seeded with the record's own DB key).
// The WAL is always on; WriteOptions.sync follows modes.fsync (off: survives
// a process crash; on: also a machine crash).
//
// Every value is validated when read: a corrupt one comes back as a
// Status::io naming the key, never a crash.
//
// Thread-safety: none; one event loop owns it. RocksDB itself is only
// reached through this class, so its headers stay out of everything else.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "node/env.h"

namespace faultline {

class RocksStore final : public Store {
 public:
  static constexpr uint8_t kValueFormat = 1;

  // Opens (creating when missing) the database in `dir`.
  static Status open(const std::string& dir, bool fsync, std::unique_ptr<RocksStore>* out);
  ~RocksStore() override;  // closes the database
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  Status get(std::string_view key, std::optional<Record>* out) override;
  Status apply(const Record& r, bool* changed = nullptr, std::optional<Record>* replaced = nullptr) override;
  Status for_each(const std::function<void(const Record&)>& fn) override;
  int64_t count() override { return count_; }
  Status for_each_in_tokens(Token first, Token last, const std::function<void(const Record&)>& fn) override;
  Status purge(const Record& expected, bool* removed = nullptr) override;

  Status put_hint(const Hint& h) override;
  Status delete_hint(uint64_t seq) override;
  Status for_each_hint(const std::function<void(const Hint&)>& fn) override;

  // The formats above; public so tests can check them byte by byte.
  static std::string encode_key(std::string_view key);
  static std::string encode_value(std::string_view db_key, const Record& r);
  static Status decode(std::string_view db_key, std::string_view db_value, Record* out);
  static std::string encode_hint(const Hint& h);
  static Status decode_hint(std::string_view db_key, std::string_view db_value, Hint* out);

 private:
  struct Impl;
  explicit RocksStore(std::unique_ptr<Impl> impl);
  Status put(const Record& r);

  std::unique_ptr<Impl> impl_;
  int64_t count_ = 0;  // records stored; counted at open, kept up to date by apply
};

}  // namespace faultline
