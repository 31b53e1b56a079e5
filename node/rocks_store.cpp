#include "node/rocks_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <xxhash.h>

#include <limits>
#include <vector>

#include "core/assert.h"

namespace faultline {

namespace {

constexpr size_t kKeyPrefixBytes = 8;
// format, flags, timestamp, coordinator, deletion time, value length
constexpr size_t kValueHeaderBytes = 1 + 1 + 8 + 4 + 8 + 4;
constexpr size_t kChecksumBytes = 8;
constexpr uint8_t kFlagTombstone = 1;
constexpr uint8_t kHintFormat = 1;
constexpr uint8_t kHintFlagHandoff = 1;
// format, flags, target, created_ms, record key length
constexpr size_t kHintTargetAt = 2, kHintCreatedAt = 6, kHintKeyLengthAt = 14;
constexpr size_t kHintHeaderBytes = 1 + 1 + 4 + 8 + 4;
static_assert(kHintKeyLengthAt + 4 == kHintHeaderBytes);

void put_be(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_be(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

uint64_t checksum(std::string_view db_key, std::string_view covered) {
  return XXH64(covered.data(), covered.size(), XXH64(db_key.data(), db_key.size(), 0));
}

Status from_rocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::ok();
  return Status::io("rocksdb: " + s.ToString());
}

}  // namespace

struct RocksStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* records = nullptr;  // owned by db
  rocksdb::ColumnFamilyHandle* hints = nullptr;    // owned by db
  rocksdb::WriteOptions write_options;

  ~Impl() {
    if (!db) return;
    for (auto* h : {records, hints}) {
      if (h) db->DestroyColumnFamilyHandle(h);
    }
    db->Close();
  }
};

std::string RocksStore::encode_key(std::string_view key) {
  std::string out;
  out.reserve(kKeyPrefixBytes + key.size());
  put_be(&out, token_of(key), 8);
  out.append(key);
  return out;
}

std::string RocksStore::encode_value(std::string_view db_key, const Record& r) {
  FL_ASSERT(!r.tombstone || r.value.empty());
  std::string out;
  out.reserve(kValueHeaderBytes + r.value.size() + kChecksumBytes);
  out.push_back(static_cast<char>(kValueFormat));
  out.push_back(static_cast<char>(r.tombstone ? kFlagTombstone : 0));
  put_be(&out, static_cast<uint64_t>(r.version.timestamp_us), 8);
  put_be(&out, r.version.coordinator_id, 4);
  put_be(&out, static_cast<uint64_t>(r.local_deletion_time_ms), 8);
  put_be(&out, r.value.size(), 4);
  out.append(r.value);
  put_be(&out, checksum(db_key, out), 8);
  return out;
}

Status RocksStore::decode(std::string_view db_key, std::string_view v, Record* out) {
  auto corrupt = [&](const std::string& why) {
    std::string_view key = db_key.size() >= kKeyPrefixBytes ? db_key.substr(kKeyPrefixBytes) : db_key;
    return Status::io("corrupt record for key '" + std::string(key) + "': " + why);
  };
  if (db_key.size() < kKeyPrefixBytes) return corrupt("DB key shorter than its token prefix");
  std::string_view key = db_key.substr(kKeyPrefixBytes);
  if (get_be(db_key, 0, 8) != token_of(key)) return corrupt("token prefix does not match the key");
  if (v.size() < kValueHeaderBytes + kChecksumBytes) return corrupt("value of " + std::to_string(v.size()) + " bytes is too short");
  if (static_cast<uint8_t>(v[0]) != kValueFormat) return corrupt("unknown format byte " + std::to_string(static_cast<uint8_t>(v[0])));
  const uint8_t flags = static_cast<uint8_t>(v[1]);
  if (flags & ~kFlagTombstone) return corrupt("unknown flags " + std::to_string(flags));
  const uint64_t len = get_be(v, 22, 4);
  if (v.size() != kValueHeaderBytes + len + kChecksumBytes) return corrupt("value length does not match its size");
  const size_t sum_at = kValueHeaderBytes + len;
  if (get_be(v, sum_at, 8) != checksum(db_key, v.substr(0, sum_at))) return corrupt("checksum mismatch");
  Record r;
  r.key = std::string(key);
  r.tombstone = flags & kFlagTombstone;
  r.version.timestamp_us = static_cast<int64_t>(get_be(v, 2, 8));
  r.version.coordinator_id = static_cast<NodeId>(get_be(v, 10, 4));
  r.local_deletion_time_ms = static_cast<int64_t>(get_be(v, 14, 8));
  r.value = std::string(v.substr(kValueHeaderBytes, len));
  if (r.tombstone && !r.value.empty()) return corrupt("tombstone carries a value");
  *out = std::move(r);
  return Status::ok();
}

Status RocksStore::open(const std::string& dir, bool fsync, std::unique_ptr<RocksStore>* out) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;
  // Many nodes share one small machine in a run; stay frugal.
  options.max_background_jobs = 1;
  // RocksDB preallocates each WAL file at 1.1 x write_buffer_size (64 MB by
  // default) and the MANIFEST at 4 MB: about 75 MB of disk per node before a
  // single write, left behind by every interrupted run. A node holds little
  // data, so small buffers cost nothing.
  constexpr size_t kWriteBufferBytes = 4 << 20;
  options.manifest_preallocation_size = 256 << 10;
  rocksdb::ColumnFamilyOptions family;
  family.write_buffer_size = kWriteBufferBytes;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, family},
                                                           {"hints", family}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &handles, &db);
  if (!s.ok()) return Status::io("cannot open RocksDB in " + dir + ": " + s.ToString());
  auto impl = std::make_unique<Impl>();
  impl->db.reset(db);
  impl->records = handles[0];
  impl->hints = handles[1];
  impl->write_options.sync = fsync;
  impl->write_options.disableWAL = false;
  std::unique_ptr<RocksStore> store(new RocksStore(std::move(impl)));
  // Count entries without decoding them: a corrupt value must not stop the
  // node from starting; it is reported when read.
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[0]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++store->count_;
  if (!it->status().ok()) return from_rocks(it->status());
  it.reset();
  *out = std::move(store);
  return Status::ok();
}

RocksStore::RocksStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksStore::~RocksStore() = default;

Status RocksStore::get(std::string_view key, std::optional<Record>* out) {
  const std::string db_key = encode_key(key);
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->records, db_key, &v);
  if (s.IsNotFound()) {
    out->reset();
    return Status::ok();
  }
  if (!s.ok()) return from_rocks(s);
  Record r;
  Status d = decode(db_key, v, &r);
  if (!d) return d;
  *out = std::move(r);
  return Status::ok();
}

Status RocksStore::put(const Record& r) {
  const std::string db_key = encode_key(r.key);
  return from_rocks(impl_->db->Put(impl_->write_options, impl_->records, db_key, encode_value(db_key, r)));
}

Status RocksStore::apply(const Record& r, bool* changed, std::optional<Record>* replaced) {
  if (changed) *changed = false;
  std::optional<Record> current;
  // A corrupt stored copy is replaced by any valid incoming record rather
  // than blocking writes to the key forever.
  Status g = get(r.key, &current);
  if (g && current && !lww_wins(r, *current)) return Status::ok();
  Status p = put(r);
  if (!p) return p;
  if (g && !current) ++count_;
  if (changed) *changed = true;
  if (replaced) *replaced = g ? std::move(current) : std::nullopt;
  return Status::ok();
}

Status RocksStore::for_each_in_tokens(Token first, Token last, const std::function<void(const Record&)>& fn) {
  FL_ASSERT(first <= last);
  // DB keys start with the 8-byte big-endian token, so byte order is token order.
  std::string start;
  put_be(&start, first, 8);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->records));
  for (it->Seek(start); it->Valid(); it->Next()) {
    const std::string_view db_key = it->key().ToStringView();
    if (db_key.size() < kKeyPrefixBytes || get_be(db_key, 0, 8) > last) break;
    Record r;
    Status d = decode(db_key, it->value().ToStringView(), &r);
    if (!d) return d;
    fn(r);
  }
  return from_rocks(it->status());
}

Status RocksStore::purge(const Record& expected, bool* removed) {
  if (removed) *removed = false;
  std::optional<Record> current;
  if (Status g = get(expected.key, &current); !g) return g;
  if (!current || current->version != expected.version || current->tombstone != expected.tombstone) {
    return Status::ok();
  }
  Status d = from_rocks(impl_->db->Delete(impl_->write_options, impl_->records, encode_key(expected.key)));
  if (!d) return d;
  --count_;
  if (removed) *removed = true;
  return Status::ok();
}

Status RocksStore::for_each(const std::function<void(const Record&)>& fn) {
  return for_each_in_tokens(0, std::numeric_limits<Token>::max(), fn);
}

}  // namespace faultline

namespace faultline {

std::string RocksStore::encode_hint(const Hint& h) {
  std::string out;
  out.push_back(static_cast<char>(kHintFormat));
  out.push_back(static_cast<char>(h.handoff ? kHintFlagHandoff : 0));
  put_be(&out, h.target, 4);
  put_be(&out, static_cast<uint64_t>(h.created_ms), 8);
  put_be(&out, h.record.key.size(), 4);
  out.append(h.record.key);
  out.append(encode_value(encode_key(h.record.key), h.record));
  return out;
}

Status RocksStore::decode_hint(std::string_view db_key, std::string_view v, Hint* out) {
  auto corrupt = [&](const std::string& why) {
    const std::string seq = db_key.size() == 8 ? std::to_string(get_be(db_key, 0, 8)) : "?";
    return Status::io("corrupt hint " + seq + ": " + why);
  };
  if (db_key.size() != 8) return corrupt("DB key is not 8 bytes");
  if (v.size() < kHintHeaderBytes) return corrupt("value of " + std::to_string(v.size()) + " bytes is too short");
  if (static_cast<uint8_t>(v[0]) != kHintFormat) return corrupt("unknown format byte");
  const uint8_t flags = static_cast<uint8_t>(v[1]);
  if (flags & ~kHintFlagHandoff) return corrupt("unknown flags " + std::to_string(flags));
  const uint64_t key_len = get_be(v, kHintKeyLengthAt, 4);
  if (v.size() < kHintHeaderBytes + key_len) return corrupt("record key length exceeds the value");
  Hint h;
  h.seq = get_be(db_key, 0, 8);
  h.handoff = flags & kHintFlagHandoff;
  h.target = static_cast<NodeId>(get_be(v, kHintTargetAt, 4));
  h.created_ms = static_cast<int64_t>(get_be(v, kHintCreatedAt, 8));
  const std::string record_db_key = encode_key(v.substr(kHintHeaderBytes, key_len));
  if (Status s = decode(record_db_key, v.substr(kHintHeaderBytes + key_len), &h.record); !s) {
    return corrupt(s.message());
  }
  *out = std::move(h);
  return Status::ok();
}

Status RocksStore::put_hint(const Hint& h) {
  std::string key;
  put_be(&key, h.seq, 8);
  return from_rocks(impl_->db->Put(impl_->write_options, impl_->hints, key, encode_hint(h)));
}

Status RocksStore::delete_hint(uint64_t seq) {
  std::string key;
  put_be(&key, seq, 8);
  return from_rocks(impl_->db->Delete(impl_->write_options, impl_->hints, key));
}

Status RocksStore::for_each_hint(const std::function<void(const Hint&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->hints));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Hint h;
    Status d = decode_hint(it->key().ToStringView(), it->value().ToStringView(), &h);
    if (!d) return d;
    fn(h);
  }
  return from_rocks(it->status());
}

}  // namespace faultline
