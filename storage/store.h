// Store: overtone's persistent state in one RocksDB instance.
//
// Column families (key layouts in docs/FORMAT.md):
//   default   metadata: format version, next series id
//   series    series id -> canonical label encoding (the series catalog)
//   postings  (label name, label value, series id) -> "" (inverted index)
//   samples   (series id, timestamp) -> float64 bits (raw samples)
//   segments  (series id, last timestamp) -> segment (codec/segment.h)
//   summaries (series id, last timestamp) -> the segment's summary (codec/summary.h)
//
// One series' samples in a time range are one contiguous key range, read
// with a bounded iterator. Every mutation goes through a Batch, committed
// atomically through RocksDB's write-ahead log.
//
// This header names no RocksDB type beyond forward declarations: the rest of
// overtone sees only Status, labels and samples.

#ifndef OVERTONE_STORAGE_STORE_H_
#define OVERTONE_STORAGE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Iterator;
class WriteBatch;
class Cache;
class Slice;
class Snapshot;
}  // namespace rocksdb

namespace overtone::storage {

inline constexpr uint32_t kFormatVersion = 1;

struct StoreOptions {
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;
  bool sync = false;
  size_t block_cache_bytes = 64u << 20;
  size_t write_buffer_bytes = 64u << 20;
};

// Canonical encoding of a normalized label set: for each label in name
// order, varint length + name, varint length + value. Equal label sets have
// equal encodings.
std::string EncodeLabels(const Labels& labels);
void AppendLabels(const Labels& labels, std::string* out);
bool DecodeLabels(std::string_view in, Labels* labels);

class Store;
class HeldLockFile;  // lock_file.h

// Mutations applied atomically by Store::Commit.
class Batch {
 public:
  explicit Batch(const Store* store);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Catalog entry and one posting per label.
  void PutSeries(SeriesId id, const Labels& labels);
  // Removes the catalog entry, the postings and every sample of the series.
  void DeleteSeries(SeriesId id, const Labels& labels);
  void PutSample(SeriesId id, int64_t ts, double value);
  // Removes samples with min_ts <= ts <= max_ts (one range tombstone).
  void DeleteSamples(SeriesId id, int64_t min_ts, int64_t max_ts);
  // Removes the one sample at ts (a point tombstone). Sealing deletes the
  // samples it read this way: every range tombstone in the memtable is
  // re-fragmented by every new iterator until the memtable is flushed, so
  // one per sealed series made sealing and the queries after it
  // O(series^2).
  void DeleteSample(SeriesId id, int64_t ts);
  void SetNextSeriesId(SeriesId next);
  // A segment is keyed by its series and its last timestamp.
  void PutSegment(SeriesId id, int64_t max_ts, std::string_view segment);
  void DeleteSegment(SeriesId id, int64_t max_ts);
  // A segment's summary has the segment's key.
  void PutSummary(SeriesId id, int64_t max_ts, std::string_view summary);
  void DeleteSummary(SeriesId id, int64_t max_ts);

  size_t Count() const;
  void Clear();

 private:
  friend class Store;
  const Store* store_;
  std::unique_ptr<rocksdb::WriteBatch> rep_;
};

// A consistent point-in-time view for reads that combine several cursors
// (segments and raw samples): what compaction moves between them is seen
// exactly once.
class ReadView {
 public:
  ReadView(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;
  const rocksdb::Snapshot* snapshot() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

// Iterates one series' raw samples, ascending by timestamp.
class SampleCursor {
 public:
  // Scans [lower, upper) of `cf`; counts every sample read in `scanned`.
  SampleCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const ReadView* view, std::string lower,
               std::string upper, std::atomic<uint64_t>* scanned);
  ~SampleCursor();

  bool Valid() const { return valid_; }
  void Next();
  Sample sample() const { return current_; }
  Status status() const { return status_; }

 private:
  void Load();

  std::string upper_;  // RocksDB keeps a pointer to the bound: the cursor owns it
  std::unique_ptr<rocksdb::Slice> upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::atomic<uint64_t>* scanned_;
  bool valid_ = false;
  Sample current_;
  Status status_;
};

// Iterates stored segments (or summaries) in key order: (series id, last
// timestamp).
class SegmentCursor {
 public:
  SegmentCursor(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const ReadView* view, std::string lower,
                std::string upper);
  ~SegmentCursor();

  bool Valid() const { return valid_; }
  void Next();
  SeriesId series() const { return series_; }
  int64_t max_ts() const { return max_ts_; }
  // The segment's bytes; valid until Next().
  std::string_view bytes() const;
  Status status() const { return status_; }

 private:
  void Load();

  std::string upper_;
  std::unique_ptr<rocksdb::Slice> upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool valid_ = false;
  SeriesId series_ = 0;
  int64_t max_ts_ = 0;
  Status status_;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options, const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Status Commit(Batch* batch);

  // The next unused series id (1 for a new database).
  Result<SeriesId> ReadNextSeriesId();

  // Calls fn for every series in the catalog, ascending by id.
  Status ForEachSeries(const std::function<Status(SeriesId, const Labels&)>& fn);
  // Calls fn for every series with label name=value, ascending by id.
  Status ForEachPosting(std::string_view name, std::string_view value,
                        const std::function<void(SeriesId)>& fn);
  // Calls fn once for each distinct value of label `name`, ascending.
  Status ForEachLabelValue(std::string_view name, const std::function<void(std::string_view)>& fn);
  // Calls fn for every posting (label name, value, series id) in key order.
  Status ForEachPostingEntry(const std::function<void(std::string_view, std::string_view, SeriesId)>& fn);
  // Calls fn for every raw sample of every series, in key order; a key or
  // value of the wrong size is Corruption.
  Status ForEachRawSample(const std::function<void(SeriesId, const Sample&)>& fn);
  // RocksDB's own check of every stored block's checksum.
  Status VerifyChecksums();
  // Calls fn once for each distinct label name, ascending.
  Status ForEachLabelName(const std::function<void(std::string_view)>& fn);

  std::unique_ptr<ReadView> NewReadView();

  // Raw samples of `id` with min_ts <= ts <= max_ts; `view` may be null
  // (then the cursor sees the latest data).
  std::unique_ptr<SampleCursor> NewSampleCursor(SeriesId id, int64_t min_ts, int64_t max_ts,
                                                const ReadView* view = nullptr);
  // Segments of `id` whose last timestamp is >= min_last_ts, ascending.
  std::unique_ptr<SegmentCursor> NewSegmentCursor(SeriesId id, int64_t min_last_ts,
                                                  const ReadView* view = nullptr);
  // Every segment of every series.
  std::unique_ptr<SegmentCursor> NewAllSegmentsCursor(const ReadView* view = nullptr);
  // Summaries of `id` whose segment's last timestamp is >= min_last_ts.
  std::unique_ptr<SegmentCursor> NewSummaryCursor(SeriesId id, int64_t min_last_ts,
                                                  const ReadView* view = nullptr);
  // The segment of `id` whose last timestamp is max_ts; NotFound if none.
  Result<std::string> GetSegment(SeriesId id, int64_t max_ts, const ReadView* view = nullptr);
  // Every summary of every series.
  std::unique_ptr<SegmentCursor> NewAllSummariesCursor(const ReadView* view = nullptr);

  Status Flush();
  // Flushes and compacts the raw samples family, so that samples deleted by
  // sealing stop costing reads (iterators step over deleted keys one by one
  // until RocksDB compacts them away).
  Status CompactRawSamples();
  // RocksDB's estimate of the keys in the raw samples family (live samples
  // plus tombstones not yet compacted away).
  uint64_t EstimateRawSamples() const;
  uint64_t DiskBytes() const;
  uint64_t samples_scanned() const { return samples_scanned_.load(std::memory_order_relaxed); }
  bool read_only() const { return options_.read_only; }

 private:
  Store(const StoreOptions& options, std::string path);
  friend class Batch;
  Status OpenDb();
  Status CheckFormatVersion();

  StoreOptions options_;
  std::string path_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // indexed by Family
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<HeldLockFile> held_lock_file_;  // while open for writing
  mutable std::atomic<uint64_t> samples_scanned_{0};
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_STORE_H_
