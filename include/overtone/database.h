// overtone's embedding API: open a database directory, write samples, select
// series by label matchers, scan their samples, delete.
//
//   overtone::Options options;
//   auto db = overtone::Database::Open(options, "/var/lib/metrics");
//   if (!db.ok()) { ... db.status().ToString() ... }
//   overtone::WriteBatch batch;
//   batch.Add({{"__name__", "up"}, {"job", "api"}}, 1700000000000, 1.0);
//   overtone::Status s = (*db)->Write(batch);
//
// Thread safety: a Database may be used from many threads at once. A
// SampleIterator belongs to one thread. A WriteBatch is a plain value.
//
// Durability: Write() returns OK only after its batch is in the write-ahead
// log, so an acknowledged write survives a crash of the process. With
// Options::sync it is also fsync'ed and survives losing the machine.
//
// Same timestamp twice: the later write replaces the earlier one (last write
// wins), within a batch too. Out-of-order and old samples are accepted.
//
// Storage faults: when the disk is full or failing, Write() (and Compact(),
// Flush(), deletions) return Status::NoSpace or Status::IOError, and
// nothing of that write is stored; what was acknowledged before is kept, and
// reads keep answering. The database brings writes back by itself within
// seconds once the fault passes (space is freed): retry the write.
// WriteFault() tells whether writes are failing now, and why.
//
// Segments: samples start out raw; compaction seals each closed time window
// (Options::segment_span_ms, aligned to the epoch) of each series into one
// compressed segment (FLAC, XOR or raw, whichever is smallest and lossless)
// once the window ended more than Options::head_window_ms ago. Every read
// merges segments and raw samples; a late sample for a sealed window is
// accepted, visible at once, and sealed into the window's segment later.

#ifndef OVERTONE_DATABASE_H_
#define OVERTONE_DATABASE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/matcher.h"
#include "overtone/memory.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone {

inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

// How Database::Open opens a directory.
enum class OpenMode : uint8_t {
  // The one writer. Busy while another process (or another Database of this
  // one) has the directory open for writing.
  kReadWrite,
  // Reading only; several processes may. Alone, a fixed view of what was
  // there at open. Beside a writer that holds the directory, as kSecondary.
  kReadOnly,
  // Reading beside a writer (`overtone serve`), following it: CatchUp()
  // reads what the writer has written since. Writes fail with an error that
  // names the writer (its pid, and its Options::writer_note).
  kSecondary,
};

struct Options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  OpenMode open_mode = OpenMode::kReadWrite;
  bool read_only = false;  // the same as open_mode = kReadOnly
  // Who the writer is, in words ("overtone serve on 127.0.0.1:9201"): while
  // the directory is open for writing, DIR/WRITER holds this process's id
  // and this note, so that a reader beside it can say whom a refused write
  // should go to.
  std::string writer_note;
  bool sync = false;  // fsync the write-ahead log on every Write()
  size_t block_cache_bytes = 64u << 20;
  size_t write_buffer_bytes = 64u << 20;  // at least 1 MiB

  int64_t segment_span_ms = 6 * 3600 * 1000;  // length of the window one segment covers
  int64_t head_window_ms = 3600 * 1000;       // how long a closed window stays raw
  // How often the background compactor runs; 0 turns it off (Compact() still works).
  int64_t compaction_interval_ms = 60 * 1000;
  uint32_t flac_block_size = 256;  // samples per FLAC frame: the unit of partial decoding
  // Segments whose timestamps equal another segment's store them once, as a
  // shared column (docs/FORMAT.md); false keeps every segment's own copy.
  bool share_timestamp_columns = true;
  // Decoded quantile sketches kept in memory for repeated approximate queries.
  size_t summary_cache_bytes = 32u << 20;
  // Sealed segments kept as Prometheus XOR chunks for remote reads
  // that ask for them again (ScanXorChunks). 64 MiB: a Prometheus reading
  // back a day of 1700 series asks for about 50 MB of chunks, and each
  // warm read re-encoded the part that did not fit 32 MiB (a third of its
  // CPU). Held only once remote reads have asked for chunks. Under
  // memory_limit_bytes: a 32nd of the limit (64 MiB at 2 GiB).
  size_t xor_chunk_cache_bytes = 64u << 20;
  // After open, build the newest sealed segments' XOR chunks into that
  // cache in the background (each series' newest segment first, then the
  // next newest, until three quarters of the cache are used), when remote
  // reads asked this database for chunks before (a read hint the writer
  // stores, docs/FORMAT.md): a Prometheus reading its recent history back
  // from a restarted server finds the chunks ready, as it would have
  // before the restart. For long-running servers (`overtone serve` sets
  // it); a process that opens the database for one job leaves it off.
  bool warm_xor_chunks_at_open = false;
  // FLAC frames of sealed segments kept decoded for short windows read
  // again (instant queries, rules): engine/decoded_frame_cache.h.
  size_t decoded_frame_cache_bytes = 32u << 20;
  // One bound for the memory of the whole process (overtone/memory.h); 0:
  // none. When set, it replaces block_cache_bytes, write_buffer_bytes and
  // summary_cache_bytes, xor_chunk_cache_bytes and decoded_frame_cache_bytes with its shares
  // (SplitMemoryLimit), the memtables are charged to the block cache, the series index is charged to its
  // share, and Database::memory() is the accountant that an embedding
  // server charges with its requests and queries.
  size_t memory_limit_bytes = 0;
  // Sets the C library's allocator for a process that runs queries
  // (TuneAllocator, overtone/memory.h): fewer arenas, large buffers kept
  // for reuse instead of unmapped at free. false: an application that sets
  // its allocator itself keeps its settings.
  bool tune_allocator = true;
};

// A set of samples written atomically by Database::Write.
class WriteBatch {
 public:
  // Labels are normalized (sorted, empty values dropped) as they are added;
  // invalid labels fail the whole Write.
  void Add(const Labels& labels, int64_t ts, double value);
  void Add(const Labels& labels, std::span<const Sample> samples);
  // The same; kept for callers that hand their label set over.
  void Add(Labels&& labels, std::span<const Sample> samples);
  // One sample for each of many series, as a scrape or a remote write
  // request brings them: samples[i] to the series labelled label_sets[i].
  // The same as Add for each pair, but each label set is fetched into the
  // cache a few pairs before it is read: at many series, when the label
  // sets are no longer in the cache, their memory is then read several at
  // a time instead of one after another. InvalidArgument, adding nothing,
  // when the two spans' sizes differ.
  [[nodiscard]] Status AddEach(std::span<const Labels> label_sets, std::span<const Sample> samples);

  size_t num_samples() const { return samples_.size(); }
  size_t num_series() const { return series_.size(); }
  bool empty() const { return samples_.empty(); }
  // Empties the batch but keeps its memory: a batch refilled with label
  // sets like the last ones allocates nothing.
  void Clear();

 private:
  friend class DatabaseImpl;
  struct Entry {
    uint32_t series;  // index into series_
    Sample sample;
  };
  // Where a label set's encoding sits in keys_, and its hash: both made
  // while the caller's labels are in the cache, so that the write reads one
  // contiguous buffer instead of chasing each label set's strings again.
  struct SeriesKey {
    size_t offset;
    size_t size;
    uint64_t hash;  // engine::HashLabelKey of the encoding
  };
  uint32_t SeriesIndex(const Labels& labels);
  std::string_view key(size_t i) const {
    return std::string_view(keys_).substr(series_[i].offset, series_[i].size);
  }

  // The batch's label sets, normalized and in the series catalog's
  // canonical encoding (storage::EncodeLabels), back to back.
  std::string keys_;
  std::vector<SeriesKey> series_;
  std::vector<Entry> samples_;
};

struct SeriesInfo {
  SeriesId id = 0;
  Labels labels;  // includes __name__
};

// Iterates one series' samples in ascending timestamp order.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  virtual bool Valid() const = 0;
  // REQUIRES: Valid()
  virtual void Next() = 0;
  virtual Sample sample() const = 0;
  // Non-OK when the iteration stopped because of an error rather than the end.
  virtual Status status() const = 0;
  // Appends the next samples, up to `max` of them, to *out and moves past
  // them; the same samples as a Valid()/sample()/Next() loop, but an
  // iterator that holds decoded samples copies them in runs. Returns how
  // many it appended: fewer than `max` only at the end (or on an error,
  // which status() then tells).
  virtual size_t NextBatch(size_t max, std::vector<Sample>* out) {
    size_t n = 0;
    for (; n < max && Valid(); ++n, Next()) out->push_back(sample());
    return n;
  }
};

// Reads one series after another, each as a SampleIterator, from one view
// of the database taken when the cursor was made: a query that reads many
// series keeps one cursor (per thread) rather than a Scan() per series,
// whose snapshot and storage iterators cost more than a short read itself.
// Not for use by several threads at once.
class SeriesCursor : public SampleIterator {
 public:
  // Moves to series `id`'s samples with min_ts <= ts <= max_ts, ascending;
  // NotFound if there is no such series (then the cursor is not Valid()).
  virtual Status Seek(SeriesId id, int64_t min_ts, int64_t max_ts) = 0;
};

// A Prometheus XOR chunk (storage/codec/xor_chunk.h, bit-compatible with
// tsdb/chunkenc) of one series' samples.
struct XorChunkView {
  int64_t min_ts = 0, max_ts = 0;  // of its first and last sample
  uint32_t samples = 0;
  std::string_view data;  // the encoded chunk; valid during the call it is passed to
};
// Prometheus cuts head chunks at 120 samples; remote read clients expect
// chunks of about that size.
inline constexpr size_t kXorChunkMaxSamples = 120;
using XorChunkFn = std::function<Status(const XorChunkView&)>;

// Database::NewXorChunkReader: many series' XOR chunks, one series after
// another, through one snapshot and one storage cursor of each kind rather
// than new ones per series (making them was a quarter of a short remote
// read's server work). Not thread-safe: one a thread.
class XorChunkReader {
 public:
  virtual ~XorChunkReader() = default;
  // What Database::ScanXorChunks gives, as of the reader's snapshot (taken
  // when it was made); a series not there then reads as empty.
  virtual Status Scan(SeriesId id, int64_t min_ts, int64_t max_ts, const XorChunkFn& fn) = 0;
};

// Counters since Open(), for self-monitoring and for tests that check how
// much work a query did.
struct DatabaseStats {
  uint64_t series = 0;              // live series
  uint64_t series_in_memory = 0;    // of those, the ones whose label sets are in memory (written lately)
  uint64_t index_memory_bytes = 0;  // what the series index holds in memory
  uint64_t samples_written = 0;     // samples acknowledged by Write()
  uint64_t samples_scanned = 0;     // samples read by SampleIterators or decoded by EvaluateOverTime
  uint64_t write_batches = 0;
  uint64_t disk_bytes = 0;   // live files on disk
  uint64_t compactions = 0;  // compaction runs
  uint64_t segments_written = 0;
  uint64_t samples_sealed = 0;    // samples moved from raw into segments
  uint64_t failed_writes = 0;     // writes refused for a storage fault (disk full, I/O error)
  uint64_t write_recoveries = 0;  // times writes came back after such a fault
  // Standing windows (AddStandingWindow): registered windows, series and
  // samples they hold, evaluations served, series states built by a scan.
  uint64_t standing_windows = 0;
  uint64_t standing_series = 0;
  uint64_t standing_samples = 0;
  uint64_t standing_evaluations = 0;
  uint64_t standing_builds = 0;
  // ScanXorChunks: sealed segments found as XOR chunks in the cache, and
  // not (encoded then); what the cache holds.
  uint64_t xor_chunk_cache_hits = 0;
  uint64_t xor_chunk_cache_misses = 0;
  uint64_t xor_chunk_cache_bytes = 0;
  // Options::warm_xor_chunks_at_open: segments built into the cache by the
  // warm-up after open, and whether it is still running.
  uint64_t xor_chunk_warm_segments = 0;
  bool xor_chunk_warming = false;
  // Reads of sealed data: FLAC frames found decoded in the cache, and not
  // (decoded then); what the cache holds.
  uint64_t decoded_frame_cache_hits = 0;
  uint64_t decoded_frame_cache_misses = 0;
  uint64_t decoded_frame_cache_bytes = 0;
};

// One stored segment, for listings.
struct SegmentInfo {
  SeriesId series = 0;
  int64_t min_ts = 0;
  int64_t max_ts = 0;
  uint32_t samples = 0;
  std::string codec;             // "flac", "xor" or "raw": how the values are stored
  uint64_t bytes = 0;            // the whole segment; a shared timestamp column only by its 8-byte reference
  uint64_t timestamp_bytes = 0;  // its timestamp block (a shared column: the reference only)
  bool shared_timestamps = false;  // the timestamps are a column shared with other segments
  uint64_t summary_bytes = 0;      // its summary (over_time.h), stored beside it
  uint32_t quantile_points = 0;    // size of the summary's quantile sketch
};

// What Database::Check found.
struct CheckReport {
  uint64_t series = 0;
  uint64_t postings = 0;
  uint64_t raw_samples = 0;
  uint64_t segments = 0;
  uint64_t segment_samples = 0;
  uint64_t timestamp_columns = 0;               // shared timestamp columns stored
  uint64_t timestamp_column_bytes = 0;          // their bytes
  uint64_t unreferenced_timestamp_columns = 0;  // of those, kept by no segment (the next sweep deletes them)
  std::vector<std::string> problems;            // each names the series and time range concerned
  bool ok() const { return problems.empty(); }
};

struct CompactionStats {
  uint64_t series_sealed = 0;
  uint64_t segments_written = 0;
  uint64_t samples_sealed = 0;
  uint64_t bytes_written = 0;
};

// Prometheus's metric metadata for one metric family.
struct MetricMetadata {
  std::string metric;  // the family, as its # TYPE line names it: "http_requests_total", "latency_seconds"
  std::string type;    // "counter", "gauge", "histogram", "summary", "unknown", ...
  std::string help;
  std::string unit;
};

// What Database::Push does with a push group's series (Pushgateway's verbs).
enum class PushMode {
  kAdd,      // POST: series of the group with a metric name the push has, but absent from it, go stale
  kReplace,  // PUT: every series of the group absent from the push goes stale
  kDelete,   // DELETE: every series of the group goes stale and the group is forgotten
};

// Counts by name (a metric, a label name, or "name=value"), largest first.
struct NameCount {
  std::string name;
  uint64_t count = 0;
};

// The series index's cardinality, in the figures of Prometheus's
// /api/v1/status/tsdb (which shows its head block; these cover everything).
struct IndexStats {
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;  // distinct (name, value) pairs, __name__ included
  uint64_t chunk_count = 0;      // stored segments, RocksDB's estimate
  int64_t min_time = 0;          // first and last sample of any series; 0 when there is none
  int64_t max_time = 0;
  std::vector<NameCount> series_count_by_metric_name;
  std::vector<NameCount> label_value_count_by_label_name;
  std::vector<NameCount> memory_in_bytes_by_label_name;  // sum of value lengths times series
  std::vector<NameCount> series_count_by_label_value_pair;
};

struct OverTimeQuery;       // over_time.h
struct StandingWindowSpec;  // over_time.h
using OverTimeCallback = std::function<Status(const SeriesInfo&, int64_t ts, double value)>;

class Database {
 public:
  // Opens (by default creating) the database in directory `dir`.
  static Result<std::unique_ptr<Database>> Open(const Options& options, const std::string& dir);

  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  // Writes every sample of the batch, atomically. New series get new ids.
  virtual Status Write(const WriteBatch& batch) = 0;
  // Write for a writer that remembers series ids (the remote write
  // receiver, which recognises a series it has seen by its encoded labels):
  // writes the batch and `known`, samples of series named by the id an
  // earlier call gave back, atomically, and fills *ids with the id of each
  // of the batch's label sets, in the order they were added (a label set
  // added again right after itself shares one). A known series must be in
  // memory, that is written lately and not deleted: when one is not,
  // nothing is written, the status is NotFound and *stale lists such ids;
  // the writer then sends their samples by label set again.
  struct KnownSample {
    SeriesId series;
    Sample sample;
  };
  virtual Status WriteWithIds(const WriteBatch& batch, std::span<const KnownSample> known,
                              std::vector<SeriesId>* ids, std::vector<SeriesId>* stale) = 0;
  Status Append(const Labels& labels, int64_t ts, double value);

  // Series matching all matchers, ascending by id. With no matchers, every
  // series.
  virtual Result<std::vector<SeriesInfo>> Select(std::span<const LabelMatcher> matchers) = 0;
  // The series with this id; NotFound if there is none.
  virtual Result<SeriesInfo> GetSeries(SeriesId id) = 0;
  // The id of the series with exactly these labels; NotFound if there is none.
  virtual Result<SeriesId> FindSeries(const Labels& labels) = 0;

  // Samples of series `id` with min_ts <= ts <= max_ts, ascending.
  virtual Result<std::unique_ptr<SampleIterator>> Scan(SeriesId id, int64_t min_ts, int64_t max_ts) = 0;

  // A cursor for reading many series (SeriesCursor), each as Scan() would.
  virtual Result<std::unique_ptr<SeriesCursor>> NewSeriesCursor() = 0;
  // The samples Scan(id, min_ts, max_ts) gives, as XOR chunks of at most
  // kXorChunkMaxSamples samples, in order: `fn` is called for each and the
  // scan stops at its first error. The chunks of a sealed segment are cut
  // every kXorChunkMaxSamples samples from its first and kept in a bounded
  // cache (Options::xor_chunk_cache_bytes), so that reading sealed data
  // again sends their bytes as they are; a chunk that straddles min_ts or
  // max_ts is cut to the range, and raw samples go into chunks of their own.
  virtual Status ScanXorChunks(SeriesId id, int64_t min_ts, int64_t max_ts, const XorChunkFn& fn) = 0;
  // A reader of many series' chunks in one snapshot (XorChunkReader). It
  // keeps the storage open while it lives: a reopen after a storage fault
  // waits for it, so hold it for one request, not longer.
  virtual std::unique_ptr<XorChunkReader> NewXorChunkReader() = 0;

  // Removes samples of series `id` with min_ts <= ts <= max_ts.
  virtual Status DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) = 0;
  // Removes the series, its samples and its index entries. Its id is never reused.
  virtual Status DeleteSeries(SeriesId id) = 0;

  // Label names in use (with __name__), sorted.
  virtual Result<std::vector<std::string>> LabelNames() = 0;
  // Values of label `name` in use, sorted.
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name) = 0;

  // Seals, for every series, each window that ended at or before
  // `seal_before` (ms) into a segment. `overtone compact` passes the current
  // time; the background compactor passes now - head_window_ms.
  virtual Result<CompactionStats> Compact(int64_t seal_before) = 0;

  // Calls fn for each stored segment (of series `id`, or of all series when
  // id is 0), ascending by series and time. A non-OK return from fn stops
  // the listing and is returned.
  virtual Status ForEachSegment(SeriesId id, const std::function<Status(const SegmentInfo&)>& fn) = 0;

  // Reads everything and verifies it: RocksDB's block checksums, the catalog
  // against the postings, every segment and summary (checksums, decoding,
  // time ranges, no overlaps), every raw sample. Problems are reported, not
  // returned as errors; a non-OK Status means the check itself could not run.
  virtual Result<CheckReport> Check() = 0;

  // `*_over_time` over the matching series (see over_time.h, whose
  // EvaluateOverTime() calls this).
  virtual Status EvaluateOverTime(std::span<const LabelMatcher> matchers, const OverTimeQuery& query,
                                  const OverTimeCallback& fn) = 0;
  // A standing window (over_time.h): from now on writes keep that window's
  // state up to date, and an instant EvaluateOverTime with the same
  // matchers, range and function is answered from it, with the same bits as
  // a scan. Returns a handle for RemoveStandingWindow. Only a database open
  // for writing keeps them: NotSupported otherwise.
  virtual Result<uint64_t> AddStandingWindow(const StandingWindowSpec& spec) = 0;
  virtual void RemoveStandingWindow(uint64_t handle) = 0;

  // Metric metadata, one record per family: a later Put of a family
  // replaces it (last write wins). Persisted; families sorted by name.
  virtual Status PutMetadata(std::span<const MetricMetadata> entries) = 0;
  virtual Result<std::vector<MetricMetadata>> ListMetadata() = 0;

  // A push to the group `group` (the grouping key's labels): writes `batch`
  // and a staleness marker at `stale_ts` for each series of the group that
  // `mode` retires, and keeps the group's set of series (persisted, so a
  // later push after a restart retires the right ones). Pushes are applied
  // one at a time. kDelete takes an empty batch.
  virtual Status Push(const Labels& group, PushMode mode, const WriteBatch& batch, int64_t stale_ts) = 0;
  // The label sets of the series the push group holds, sorted.
  virtual Result<std::vector<Labels>> PushGroupSeries(const Labels& group) = 0;

  // The series index's cardinality, the `top` largest of each count. Reads
  // every posting and seeks each series' first and last sample.
  virtual Result<IndexStats> GetIndexStats(size_t top) = 0;

  virtual DatabaseStats GetStats() const = 0;
  // The process's memory accountant (Options::memory_limit_bytes; without
  // a limit it counts, and refuses nothing).
  virtual MemoryAccountant* memory() = 0;
  virtual const std::string& dir() const = 0;

  // OK while writes work. While they fail for a storage fault, that fault
  // (NoSpace or IOError, with what failed): retry writes later.
  virtual Status WriteFault() const = 0;
  // How the database is open: kSecondary when it follows a writer (asked
  // for, or kReadOnly beside a writer), else as asked.
  virtual OpenMode open_mode() const = 0;
  // A database that follows a writer (kSecondary): reads what the writer has
  // written since the last call, new series included. Costs little when the
  // writer wrote little. OK and nothing to do in the other modes.
  virtual Status CatchUp() = 0;
  // Replaces Options::writer_note in DIR/WRITER, as when a server learns
  // the port it bound after opening. NotSupported unless open for writing.
  virtual Status SetWriterNote(const std::string& note) = 0;

  // Writes buffered data to files and waits; for backups and tests.
  virtual Status Flush() = 0;
};

// The process that has directory `dir` open for writing, in words: its
// Options::writer_note and pid ("overtone serve on 127.0.0.1:9201 (pid
// 1234)"), or "" when no process writes it.
std::string DescribeWriter(const std::string& dir);

}  // namespace overtone

#endif  // OVERTONE_DATABASE_H_
