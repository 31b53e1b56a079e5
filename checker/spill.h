// External memory for the checker's per-written-value tables, so that a
// history of any length is checked within a fixed memory budget
// (CheckOptions::memory_budget_bytes). Internal to checker/.
//
// - SpillDir: one temporary directory per check (under CheckOptions::
//   spill_parent, default $TMPDIR), created only when something spills and
//   removed, with everything in it, when the last owner lets go (also when a
//   property throws: every owner is RAII).
// - ValueLog: an append-only store of strings (values a witness may need),
//   kept in memory up to its budget and appended to one file beyond it; a
//   string is named by its offset and length.
// - ExternalSorter<T, Less>: collects fixed-size records, sorts chunks of at
//   most its budget in memory, writes each sorted chunk as a run file when it
//   fills, and merges the runs (at most kMergeFanInMax at a time, so a merge
//   needs at most that many read buffers) into one sorted stream. Nothing
//   touches the disk while everything fits the budget. n log n comparisons,
//   O(log_fanin(runs)) passes over the spilled bytes.
//
// I/O errors throw std::runtime_error naming the file; the property runner
// turns that into unknown. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace faultline {

// Two independent 64-bit hashes of a value: values with equal pairs are
// treated as equal (a false merge needs a 128-bit collision, ~2^-128 per pair).
struct ValueHash {
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  auto operator<=>(const ValueHash&) const = default;
  bool operator==(const ValueHash&) const = default;
};
ValueHash value_hash(std::string_view value);

class SpillDir {
 public:
  // parent: where the directory goes; empty: std::filesystem::temp_directory_path().
  explicit SpillDir(std::string parent) : parent_(std::move(parent)) {}
  ~SpillDir();
  SpillDir(const SpillDir&) = delete;
  SpillDir& operator=(const SpillDir&) = delete;

  // A fresh file path inside the directory (created on first use); `tag`
  // names what it holds. Throws when the directory cannot be created.
  std::string new_file(std::string_view tag);
  // How many files new_file handed out: zero when nothing spilled.
  int64_t files_created() const { return files_created_; }

 private:
  std::string parent_;
  std::string path_;  // empty until created
  int64_t files_created_ = 0;
};

// Raw binary files for runs and logs; every failure throws naming the file.
class SpillWriter {
 public:
  // append: add to the file instead of truncating it.
  explicit SpillWriter(std::string path, bool append = false);
  ~SpillWriter();
  void write(const void* data, size_t bytes);
  void close();  // flushes; throws on a write error
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

class SpillReader {
 public:
  explicit SpillReader(std::string path);
  ~SpillReader();
  // Reads up to `bytes`; returns how many (0 at end). Throws on error.
  size_t read(void* data, size_t bytes);
  // Exactly `bytes` at `offset`. Throws on error or short read.
  void pread(uint64_t offset, void* data, size_t bytes);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

class ValueLog {
 public:
  ValueLog(std::shared_ptr<SpillDir> dir, size_t budget_bytes, std::string tag)
      : dir_(std::move(dir)), budget_bytes_(budget_bytes), tag_(std::move(tag)) {}
  struct Ref {
    uint64_t offset = 0;
    uint32_t size = 0;
  };
  Ref append(std::string_view s);
  std::string get(Ref r);

 private:
  void spill();

  std::shared_ptr<SpillDir> dir_;
  size_t budget_bytes_;
  std::string tag_;
  std::string memory_;          // bytes from spilled_bytes_ on
  uint64_t spilled_bytes_ = 0;  // bytes in the file
  std::string path_;            // the file, once something spilled
  std::unique_ptr<SpillReader> reader_;  // reset by every spill
};

// At most this many runs are merged at once (bounds open files and buffers).
inline constexpr size_t kMergeFanInMax = 16;
// A chunk holds at least this many records however small the budget.
inline constexpr size_t kChunkRecordsMin = 16;

// Less must be a strict total order on the records that occur, so that the
// output is the same whether or not anything spilled.
template <typename T, typename Less>
class ExternalSorter {
  static_assert(std::is_trivially_copyable_v<T>, "records are written to disk as bytes");

 public:
  ExternalSorter(std::shared_ptr<SpillDir> dir, size_t budget_bytes, std::string tag)
      : dir_(std::move(dir)),
        chunk_records_max_(std::max(kChunkRecordsMin, budget_bytes / sizeof(T))),
        tag_(std::move(tag)) {}

  void add(const T& record) {
    if (chunk_.size() == chunk_.capacity() && chunk_.size() < chunk_records_max_) {
      chunk_.reserve(std::min(chunk_records_max_, std::max<size_t>(64, 2 * chunk_.size())));
    }
    chunk_.push_back(record);
    if (chunk_.size() >= chunk_records_max_) spill_chunk();
  }
  size_t runs() const { return runs_.size(); }

  // Calls f(const T&) for every record added, in Less order, and empties the
  // sorter.
  template <typename F>
  void drain(F f) {
    if (runs_.empty()) {
      std::sort(chunk_.begin(), chunk_.end(), Less{});
      for (const T& r : chunk_) f(r);
      std::vector<T>().swap(chunk_);
      return;
    }
    if (!chunk_.empty()) spill_chunk();
    std::vector<T>().swap(chunk_);
    while (runs_.size() > kMergeFanInMax) {
      std::vector<std::string> group(runs_.begin(), runs_.begin() + kMergeFanInMax);
      runs_.erase(runs_.begin(), runs_.begin() + kMergeFanInMax);
      SpillWriter out(dir_->new_file(tag_ + "-run"));
      merge(group, [&](const T& r) { out.write(&r, sizeof(T)); });
      out.close();
      runs_.push_back(out.path());
    }
    std::vector<std::string> last = std::move(runs_);
    runs_.clear();
    merge(last, f);
  }

 private:
  // One run being merged: a read buffer of up to block_records records.
  struct Cursor {
    std::unique_ptr<SpillReader> reader;
    std::vector<T> block;
    size_t next = 0;
    bool refill(size_t block_records) {
      block.resize(block_records);
      size_t bytes = reader->read(block.data(), block_records * sizeof(T));
      if (bytes % sizeof(T) != 0) throw std::runtime_error("truncated record in spill file " + reader->path());
      block.resize(bytes / sizeof(T));
      next = 0;
      return !block.empty();
    }
  };

  void spill_chunk() {
    std::sort(chunk_.begin(), chunk_.end(), Less{});
    SpillWriter out(dir_->new_file(tag_ + "-run"));
    out.write(chunk_.data(), chunk_.size() * sizeof(T));
    out.close();
    runs_.push_back(out.path());
    chunk_.clear();
  }

  // Merges the sorted run files `paths` into f, then deletes them.
  template <typename F>
  void merge(const std::vector<std::string>& paths, F f) {
    // The budget that held one chunk is shared by the read buffers.
    size_t block_records = std::max<size_t>(1, chunk_records_max_ / paths.size());
    std::vector<Cursor> cursors(paths.size());
    using Head = std::pair<T, size_t>;  // record, cursor
    auto later = [](const Head& a, const Head& b) { return Less{}(b.first, a.first); };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
    for (size_t i = 0; i < paths.size(); ++i) {
      cursors[i].reader = std::make_unique<SpillReader>(paths[i]);
      if (cursors[i].refill(block_records)) heads.push({cursors[i].block[0], i});
    }
    while (!heads.empty()) {
      auto [record, i] = heads.top();
      heads.pop();
      f(record);
      Cursor& c = cursors[i];
      if (++c.next < c.block.size() || c.refill(block_records)) heads.push({c.block[c.next], i});
    }
    cursors.clear();
    for (const std::string& p : paths) std::remove(p.c_str());
  }

  std::shared_ptr<SpillDir> dir_;
  const size_t chunk_records_max_;
  const std::string tag_;
  std::vector<T> chunk_;
  std::vector<std::string> runs_;  // sorted run files, oldest first
};

}  // namespace faultline
