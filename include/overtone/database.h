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

#ifndef OVERTONE_DATABASE_H_
#define OVERTONE_DATABASE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/matcher.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone {

inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

struct Options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;      // open without writing; several processes may do so
  bool sync = false;           // fsync the write-ahead log on every Write()
  size_t block_cache_bytes = 64u << 20;
  size_t write_buffer_bytes = 64u << 20;
};

// A set of samples written atomically by Database::Write.
class WriteBatch {
 public:
  // Labels are normalized (sorted, empty values dropped) when the batch is
  // written; invalid labels fail the whole Write.
  void Add(const Labels& labels, int64_t ts, double value);
  void Add(const Labels& labels, std::span<const Sample> samples);

  size_t num_samples() const { return samples_.size(); }
  size_t num_series() const { return series_.size(); }
  bool empty() const { return samples_.empty(); }
  void Clear();

 private:
  friend class DatabaseImpl;
  struct Entry {
    uint32_t series;  // index into series_
    Sample sample;
  };
  uint32_t SeriesIndex(const Labels& labels);

  std::vector<Labels> series_;
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
};

// Counters since Open(), for self-monitoring and for tests that check how
// much work a query did.
struct DatabaseStats {
  uint64_t series = 0;            // live series
  uint64_t samples_written = 0;   // samples acknowledged by Write()
  uint64_t samples_scanned = 0;   // samples read by SampleIterators
  uint64_t write_batches = 0;
  uint64_t disk_bytes = 0;        // live files on disk
};

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
  Status Append(const Labels& labels, int64_t ts, double value);

  // Series matching all matchers, ascending by id. With no matchers, every
  // series.
  virtual Result<std::vector<SeriesInfo>> Select(std::span<const LabelMatcher> matchers) = 0;
  // The series with this id; NotFound if there is none.
  virtual Result<SeriesInfo> GetSeries(SeriesId id) = 0;
  // The id of the series with exactly these labels; NotFound if there is none.
  virtual Result<SeriesId> FindSeries(const Labels& labels) = 0;

  // Samples of series `id` with min_ts <= ts <= max_ts, ascending.
  virtual Result<std::unique_ptr<SampleIterator>> Scan(SeriesId id, int64_t min_ts,
                                                       int64_t max_ts) = 0;

  // Removes samples of series `id` with min_ts <= ts <= max_ts.
  virtual Status DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) = 0;
  // Removes the series, its samples and its index entries. Its id is never reused.
  virtual Status DeleteSeries(SeriesId id) = 0;

  // Label names in use (with __name__), sorted.
  virtual Result<std::vector<std::string>> LabelNames() = 0;
  // Values of label `name` in use, sorted.
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name) = 0;

  virtual DatabaseStats GetStats() const = 0;
  virtual const std::string& dir() const = 0;

  // Writes buffered data to files and waits; for backups and tests.
  virtual Status Flush() = 0;
};

}  // namespace overtone

#endif  // OVERTONE_DATABASE_H_
