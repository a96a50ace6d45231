// Store: overtone's persistent state in one RocksDB instance.
//
// Column families (key layouts in docs/FORMAT.md):
//   default   metadata: format version, next series id
//   series    series id -> canonical label encoding (the series catalog)
//   postings  (label name, label value, series id) -> "" (inverted index)
//   samples   (series id, timestamp) -> float64 bits (raw samples)
//   segments  (series id, last timestamp) -> segment (codec/segment.h), and
//             (0, column key) -> shared timestamp column (codec/timestamp_column.h)
//   summaries (series id, last timestamp) -> the segment's summary (codec/summary.h)
// and, in `default`, three small record spaces (RecordSpace): the metric
// metadata, the push groups and the read hints.
//
// One series' samples in a time range are one contiguous key range, read
// with a bounded iterator. Every mutation goes through a Batch, committed
// atomically through RocksDB's write-ahead log.
//
// This header names no RocksDB type beyond forward declarations: the rest of
// overtone sees only Status, labels and samples.
//
// Storage faults (store_recovery.cc): a write, flush or compaction that
// fails because the disk is full (Status::NoSpace) or failing
// (Status::IOError) puts the store in a failing state. Writes then fail at
// once with that fault, without calling into RocksDB again; reads keep
// answering. A background thread brings writes back: every second it tries
// a small write, and when RocksDB has not recovered by itself it closes and
// reopens the database once there is free space. RocksDB's own recovery
// (DB::Resume()) does not bring a failed write-ahead log back in the
// version Debian ships, and cannot lift a fatal I/O error; a reopen
// does both, replaying the write-ahead log up to the last whole record, so
// nothing acknowledged is lost. Every RocksDB object the store hands out
// (cursors, read views, batches) pins the open database, so a reopen waits
// until none is in use.

#ifndef OVERTONE_STORAGE_STORE_H_
#define OVERTONE_STORAGE_STORE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
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
class FileSystem;
class Env;
}  // namespace rocksdb

namespace overtone::storage {

// 2: segments may refer to shared timestamp columns. 3: summaries (format
// 2) without quantile points, FLAC values with bare frames (value codec 4).
// 4: shared timestamp columns with a frame index (column codec 4).
// Version 1 to 3 databases open, and a writer marks them 4 (what they
// hold, 4 reads alike).
inline constexpr uint32_t kFormatVersion = 4;
inline constexpr uint32_t kOldestFormatVersion = 1;
// The series id under which shared timestamp columns are kept in the
// segments family: ids start at 1, so no series has it.
inline constexpr SeriesId kTimestampColumnSeries = 0;

struct StoreOptions {
  bool create_if_missing = true;
  bool error_if_exists = false;
  // Open without writing. Beside a writer that holds the LOCK file, or with
  // `secondary`, the Store is a RocksDB secondary instance that CatchUp()
  // brings up to date; else a fixed read-only view of what was there.
  bool read_only = false;
  bool secondary = false;  // with read_only: always a secondary instance
  bool sync = false;
  size_t block_cache_bytes = 64u << 20;
  size_t write_buffer_bytes = 64u << 20;
  // Decoded shared timestamp columns kept in memory, in timestamps (8 bytes each).
  size_t timestamp_column_cache = size_t{4} << 20;
  // When not 0: every memtable together stops at this many bytes (RocksDB
  // flushes the largest past it), and memtables are charged to the block
  // cache, so that block_cache_bytes bounds reads and writes together.
  size_t all_write_buffers_bytes = 0;
  // The file system RocksDB reads and writes through; null: the machine's.
  // A hook for tests that make the disk fail on purpose.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

// Canonical encoding of a normalized label set: for each label in name
// order, varint length + name, varint length + value. Equal label sets have
// equal encodings.
std::string EncodeLabels(const Labels& labels);
void AppendLabels(const Labels& labels, std::string* out);
bool DecodeLabels(std::string_view in, Labels* labels);

class Store;
class HeldLockFile;           // lock_file.h
class TimestampColumnCache;   // timestamp_column_cache.h
class FramedTimestampColumn;  // timestamp_column_cache.h
struct SegmentView;           // codec/segment.h
// As codec/segment.h declares it.
using ValueBlockDecoder =
    std::function<Status(const SegmentView& view, size_t begin, size_t end, std::vector<double>* out)>;
using TimestampColumnPtr = std::shared_ptr<const std::vector<int64_t>>;
using FramedTimestampColumnPtr = std::shared_ptr<FramedTimestampColumn>;

// A shared column as a read of part of it finds it: exactly one is set.
struct TimestampColumnForRange {
  TimestampColumnPtr whole;         // decoded whole
  FramedTimestampColumnPtr framed;  // read a frame at a time
};

// The record spaces kept in the default family, each a prefix of its own
// (docs/FORMAT.md): few records, read whole or by key.
enum class RecordSpace {
  kMetricMetadata,  // metric family name -> type, help, unit
  kPushGroup,       // grouping key labels -> the label sets of the group's series
  kReadHint,        // what reads of this database asked for before, for the next open
};

// Held by whatever uses the open RocksDB instance: a reopen after a storage
// fault waits until no pin is held.
using StorePin = std::shared_lock<std::shared_mutex>;

// Mutations applied atomically by Store::Commit.
class Batch {
 public:
  explicit Batch(const Store* store);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Catalog entry and one posting per label.
  void PutSeries(SeriesId id, const Labels& labels);
  // The same for a label set already encoded (EncodeLabels' bytes, which
  // become the catalog entry as they are). REQUIRES: a well-formed encoding.
  void PutSeries(SeriesId id, std::string_view encoded);
  // Removes the catalog entry, the postings and every sample of the series.
  void DeleteSeries(SeriesId id, const Labels& labels);
  void PutSample(SeriesId id, int64_t ts, double value);
  // Room for n more samples: a batch of many allocates once.
  void ReserveSamples(size_t n);
  // Removes samples with min_ts <= ts <= max_ts (one range tombstone).
  void DeleteSamples(SeriesId id, int64_t min_ts, int64_t max_ts);
  // Removes every sample from (first_id, first_ts) to (last_id, last_ts),
  // both included, across series (one range tombstone): sealing deletes a
  // run of fully sealed series this way, having read every key between.
  void DeleteSamplesAcross(SeriesId first_id, int64_t first_ts, SeriesId last_id, int64_t last_ts);
  // Removes the one sample at ts (a point tombstone). Every range
  // tombstone in the memtable is re-fragmented by every new iterator until
  // the memtable is flushed, so sealing deletes the samples of a short
  // series this way (one range tombstone per sealed series made sealing and
  // the queries after it O(series^2)), and a long series' with one range
  // tombstone followed by a flush (compactor.h).
  void DeleteSample(SeriesId id, int64_t ts);
  void SetNextSeriesId(SeriesId next);
  void SetDeletedSeriesCount(uint64_t count);
  // A segment is keyed by its series and its last timestamp.
  void PutSegment(SeriesId id, int64_t max_ts, std::string_view segment);
  void DeleteSegment(SeriesId id, int64_t max_ts);
  // A shared timestamp column under its key (codec/timestamp_column.h).
  void PutTimestampColumn(uint64_t key, std::string_view column);
  void DeleteTimestampColumn(uint64_t key);
  // A segment's summary has the segment's key.
  void PutSummary(SeriesId id, int64_t max_ts, std::string_view summary);
  void DeleteSummary(SeriesId id, int64_t max_ts);
  // A record of a small keyspace (RecordSpace).
  void PutRecord(RecordSpace space, std::string_view key, std::string_view value);
  void DeleteRecord(RecordSpace space, std::string_view key);

  size_t Count() const;
  void Clear();

 private:
  friend class Store;
  // Puts the postings PutSeries collected, in key order.
  void ApplyPostings();
  // Moves the samples PutSample encoded into rep_, after what is there.
  void ApplySamples();
  // rep_, with the samples put so far in it: for every other operation.
  rocksdb::WriteBatch* Rep();

  StorePin pin_;  // first: released last
  const Store* store_;
  std::unique_ptr<rocksdb::WriteBatch> rep_;
  // PutSeries' postings, put by ApplyPostings. The label sets' encodings
  // are copied to posting_labels_; each distinct label pair in them is one
  // PostingPair, found again by the hash of its encoded bytes through
  // pair_slots_ (open addressing, power-of-two size: a pair's index + 1, 0
  // when empty); posting_ids_ holds (pair index, series id) in put order.
  // Flat arrays rather than a map of strings to vectors: a map allocated a
  // key, a node and a vector for every new pair, and a new series usually
  // brings one (its instance).
  struct PostingPair {
    size_t offset;         // of the encoded pair in posting_labels_
    uint32_t size;         // of the encoded pair
    uint32_t name_offset;  // name and value, relative to offset
    uint32_t name_size;
    uint32_t value_offset;
    uint32_t value_size;
    uint64_t hash;  // XXH3 of the encoded pair
  };
  // The index of the pair `pair` describes, added when new.
  uint32_t PostingPairIndex(const PostingPair& pair);
  void ClearPostings();
  std::string posting_labels_;
  std::vector<PostingPair> posting_pairs_;
  std::vector<uint32_t> pair_slots_;
  std::vector<std::pair<uint32_t, SeriesId>> posting_ids_;
  // PutSample's records, encoded as rep_ encodes them, not yet in rep_,
  // after 12 bytes left for a rep's header.
  std::string samples_;
  uint32_t sample_count_ = 0;
  uint32_t sample_family_id_;
  bool dropped_ = false;  // made while the database was closed: Commit fails
};

// A consistent point-in-time view for reads that combine several cursors
// (segments and raw samples): what compaction moves between them is seen
// exactly once.
//
// A secondary instance (Store::CatchUp) has no snapshots, but its state
// changes only when it catches up: there a view holds no snapshot, and
// CatchUp waits for a moment when no view is alive (see CatchUp).
class ReadView {
 public:
  // db null: the database is closed after a storage fault; reads through
  // this view fail. `live_views`: a secondary's count of live views, else null.
  ReadView(StorePin pin, rocksdb::DB* db, const rocksdb::Snapshot* snapshot, std::atomic<int>* live_views)
      : pin_(std::move(pin)), db_(db), snapshot_(snapshot), live_views_(live_views) {}
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;
  const rocksdb::Snapshot* snapshot() const { return snapshot_; }

 private:
  StorePin pin_;
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  std::atomic<int>* live_views_;
};

// Iterates one series' raw samples, ascending by timestamp.
class SampleCursor {
 public:
  // Scans [lower, upper) of `cf`; counts every sample read in `scanned`.
  // db null: the database is closed after a storage fault (status() says so).
  SampleCursor(StorePin pin, rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const ReadView* view,
               std::string lower, std::string upper, std::atomic<uint64_t>* scanned);
  ~SampleCursor();

  bool Valid() const { return valid_; }
  void Next();
  // Moves to the first sample of series `id` at or after min_ts. On a
  // cursor from Store::NewSeriesSeekCursor it then stays in that series.
  void Seek(SeriesId id, int64_t min_ts);
  Sample sample() const { return current_; }
  Status status() const { return status_; }

 private:
  void Load();

  StorePin pin_;       // first: released last
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
  SegmentCursor(StorePin pin, rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const ReadView* view,
                std::string lower, std::string upper);
  ~SegmentCursor();

  bool Valid() const { return valid_; }
  void Next();
  // Moves to the first key at or after (id, min_last_ts), within the
  // cursor's upper bound.
  void Seek(SeriesId id, int64_t min_last_ts);
  // Moves to the last key at or before (id, max_last_ts): the newest
  // segment of `id` ending at or before max_last_ts, or a key of an earlier
  // series (or of the shared timestamp columns, series 0) when it has none.
  void SeekForPrev(SeriesId id, int64_t max_last_ts);
  SeriesId series() const { return series_; }
  int64_t max_ts() const { return max_ts_; }
  // The segment's bytes; valid until Next().
  std::string_view bytes() const;
  Status status() const { return status_; }

 private:
  void Load();

  StorePin pin_;  // first: released last
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

  // The record `key` of `space`; NotFound when there is none.
  Result<std::string> GetRecord(RecordSpace space, std::string_view key);
  // Calls fn for every record of `space`, ascending by key.
  Status ForEachRecord(RecordSpace space,
                       const std::function<Status(std::string_view, std::string_view)>& fn);
  // The first and last timestamp of series `id`, raw samples and segments
  // together: four seeks. *any is false when it has no sample.
  Status SeriesTimeBounds(SeriesId id, int64_t* min_ts, int64_t* max_ts, bool* any);
  // RocksDB's estimate of the number of stored segments (no scan).
  uint64_t EstimateSegmentCount();

  // Raw samples of `id` with min_ts <= ts <= max_ts; `view` may be null
  // (then the cursor sees the latest data).
  std::unique_ptr<SampleCursor> NewSampleCursor(SeriesId id, int64_t min_ts, int64_t max_ts,
                                                const ReadView* view = nullptr);
  // Raw samples of one series after another, through one RocksDB iterator:
  // invalid until SampleCursor::Seek, which moves it to a series it then
  // stays in. Sealing reads every due series with one such cursor: a new
  // cursor per series cost a RocksDB iterator each, and every new iterator
  // splits the memtable's range tombstones again. (Not one walk across
  // series: the raw samples memtable is hashed by series, and an iterator
  // across series copies all of it.)
  std::unique_ptr<SampleCursor> NewSeriesSeekCursor(const ReadView* view = nullptr);
  // Segments of `id` whose last timestamp is >= min_last_ts, ascending.
  std::unique_ptr<SegmentCursor> NewSegmentCursor(SeriesId id, int64_t min_last_ts,
                                                  const ReadView* view = nullptr);
  // Every segment of every series (shared timestamp columns excluded).
  std::unique_ptr<SegmentCursor> NewAllSegmentsCursor(const ReadView* view = nullptr);

  // timestamp_columns.cc
  // The stored bytes of the shared timestamp column `key`; NotFound if none.
  Result<std::string> GetTimestampColumn(uint64_t key, const ReadView* view = nullptr);
  // Its timestamps, decoded once and then kept in a bounded cache.
  Result<TimestampColumnPtr> TimestampColumn(uint64_t key, const ReadView* view = nullptr);
  // For a read of part of a column: the column decoded whole when the cache
  // holds it so (or when it has no frame index: then decoded and cached as
  // TimestampColumn does); else the column, checked against its key, read a
  // frame at a time and kept in the cache with the frames it decodes
  // (timestamp_column_cache.h), so that the next read of the same range
  // neither reads it from the store nor decodes those frames again.
  Result<TimestampColumnForRange> TimestampColumnForRead(uint64_t key, const ReadView* view);
  // DecodeSegment for a stored segment: a shared column is read through
  // `view` (which must be the view the segment was read from, so that the
  // column it refers to is there) and the cache; for a read of part of the
  // segment, only the column's frames that hold the range are decoded
  // (TimestampColumnForRead).
  // `values`, when given, decodes the values (DecodeSegment).
  Status DecodeStoredSegment(const SegmentView& segment, int64_t min_ts, int64_t max_ts, const ReadView* view,
                             std::vector<Sample>* out, const ValueBlockDecoder* values = nullptr);
  // Calls fn for every shared timestamp column, ascending by key.
  Status ForEachTimestampColumn(const ReadView* view,
                                const std::function<Status(uint64_t, std::string_view)>& fn);
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
  // Flushes the raw samples family's memtable: its range tombstones then
  // live in a table file, split into fragments once when the file is
  // opened, rather than by every new iterator.
  Status FlushRawSamples();
  // RocksDB's estimate of the keys in the raw samples family (live samples
  // plus tombstones not yet compacted away).
  uint64_t EstimateRawSamples() const;
  uint64_t DiskBytes() const;
  uint64_t samples_scanned() const { return samples_scanned_.load(std::memory_order_relaxed); }
  bool read_only() const { return options_.read_only; }
  // Whether this Store follows a writer as a RocksDB secondary instance.
  bool secondary() const { return !secondary_dir_.empty(); }
  // A secondary: reads what the writer has written since the last call (its
  // new write-ahead log records and files). Otherwise does nothing. While a
  // ReadView is alive the view must not change under it: the catch-up is
  // then skipped (never waited for: the thread holding the view may be the
  // one asking), and the next call does it.
  Status CatchUp();
  // The process id of the writer holding the LOCK file of the database at
  // `path` (this process's own when it is the writer); 0 when nobody writes it.
  static int64_t WriterPid(const std::string& path);
  // The labels of series `id` from the catalog; NotFound when it has none.
  Status ReadSeries(SeriesId id, Labels* labels);
  // Bytes held by the block cache, memtables included when they are
  // charged to it (StoreOptions::all_write_buffers_bytes).
  size_t MemoryUsage() const;
  // Bytes held by the decoded shared timestamp columns
  // (StoreOptions::timestamp_column_cache).
  size_t TimestampColumnCacheBytes() const;
  // Ids above which a catalog scan starts: ForEachSeries from `first`.
  Status ForEachSeriesFrom(SeriesId first, const std::function<Status(SeriesId, const Labels&)>& fn);
  // How many series were ever deleted: the series index of a secondary
  // reloads when it changes (docs/FORMAT.md).
  Result<uint64_t> ReadDeletedSeriesCount();

  // OK while writes work; after a storage fault, that fault (NoSpace or
  // IOError) until writes work again.
  Status write_fault() const;
  // Writes (commits, flushes, compactions) refused for a storage fault.
  uint64_t failed_writes() const { return failed_writes_.load(std::memory_order_relaxed); }
  // Times writes came back after a fault, and how many of those took a reopen.
  uint64_t recoveries() const { return recoveries_.load(std::memory_order_relaxed); }
  uint64_t reopens() const { return reopens_.load(std::memory_order_relaxed); }

 private:
  Store(const StoreOptions& options, std::string path);
  friend class Batch;
  Status OpenDb();
  void CloseDb();
  Status CheckFormatVersion();
  StorePin Pin() const { return StorePin(db_mu_); }

  // store_recovery.cc
  // The Status for a failed RocksDB write `s`; a storage fault also puts
  // the store in the failing state and starts the recovery thread.
  Status WriteFailed(const Status& s);
  // While failing: the fault, counted as one more refused write.
  Status RefuseWrite();
  bool writes_failing() const { return writes_failing_.load(std::memory_order_acquire); }
  void RecoveryLoop();
  // One attempt: true once writes work again.
  bool TryRecover();
  void StopRecovery();

  StoreOptions options_;
  std::string path_;
  std::unique_ptr<rocksdb::Env> env_;  // over options_.file_system, when set
  std::shared_ptr<rocksdb::Cache> cache_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // indexed by Family
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<HeldLockFile> held_lock_file_;  // while open for writing
  std::string secondary_dir_;  // a secondary's own files (its info LOG): a temporary directory
  // A secondary's live ReadViews, and what NewReadView and CatchUp hold
  // while they check and change that count or the instance's state.
  std::mutex catch_up_mu_;
  std::atomic<int> live_views_{0};
  mutable std::atomic<uint64_t> samples_scanned_{0};
  std::unique_ptr<TimestampColumnCache> column_cache_;

  // Shared by every user of db_ and cfs_ (StorePin), exclusive to a reopen.
  // A reader-preferring lock (glibc's rwlock), so a thread holding a pin
  // may take another.
  mutable std::shared_mutex db_mu_;

  mutable std::mutex fault_mu_;
  std::condition_variable fault_cv_;
  Status write_fault_;  // guarded by fault_mu_
  bool recovering_ = false;
  bool closing_ = false;
  std::thread recovery_thread_;
  std::atomic<bool> writes_failing_{false};
  std::atomic<uint64_t> failed_writes_{0};
  std::atomic<uint64_t> recoveries_{0};
  std::atomic<uint64_t> reopens_{0};
};

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_STORE_H_
