#include "engine/database_impl.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "engine/merged_iterator.h"
#include "engine/writer_file.h"
#include "storage/codec/segment.h"
#include "storage/codec/summary.h"

namespace overtone {

namespace {

// Under a memory limit each cache gets its part of the caches' share
// (SplitMemoryLimit says how much and why).
size_t TimestampColumnCacheBytes(const Options& options) {
  return SplitMemoryLimit(options.memory_limit_bytes).timestamp_column_cache_bytes;
}

size_t XorChunkCacheBytes(const Options& options) {
  return options.memory_limit_bytes != 0 ? SplitMemoryLimit(options.memory_limit_bytes).xor_chunk_cache_bytes
                                         : options.xor_chunk_cache_bytes;
}

size_t DecodedFrameCacheBytes(const Options& options) {
  return options.memory_limit_bytes != 0
             ? SplitMemoryLimit(options.memory_limit_bytes).decoded_frame_cache_bytes
             : options.decoded_frame_cache_bytes;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const Options& options, const std::string& dir) {
  return DatabaseImpl::Open(options, dir);
}

Result<std::unique_ptr<Database>> DatabaseImpl::Open(const Options& options, const std::string& dir) {
  return Open(options, dir, nullptr);
}

Result<std::unique_ptr<Database>> DatabaseImpl::Open(const Options& options, const std::string& dir,
                                                     std::shared_ptr<rocksdb::FileSystem> file_system) {
  if (dir.empty()) return Status::InvalidArgument("no database directory given");
  if (options.segment_span_ms <= 0) return Status::InvalidArgument("segment_span_ms must be positive");
  if (options.head_window_ms < 0) return Status::InvalidArgument("head_window_ms must not be negative");
  if (options.compaction_interval_ms < 0) {
    return Status::InvalidArgument("compaction_interval_ms must not be negative");
  }
  if (options.flac_block_size < 16 || options.flac_block_size > 65535) {
    return Status::InvalidArgument("flac_block_size must be in [16, 65535]");
  }
  // The samples memtable's hash table takes 1/16 of its write buffer, but
  // at least 32 KiB; with a buffer much smaller than 1 MiB a new memtable is
  // nearly full at birth, and RocksDB aborts the process (an assertion in
  // Debian's build).
  if (options.write_buffer_bytes < (size_t{1} << 20)) {
    return Status::InvalidArgument("write_buffer_bytes must be at least 1 MiB");
  }
  if (options.memory_limit_bytes != 0 && options.memory_limit_bytes < kMinMemoryLimit) {
    return Status::InvalidArgument("memory_limit_bytes must be 0 (none) or at least 32 MiB");
  }
  if (options.tune_allocator) TuneAllocator(options.memory_limit_bytes);
  const bool read_only = options.read_only || options.open_mode != OpenMode::kReadWrite;
  std::error_code ec;
  auto st = std::filesystem::status(dir, ec);
  if (std::filesystem::exists(st) && !std::filesystem::is_directory(st)) {
    return Status::InvalidArgument(dir + " exists and is not a directory");
  }
  if (!std::filesystem::exists(st)) {
    if (!options.create_if_missing || read_only) {
      return Status::NotFound("database directory " + dir + " does not exist");
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }

  storage::StoreOptions so;
  so.create_if_missing = options.create_if_missing;
  so.error_if_exists = options.error_if_exists;
  so.read_only = read_only;
  so.secondary = options.open_mode == OpenMode::kSecondary;
  so.sync = options.sync;
  so.block_cache_bytes = options.block_cache_bytes;
  so.write_buffer_bytes = options.write_buffer_bytes;
  if (options.memory_limit_bytes != 0) {
    const MemorySplit split = SplitMemoryLimit(options.memory_limit_bytes);
    so.block_cache_bytes = split.storage_bytes;
    so.write_buffer_bytes = split.write_buffer_bytes;
    so.all_write_buffers_bytes = split.storage_bytes / 2;
    so.timestamp_column_cache = TimestampColumnCacheBytes(options) / sizeof(int64_t);
  }
  so.file_system = std::move(file_system);
  OT_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                      storage::Store::Open(so, (std::filesystem::path(dir) / "rocksdb").string()));

  std::unique_ptr<DatabaseImpl> db(new DatabaseImpl(options, dir, std::move(store)));
  OT_RETURN_IF_ERROR(db->index_.Load());
  if (!read_only && !options.writer_note.empty()) {
    OT_RETURN_IF_ERROR(engine::WriteWriterFile(dir, options.writer_note));
    db->wrote_writer_file_ = true;
  }
  if (options.compaction_interval_ms > 0 && !read_only) db->StartCompactionThread();
  OT_RETURN_IF_ERROR(db->StartXorChunkWarmUp());
  return std::unique_ptr<Database>(std::move(db));
}

namespace {

storage::SegmentOptions SegmentOptionsFrom(const Options& options) {
  storage::SegmentOptions so;
  so.flac.block_size = options.flac_block_size;
  return so;
}

// Range tombstones a sealing run leaves in the raw samples memtable before
// it flushes it (Compactor::kRangeDeleteMinSamples).
constexpr uint64_t kMaxMemtableRangeTombstones = 1024;
// The bounds of one sealing round (Compactor::SealRound), which holds
// writers out: 8,192 samples take about 40 ms of one core to seal, and the
// round's fixed cost (two iterators, one commit) is small beside that.
constexpr size_t kRoundSamples = size_t{1} << 13;
constexpr size_t kRoundSeries = size_t{1} << 12;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

size_t SummaryCacheBytes(const Options& options) {
  return options.memory_limit_bytes != 0 ? SplitMemoryLimit(options.memory_limit_bytes).summary_cache_bytes
                                         : options.summary_cache_bytes;
}

DatabaseImpl::DatabaseImpl(const Options& options, std::string dir, std::unique_ptr<storage::Store> store)
    : options_(options),
      dir_(std::move(dir)),
      memory_(options.memory_limit_bytes),
      store_(std::move(store)),
      index_(store_.get(), &memory_.index()),
      compactor_(store_.get(), options.segment_span_ms, SegmentOptionsFrom(options),
                 options.share_timestamp_columns),
      summary_cache_(SummaryCacheBytes(options), &memory_.caches()),
      xor_chunk_cache_(XorChunkCacheBytes(options), &memory_.caches()),
      frame_cache_(DecodedFrameCacheBytes(options), &memory_.caches()) {
  // The decoded timestamp columns are the store's too: counted with it.
  memory_.SetStorageUsage(
      [store = store_.get()] { return store->MemoryUsage() + store->TimestampColumnCacheBytes(); });
}

DatabaseImpl::~DatabaseImpl() {
  warm_stop_ = true;
  if (warm_thread_.joinable()) warm_thread_.join();
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  // Before the Store lets go of the LOCK file: a writer after us writes its own.
  if (wrote_writer_file_) engine::RemoveWriterFile(dir_);
}

OpenMode DatabaseImpl::open_mode() const {
  if (store_->secondary()) return OpenMode::kSecondary;
  return store_->read_only() ? OpenMode::kReadOnly : OpenMode::kReadWrite;
}

Status DatabaseImpl::CatchUp() {
  if (!store_->secondary()) return Status::OK();
  std::lock_guard lock(catch_up_mu_);
  OT_RETURN_IF_ERROR(store_->CatchUp());
  return index_.Refresh();
}

Status DatabaseImpl::SetWriterNote(const std::string& note) {
  OT_RETURN_IF_ERROR(CheckWritable());
  OT_RETURN_IF_ERROR(engine::WriteWriterFile(dir_, note));
  wrote_writer_file_ = true;
  return Status::OK();
}

Status DatabaseImpl::CheckWritable() const {
  if (!store_->read_only()) return Status::OK();
  if (!store_->secondary()) return Status::NotSupported("the database is open read-only");
  std::string writer = DescribeWriter(dir_);
  if (writer.empty()) writer = "another process";
  return Status::NotSupported("the database " + dir_ + " is open for writing by " + writer +
                              ": this process only reads it, beside the writer; write through the writer");
}

void DatabaseImpl::StartCompactionThread() {
  compaction_thread_ = std::thread([this] { CompactionLoop(); });
}

void DatabaseImpl::CompactionLoop() {
  std::unique_lock lock(thread_mu_);
  while (!thread_cv_.wait_for(lock, std::chrono::milliseconds(options_.compaction_interval_ms),
                              [this] { return stopping_; })) {
    lock.unlock();
    // A failed run is retried at the next interval; the data stays raw meanwhile.
    Compact(NowMs() - options_.head_window_ms).IgnoreError();
    lock.lock();
  }
}

Status DatabaseImpl::Write(const WriteBatch& batch) {
  // The write with no series named by id (database_known_write.cc).
  std::vector<SeriesId> ids;
  std::vector<SeriesId> stale;
  return WriteWithIds(batch, {}, &ids, &stale);
}

Result<std::vector<SeriesInfo>> DatabaseImpl::Select(std::span<const LabelMatcher> matchers) {
  OT_ASSIGN_OR_RETURN(std::vector<engine::CompiledMatcher> compiled, engine::CompileAll(matchers));
  OT_ASSIGN_OR_RETURN(std::vector<SeriesId> ids, index_.Select(compiled));
  std::vector<SeriesInfo> out;
  out.reserve(ids.size());
  for (SeriesId id : ids) {
    SeriesInfo info{id, {}};
    if (index_.Get(id, &info.labels)) out.push_back(std::move(info));
  }
  return out;
}

Result<SeriesInfo> DatabaseImpl::GetSeries(SeriesId id) {
  SeriesInfo info{id, {}};
  if (!index_.Get(id, &info.labels)) return Status::NotFound("no series with id " + std::to_string(id));
  return info;
}

Result<SeriesId> DatabaseImpl::FindSeries(const Labels& labels) {
  Labels normalized = labels;
  NormalizeLabels(&normalized);
  return index_.Find(normalized);
}

Result<std::unique_ptr<SampleIterator>> DatabaseImpl::Scan(SeriesId id, int64_t min_ts, int64_t max_ts) {
  if (!index_.Contains(id)) return Status::NotFound("no series with id " + std::to_string(id));
  return std::unique_ptr<SampleIterator>(new engine::MergedSampleIterator(
      store_.get(), id, min_ts, max_ts, &segment_samples_scanned_, &frame_cache_));
}

Result<std::unique_ptr<SeriesCursor>> DatabaseImpl::NewSeriesCursor() {
  return std::unique_ptr<SeriesCursor>(new engine::MergedSampleIterator(
      store_.get(), [this](SeriesId id) { return index_.Contains(id); }, &segment_samples_scanned_,
      &frame_cache_));
}

Status DatabaseImpl::DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) {
  OT_RETURN_IF_ERROR(CheckWritable());
  Labels labels;
  if (!index_.Get(id, &labels)) return Status::NotFound("no series with id " + std::to_string(id));
  std::unique_lock lock(seal_mu_);
  standing_.Forget(id);
  return compactor_.DeleteRange(id, min_ts, max_ts);
}

Status DatabaseImpl::DeleteSeries(SeriesId id) {
  OT_RETURN_IF_ERROR(CheckWritable());
  std::unique_lock lock(seal_mu_);
  compactor_.NoteSegmentsDropped();  // a shared timestamp column may lose its last reference
  standing_.Forget(id);
  Status deleted = index_.Delete(id);
  series_deletions_.fetch_add(1);  // after the index let it go: see Compact()
  return deleted;
}

Result<CompactionStats> DatabaseImpl::Compact(int64_t seal_before) {
  OT_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard one_at_a_time(compact_mu_);
  // Read before the listing: a deletion counted here is complete, so the
  // listing does not hold its series.
  const uint64_t deletions_before = series_deletions_.load();
  OT_ASSIGN_OR_RETURN(std::vector<SeriesId> ids, index_.Select({}));
  const uint64_t raw_before = store_->EstimateRawSamples();
  CompactionStats stats;
  uint64_t range_tombstones = 0;
  for (size_t next = 0; next < ids.size();) {
    // Rounds of series in id order (Compactor::SealRound): one commit and
    // two iterators per round rather than per series. A round ends after
    // kRoundSamples sealed samples or kRoundSeries series, so writers wait
    // for one round's sealing at most.
    std::unique_lock lock(seal_mu_);
    // The series still there (deleted meanwhile, skipped), asked before the
    // round pins the store: loading the index takes the pin under the
    // index's lock, so the index's lock is never taken with the pin held.
    // Without a deletion since the listing (none can start while the round
    // holds the seal lock), every listed series is: asking the index per
    // series cost 6% of sealing at 1M series.
    const size_t end = std::min(ids.size(), next + kRoundSeries);
    const bool none_deleted = series_deletions_.load() == deletions_before;
    std::vector<size_t> live;
    live.reserve(end - next);
    for (size_t i = next; i < end; ++i) {
      if (none_deleted || index_.Contains(ids[i])) live.push_back(i);
    }
    auto round = compactor_.NewSealRound(seal_before, &stats, &range_tombstones);
    size_t used = 0;
    for (; used < live.size() && round->samples() < kRoundSamples; ++used) {
      OT_RETURN_IF_ERROR(round->Add(ids[live[used]]));
    }
    next = used < live.size() ? live[used] : end;
    OT_RETURN_IF_ERROR(round->Finish());
    // A long run of long series: flush before their range tombstones make
    // every new iterator (the next round's and the queries') slow.
    if (range_tombstones >= kMaxMemtableRangeTombstones) {
      OT_RETURN_IF_ERROR(store_->FlushRawSamples());
      range_tombstones = 0;
    }
  }
  {
    std::unique_lock lock(seal_mu_);
    uint64_t columns_deleted = 0;
    OT_RETURN_IF_ERROR(compactor_.SweepTimestampColumns(&columns_deleted));
  }
  // Sealed raw samples are deleted but still cost every read (iterators step
  // over their tombstones) until RocksDB compacts them away. When this run
  // sealed a good share of the raw samples, compacting the family now costs
  // about what was sealed, and the queries that follow pay nothing for the
  // sealing; a run that sealed a few late samples leaves their tombstones to
  // RocksDB's own compactions.
  if (stats.samples_sealed > 0 && stats.samples_sealed * 4 >= raw_before) {
    OT_RETURN_IF_ERROR(store_->CompactRawSamples());
  } else if (range_tombstones > 0) {
    OT_RETURN_IF_ERROR(store_->FlushRawSamples());
  }
  // Series written to since the previous run stay in memory; the others
  // keep only their id and hash there (series_index.h).
  index_.EvictIdle();
  ReleaseFreeHeap();  // what the run freed goes back to the system (overtone/memory.h)
  compactions_.fetch_add(1, std::memory_order_relaxed);
  segments_written_.fetch_add(stats.segments_written, std::memory_order_relaxed);
  samples_sealed_.fetch_add(stats.samples_sealed, std::memory_order_relaxed);
  return stats;
}

Status DatabaseImpl::ForEachSegment(SeriesId id, const std::function<Status(const SegmentInfo&)>& fn) {
  auto view = store_->NewReadView();
  auto cursor =
      id == 0 ? store_->NewAllSegmentsCursor(view.get()) : store_->NewSegmentCursor(id, kMinTime, view.get());
  // Summaries have their segment's key: walk both in step.
  auto summaries = id == 0 ? store_->NewAllSummariesCursor(view.get())
                           : store_->NewSummaryCursor(id, kMinTime, view.get());
  for (; cursor->Valid(); cursor->Next()) {
    storage::SegmentView seg;
    OT_RETURN_IF_ERROR(storage::ParseSegment(cursor->bytes(), &seg)
                           .WithContext("series " + std::to_string(cursor->series()) +
                                        ", segment ending at ts " + std::to_string(cursor->max_ts())));
    SegmentInfo info{
        cursor->series(), seg.min_ts, seg.max_ts, seg.count, storage::ValueCodecName(seg.value_codec),
        seg.total_bytes};
    info.timestamp_bytes = seg.timestamps.size();
    info.shared_timestamps = seg.shared_timestamps();
    while (summaries->Valid() &&
           (summaries->series() < info.series ||
            (summaries->series() == info.series && summaries->max_ts() < cursor->max_ts()))) {
      summaries->Next();
    }
    if (summaries->Valid() && summaries->series() == info.series && summaries->max_ts() == cursor->max_ts()) {
      storage::Summary summary;
      OT_RETURN_IF_ERROR(storage::DecodeSummary(summaries->bytes(), &summary)
                             .WithContext("series " + std::to_string(info.series) +
                                          ", summary of the segment ending at ts " +
                                          std::to_string(cursor->max_ts())));
      info.summary_bytes = summaries->bytes().size();
      // Format 2 stores no points: they are picked from the segment's values
      // when a query wants them, as many as format 1 stored.
      info.quantile_points = static_cast<uint32_t>(
          summary.quantile_points.empty() ? std::min<uint64_t>(summary.count, storage::kMaxQuantilePoints)
                                          : summary.quantile_points.size());
    }
    OT_RETURN_IF_ERROR(fn(info));
  }
  return cursor->status();
}

Result<std::vector<std::string>> DatabaseImpl::LabelNames() {
  std::vector<std::string> out;
  OT_RETURN_IF_ERROR(store_->ForEachLabelName([&](std::string_view n) { out.emplace_back(n); }));
  return out;
}

Result<std::vector<std::string>> DatabaseImpl::LabelValues(std::string_view name) {
  std::vector<std::string> out;
  OT_RETURN_IF_ERROR(store_->ForEachLabelValue(name, [&](std::string_view v) { out.emplace_back(v); }));
  return out;
}

DatabaseStats DatabaseImpl::GetStats() const {
  DatabaseStats s;
  s.series = index_.size();
  s.series_in_memory = index_.hot_size();
  s.index_memory_bytes = index_.memory_bytes();
  s.samples_written = samples_written_.load(std::memory_order_relaxed);
  s.samples_scanned = store_->samples_scanned() + segment_samples_scanned_.load(std::memory_order_relaxed);
  s.compactions = compactions_.load(std::memory_order_relaxed);
  s.segments_written = segments_written_.load(std::memory_order_relaxed);
  s.samples_sealed = samples_sealed_.load(std::memory_order_relaxed);
  s.xor_chunk_cache_hits = xor_chunk_cache_.hits();
  s.xor_chunk_cache_misses = xor_chunk_cache_.misses();
  s.xor_chunk_cache_bytes = xor_chunk_cache_.size_bytes();
  s.xor_chunk_warm_segments = warm_segments_.load(std::memory_order_relaxed);
  s.xor_chunk_warming = warming_.load(std::memory_order_acquire);
  s.decoded_frame_cache_hits = frame_cache_.hits();
  s.decoded_frame_cache_misses = frame_cache_.misses();
  s.decoded_frame_cache_bytes = frame_cache_.size_bytes();
  s.write_batches = write_batches_.load(std::memory_order_relaxed);
  s.disk_bytes = store_->DiskBytes();
  s.failed_writes = store_->failed_writes();
  s.write_recoveries = store_->recoveries();
  AddStandingStats(&s);
  return s;
}

Status DatabaseImpl::Flush() { return store_->Flush(); }

}  // namespace overtone
