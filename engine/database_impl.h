// DatabaseImpl: the Database behind overtone::Database::Open.
//
// Directory layout: DIR/rocksdb/ holds the Store; other components (the SQL
// session's user.db) keep their files beside it.

#ifndef OVERTONE_ENGINE_DATABASE_IMPL_H_
#define OVERTONE_ENGINE_DATABASE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "engine/compactor.h"
#include "engine/decoded_frame_cache.h"
#include "engine/seal_lock.h"
#include "engine/series_index.h"
#include "engine/standing_windows.h"
#include "engine/summary_cache.h"
#include "engine/xor_chunk_cache.h"
#include "overtone/database.h"
#include "storage/store.h"

namespace overtone {

class DatabaseImpl final : public Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const Options& options, const std::string& dir);
  // The same, with RocksDB reading and writing through `file_system` (a
  // hook for tests that make the disk fail; see storage::StoreOptions).
  static Result<std::unique_ptr<Database>> Open(const Options& options, const std::string& dir,
                                                std::shared_ptr<rocksdb::FileSystem> file_system);

  Status Write(const WriteBatch& batch) override;
  Status WriteWithIds(const WriteBatch& batch, std::span<const KnownSample> known, std::vector<SeriesId>* ids,
                      std::vector<SeriesId>* stale) override;
  Result<std::vector<SeriesInfo>> Select(std::span<const LabelMatcher> matchers) override;
  Result<SeriesInfo> GetSeries(SeriesId id) override;
  Result<SeriesId> FindSeries(const Labels& labels) override;
  Result<std::unique_ptr<SampleIterator>> Scan(SeriesId id, int64_t min_ts, int64_t max_ts) override;
  Result<std::unique_ptr<SeriesCursor>> NewSeriesCursor() override;
  Status ScanXorChunks(SeriesId id, int64_t min_ts, int64_t max_ts,
                       const XorChunkFn& fn) override;           // xor_chunk_scan.cc
  std::unique_ptr<XorChunkReader> NewXorChunkReader() override;  // xor_chunk_scan.cc
  Status DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) override;
  Status DeleteSeries(SeriesId id) override;
  Result<std::vector<std::string>> LabelNames() override;
  Result<std::vector<std::string>> LabelValues(std::string_view name) override;
  Result<CompactionStats> Compact(int64_t seal_before) override;
  Status ForEachSegment(SeriesId id, const std::function<Status(const SegmentInfo&)>& fn) override;
  Status EvaluateOverTime(std::span<const LabelMatcher> matchers, const OverTimeQuery& query,
                          const OverTimeCallback& fn) override;
  Result<uint64_t> AddStandingWindow(const StandingWindowSpec& spec) override;
  void RemoveStandingWindow(uint64_t handle) override;
  Result<CheckReport> Check() override;
  Status PutMetadata(std::span<const MetricMetadata> entries) override;
  Result<std::vector<MetricMetadata>> ListMetadata() override;
  Status Push(const Labels& group, PushMode mode, const WriteBatch& batch, int64_t stale_ts) override;
  Result<std::vector<Labels>> PushGroupSeries(const Labels& group) override;
  Result<IndexStats> GetIndexStats(size_t top) override;
  DatabaseStats GetStats() const override;
  MemoryAccountant* memory() override { return &memory_; }
  const std::string& dir() const override { return dir_; }
  Status WriteFault() const override { return store_->write_fault(); }
  OpenMode open_mode() const override;
  Status CatchUp() override;
  Status SetWriterNote(const std::string& note) override;
  Status Flush() override;
  ~DatabaseImpl() override;

 private:
  DatabaseImpl(const Options& options, std::string dir, std::unique_ptr<storage::Store> store);
  void StartCompactionThread();
  // xor_chunk_warmup.cc: stores the read hint once a process, the first
  // time remote reads ask for chunks; starts the warm-up after open when
  // asked to and the hint is there; the warm-up itself.
  void NoteXorChunkReads();
  Status StartXorChunkWarmUp();
  void WarmXorChunks();
  // OK when open for writing; else the error a write gets, naming the
  // writer a secondary follows.
  Status CheckWritable() const;
  void CompactionLoop();
  // Standing windows (database_standing.cc). REQUIRES for the feed: the
  // batch committed, seal_mu_ held shared.
  void FeedStandingWindows(const WriteBatch& batch, const std::vector<SeriesId>& ids);
  void AddStandingStats(DatabaseStats* s) const;
  // REQUIRES: metadata_mu_ held.
  Result<std::vector<MetricMetadata>> ListMetadataLocked();

  const Options options_;
  std::string dir_;
  // Before the store, the index and the caches that charge it; after them
  // in destruction.
  MemoryAccountant memory_;
  std::unique_ptr<storage::Store> store_;
  engine::SeriesIndex index_;
  engine::Compactor compactor_;
  engine::SummaryCache summary_cache_;
  engine::XorChunkCache xor_chunk_cache_;
  engine::DecodedFrameCache frame_cache_;
  engine::StandingWindows standing_;

  // Writers hold it shared from looking up their series' ids to the
  // commit; sealing, range deletion and series deletion hold it
  // exclusively, so no raw sample lands in a range being rewritten or under
  // a series being deleted. Order: seal_mu_ before the index's lock.
  // A SealLock, not a std::shared_mutex: that one lets a steady stream of
  // writers starve Compact() (seal_lock.h).
  engine::SealLock seal_mu_;
  std::mutex compact_mu_;  // one Compact() at a time
  // DeleteSeries() calls completed, counted after the index lets the series
  // go (under seal_mu_): Compact() asks the index whether each series is
  // still there only when this moved since it listed them.
  std::atomic<uint64_t> series_deletions_{0};
  std::mutex catch_up_mu_;  // one CatchUp() at a time
  std::atomic<bool> wrote_writer_file_{false};
  std::mutex push_mu_;  // one Push() at a time: each reads and rewrites its group's record
  std::mutex metadata_mu_;
  // Metadata as stored, to skip rewriting unchanged families (Prometheus
  // resends all of them every minute). Loaded on first use.
  bool metadata_loaded_ = false;
  std::map<std::string, MetricMetadata, std::less<>> metadata_;

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;
  std::thread compaction_thread_;
  std::thread warm_thread_;  // Options::warm_xor_chunks_at_open
  std::atomic<bool> warm_stop_{false};
  std::atomic<bool> warming_{false};
  std::atomic<uint64_t> warm_segments_{0};
  std::atomic<bool> noted_xor_chunk_reads_{false};  // the read hint is stored (or cannot be)

  std::atomic<uint64_t> samples_written_{0};
  std::atomic<uint64_t> write_batches_{0};
  std::atomic<uint64_t> segment_samples_scanned_{0};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> segments_written_{0};
  std::atomic<uint64_t> samples_sealed_{0};
};

}  // namespace overtone

#endif  // OVERTONE_ENGINE_DATABASE_IMPL_H_
