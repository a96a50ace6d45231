#include "storage/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <stdlib.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "base/coding.h"
#include "storage/codec/segment.h"
#include "storage/info_log.h"
#include "storage/lock_file.h"
#include "storage/rocks_status.h"
#include "storage/sample_filter_policy.h"
#include "storage/sample_memtable.h"
#include "storage/store_keys.h"
#include "storage/timestamp_column_cache.h"

namespace overtone::storage {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg(what);
  msg += ": ";
  msg += s.ToString();
  // CompactionTooLarge: RocksDB's SstFileManager found too little free
  // space to start a compaction.
  if (s.IsNoSpace() || s.IsCompactionTooLarge()) return Status::NoSpace(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::Busy(msg);
  if (s.IsNotSupported()) return Status::NotSupported(msg);
  if (s.IsIOError()) return Status::IOError(msg);
  return Status::Internal(msg);
}

namespace {

// Buckets of the samples memtable's hash table for a write buffer of `bytes`.
size_t MemtableBuckets(size_t bytes) { return std::clamp<size_t>(bytes / 128, 4096, size_t{1} << 20); }

}  // namespace

void AppendLabels(const Labels& labels, std::string* out) {
  for (const Label& l : labels) {
    PutLengthPrefixed(out, l.name);
    PutLengthPrefixed(out, l.value);
  }
}

std::string EncodeLabels(const Labels& labels) {
  std::string out;
  AppendLabels(labels, &out);
  return out;
}

bool DecodeLabels(std::string_view in, Labels* labels) {
  labels->clear();
  while (!in.empty()) {
    std::string_view name, value;
    if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &value)) return false;
    labels->push_back(Label{std::string(name), std::string(value)});
  }
  return true;
}

// ---------------------------------------------------------------- SampleCursor

ReadView::~ReadView() {
  if (db_ != nullptr && snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  if (live_views_ != nullptr) live_views_->fetch_sub(1, std::memory_order_acq_rel);
}

SampleCursor::SampleCursor(StorePin pin, rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                           const ReadView* view, std::string lower, std::string upper,
                           std::atomic<uint64_t>* scanned)
    : pin_(std::move(pin)),
      upper_(std::move(upper)),
      upper_slice_(std::make_unique<rocksdb::Slice>(upper_)),
      scanned_(scanned) {
  if (!db) {
    status_ = ClosedStatus();
    return;
  }
  rocksdb::ReadOptions ro;
  if (view) ro.snapshot = view->snapshot();
  if (!upper_.empty()) ro.iterate_upper_bound = upper_slice_.get();
  ro.prefix_same_as_start = true;
  it_.reset(db->NewIterator(ro, cf));
  if (lower < upper_) {
    it_->Seek(lower);
    Load();
  }
}

SampleCursor::~SampleCursor() = default;

void SampleCursor::Next() {
  it_->Next();
  Load();
}

void SampleCursor::Seek(SeriesId id, int64_t min_ts) {
  if (!it_) return;  // the database was closed: status() says so
  it_->Seek(SampleKey(id, min_ts));
  Load();
}

void SampleCursor::Load() {
  valid_ = false;
  if (!it_->Valid()) {
    if (!it_->status().ok()) status_ = FromRocks(it_->status(), "reading samples");
    return;
  }
  rocksdb::Slice k = it_->key();
  rocksdb::Slice v = it_->value();
  if (k.size() != 16 || v.size() != 8) {
    status_ = Status::Corruption("sample key or value has the wrong size");
    return;
  }
  current_.ts = KeyToTimestamp(DecodeBE64(k.data() + 8));
  current_.value = DecodeDoubleBits(v.data());
  scanned_->fetch_add(1, std::memory_order_relaxed);
  valid_ = true;
}

// ---------------------------------------------------------------- Store

Store::Store(const StoreOptions& options, std::string path)
    : options_(options),
      path_(std::move(path)),
      column_cache_(std::make_unique<TimestampColumnCache>(options.timestamp_column_cache)) {}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options, const std::string& path) {
  std::unique_ptr<Store> store(new Store(options, path));
  OT_RETURN_IF_ERROR(store->OpenDb());
  OT_RETURN_IF_ERROR(store->CheckFormatVersion());
  return store;
}

Status Store::OpenDb() {
  cache_ = rocksdb::NewLRUCache(options_.block_cache_bytes);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache_;
  table.block_size = 16 * 1024;
  table.cache_index_and_filter_blocks = true;

  rocksdb::ColumnFamilyOptions base;
  base.write_buffer_size = options_.write_buffer_bytes;
  base.compression = rocksdb::kLZ4Compression;
  base.bottommost_compression = rocksdb::kZSTD;
  base.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // Samples: every key starts with the 8-byte series id, and every read is a
  // bounded scan inside one series, so prefix bloom filters skip files that
  // do not hold the series (in files written by compactions only, see
  // sample_filter_policy.h).
  rocksdb::BlockBasedTableOptions sample_table = table;
  sample_table.filter_policy = NewCompactionOnlyBloomFilterPolicy(10);
  sample_table.whole_key_filtering = false;
  // The filter in partitions of a few KiB, found through a small top-level
  // index kept pinned in the cache. Whole, a table file's filter is 10 bits
  // per series it holds: 1.25 MB for a flush of 1M series, larger than one
  // shard of the block cache (64 MiB in 64 shards), which then cannot keep
  // it. Every seek read it again from the file and verified its checksum:
  // 80% of sealing's time at 1M series, and a sealing rate a sixth of that
  // at 300k series.
  sample_table.partition_filters = true;
  sample_table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  sample_table.pin_top_level_index_and_filter = true;
  rocksdb::ColumnFamilyOptions samples = base;
  samples.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  // Writes interleave many series (a scrape touches each once) and each
  // series comes in time order: storage/sample_memtable.h files each entry
  // under its series and appends it there. RocksDB's hashed linked lists
  // took 30% of the remote write receiver's CPU at 10k series and 300
  // scrapes (an assertion's search of the series on every insert in
  // Debian's build) and sorted the whole memtable through a skip list to
  // flush it (35-41% of the process at 100k and 1M series); a plain skip
  // list ingested 100k series 10-20% slower than those. Against the hashed
  // lists in the same runs, this one took 0.72x the receiver's CPU per
  // sample at 10k series and 300 scrapes, 0.69x at 100k series and 40
  // scrapes, and embedded ingest at 100k series went from 0.6-0.76 to
  // 0.85-0.95 M samples per CPU second. One hash bucket per
  // 128 bytes of write buffer (1/16 of its arena): with 65,536 buckets the
  // hashed lists ingested 100k series at 0.6x the rate of 524,288.
  samples.memtable_factory = NewSampleMemTableRepFactory(MemtableBuckets(options_.write_buffer_bytes));
  samples.table_factory.reset(rocksdb::NewBlockBasedTableFactory(sample_table));
  // Flushes write raw samples uncompressed; compactions (LZ4, ZSTD at the
  // bottommost level) compress them. LZ4 took a sixth of the flush's CPU at
  // 100k series and saved little: a block of one series' samples is mostly
  // 8-byte values and sequence numbers, 25.3 bytes a sample uncompressed
  // against 18.4. Level-0 files are short-lived (compaction merges them at
  // four, and sealing deletes raw samples within hours), and they are read
  // without decompressing. Embedded ingest at 100k series (11 alternating
  // pairs, load 7-11): the other threads' samples per CPU second 1.06-1.70x
  // (median 1.27x), the whole process's with the last flush 1.02-1.40x
  // (median 1.11x; the writer thread's, unchanged, 0.97-1.27x: the noise).
  samples.compression_per_level.assign(samples.num_levels, samples.compression);
  samples.compression_per_level[0] = rocksdb::kNoCompression;

  // Segments are already compressed: RocksDB's block compression would only cost CPU.
  rocksdb::ColumnFamilyOptions segments = base;
  segments.compression = rocksdb::kNoCompression;
  segments.bottommost_compression = rocksdb::kNoCompression;

  rocksdb::ColumnFamilyOptions small = base;
  small.write_buffer_size = std::min<size_t>(options_.write_buffer_bytes, 8u << 20);
  // The catalog and the postings take a burst of entries when many series
  // are new at once (five a series at 1M series, a remote write's first
  // scrape): with small memtables each burst became dozens of level-0
  // files, and compacting them into level 1 again and again took a third
  // of the receiver's CPU. A memtable only takes memory as it fills.
  rocksdb::ColumnFamilyOptions index = small;
  index.write_buffer_size = options_.write_buffer_bytes;

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {kFamilyNames[kMeta], small},        {kFamilyNames[kSeries], index},
      {kFamilyNames[kPostings], index},    {kFamilyNames[kSamples], samples},
      {kFamilyNames[kSegments], segments}, {kFamilyNames[kSummaries], small},
  };

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options_.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.error_if_exists = options_.error_if_exists;
  db_options.max_background_jobs = 2;
  db_options.allow_concurrent_memtable_write = false;  // the samples memtable has one writer
  db_options.max_total_wal_size = 4 * options_.write_buffer_bytes;
  if (options_.all_write_buffers_bytes > 0) {
    db_options.write_buffer_manager =
        std::make_shared<rocksdb::WriteBufferManager>(options_.all_write_buffers_bytes, cache_);
  }
  if (options_.file_system && !env_) {
    env_ = rocksdb::NewCompositeEnv(options_.file_system);
  }
  if (env_) db_options.env = env_.get();
  // RocksDB's own LOG writer aborts the process after a failed write
  // (info_log.h); this one drops the line instead.
  db_options.info_log = NewInfoLog(path_, /*rotate=*/!options_.read_only);

  if (!options_.read_only && options_.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) return Status::IOError("cannot create " + path_ + ": " + ec.message());
  }

  const std::string lock_file = path_ + "/LOCK";
  bool secondary = options_.read_only && options_.secondary;
  if (options_.read_only && !secondary) {
    // A read-only instance beside a running writer would see neither what
    // the writer adds nor survive its compactions deleting the files it
    // reads: follow the writer as a secondary instead.
    std::lock_guard<std::mutex> lock(LockFileMutex());
    secondary = IsLockFileHeld(lock_file);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  cfs_.clear();
  if (secondary) {
    // The secondary keeps its own info LOG in a directory of its own; with
    // every table file kept open, files the writer deletes stay readable.
    std::string tmp = (std::filesystem::temp_directory_path() / "overtone-secondary-XXXXXX").string();
    if (::mkdtemp(tmp.data()) == nullptr) {
      return Status::IOError("cannot create a directory for a secondary instance: " + tmp);
    }
    secondary_dir_ = tmp;
    db_options.info_log = NewInfoLog(secondary_dir_, /*rotate=*/true);  // not the writer's LOG
    db_options.max_open_files = -1;
    // Each catch-up loads the new files' handles, by default with 16 threads
    // started per column family: ~100 thread starts per statement. One
    // thread (the caller) suffices for the few files a catch-up brings.
    db_options.max_file_opening_threads = 1;
    s = rocksdb::DB::OpenAsSecondary(db_options, path_, secondary_dir_, families, &cfs_, &raw);
  } else if (options_.read_only) {
    s = rocksdb::DB::OpenForReadOnly(db_options, path_, families, &cfs_, &raw);
  } else {
    // A writer locks the LOCK file; RocksDB refuses a second one with a
    // plain I/O error, which the lock itself tells apart (lock_file.h).
    std::lock_guard<std::mutex> lock(LockFileMutex());
    s = rocksdb::DB::Open(db_options, path_, families, &cfs_, &raw);
    if (s.IsIOError() && IsLockFileHeld(lock_file)) {
      return Status::Busy("opening " + path_ + ": the database is open in another process (" + s.ToString() +
                          ")");
    }
    if (s.ok()) held_lock_file_ = std::make_unique<HeldLockFile>(lock_file);
  }
  if (!s.ok()) {
    cfs_.clear();
    return FromRocks(s, "opening " + path_);
  }
  db_.reset(raw);
  return Status::OK();
}

Status Store::CheckFormatVersion() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], ToSlice(kFormatVersionKey), &value);
  if (s.IsNotFound()) {
    if (options_.read_only) return Status::OK();
    std::string v;
    PutBE64(&v, kFormatVersion);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Put(wo, cfs_[kMeta], ToSlice(kFormatVersionKey), v), "writing format version");
  }
  if (!s.ok()) return FromRocks(s, "reading format version");
  if (value.size() != 8) return Status::Corruption("format version record is malformed");
  uint64_t version = DecodeBE64(value.data());
  if (version < kOldestFormatVersion || version > kFormatVersion) {
    return Status::NotSupported("database format version " + std::to_string(version) +
                                " is not supported by this build (it reads versions " +
                                std::to_string(kOldestFormatVersion) + " to " +
                                std::to_string(kFormatVersion) + ")");
  }
  if (version == kFormatVersion || options_.read_only) return Status::OK();
  // Versions 1 and 2 hold nothing version 3 reads differently; from here on
  // a segment or summary may be of a format an older build does not know,
  // so the mark goes first.
  std::string v;
  PutBE64(&v, kFormatVersion);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, cfs_[kMeta], ToSlice(kFormatVersionKey), v), "writing format version");
}

Store::~Store() {
  StopRecovery();
  CloseDb();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);  // best effort: it only holds a log
  }
}

void Store::CloseDb() {
  if (!db_) return;
  for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
  cfs_.clear();
  std::lock_guard<std::mutex> lock(LockFileMutex());
  db_->Close().PermitUncheckedError();  // lets go of the LOCK file
  db_.reset();
  held_lock_file_.reset();
}

Status Store::CatchUp() {
  if (!secondary()) return Status::OK();
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::lock_guard<std::mutex> lock(catch_up_mu_);
  if (live_views_.load(std::memory_order_acquire) != 0) return Status::OK();  // the next call catches up
  return FromRocks(db_->TryCatchUpWithPrimary(), "catching up with the writer");
}

int64_t Store::WriterPid(const std::string& path) {
  std::lock_guard<std::mutex> lock(LockFileMutex());
  return LockFileHolder(path + "/LOCK");
}

Result<uint64_t> Store::ReadDeletedSeriesCount() {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], ToSlice(kDeletedSeriesKey), &value);
  if (s.IsNotFound()) return uint64_t{0};
  if (!s.ok()) return FromRocks(s, "reading deleted series count");
  if (value.size() != 8) return Status::Corruption("deleted series count record is malformed");
  return DecodeBE64(value.data());
}

Status Store::Commit(Batch* batch) {
  if (options_.read_only) return Status::NotSupported("the database is open read-only");
  // Not into RocksDB while it is stopped by a fault: the recovery thread
  // alone finds out when writes work again.
  if (writes_failing() || batch->dropped_) return RefuseWrite();
  StorePin pin = Pin();
  if (!db_) return RefuseWrite();
  batch->ApplySamples();
  batch->ApplyPostings();
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  rocksdb::Status s = db_->Write(wo, batch->rep_.get());
  if (!s.ok()) return WriteFailed(FromRocks(s, "writing"));
  return Status::OK();
}

Result<SeriesId> Store::ReadNextSeriesId() {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], ToSlice(kNextSeriesIdKey), &value);
  if (s.IsNotFound()) return SeriesId{1};
  if (!s.ok()) return FromRocks(s, "reading next series id");
  if (value.size() != 8) return Status::Corruption("next series id record is malformed");
  return SeriesId{DecodeBE64(value.data())};
}

Status Store::ForEachSeries(const std::function<Status(SeriesId, const Labels&)>& fn) {
  return ForEachSeriesFrom(0, fn);
}

Status Store::ForEachSeriesFrom(SeriesId first, const std::function<Status(SeriesId, const Labels&)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kSeries]));
  Labels labels;
  for (it->Seek(SeriesKey(first)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (k.size() != 8 || !DecodeLabels(ToView(it->value()), &labels)) {
      return Status::Corruption("series catalog entry is malformed");
    }
    OT_RETURN_IF_ERROR(fn(DecodeBE64(k.data()), labels));
  }
  return FromRocks(it->status(), "reading series catalog");
}

Status Store::ReadSeries(SeriesId id, Labels* labels) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kSeries], SeriesKey(id), &value);
  if (s.IsNotFound()) return Status::NotFound("no series with id " + std::to_string(id));
  if (!s.ok()) return FromRocks(s, "reading series " + std::to_string(id));
  if (!DecodeLabels(value, labels)) return Status::Corruption("series catalog entry is malformed");
  return Status::OK();
}

size_t Store::MemoryUsage() const {
  StorePin pin = Pin();  // a reopen replaces the cache
  return cache_ ? cache_->GetUsage() : 0;
}

size_t Store::TimestampColumnCacheBytes() const { return column_cache_->bytes(); }

Status Store::ForEachPosting(std::string_view name, std::string_view value,
                             const std::function<void(SeriesId)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::string prefix = PostingsValuePrefix(name, value);
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kPostings]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (k.size() != prefix.size() + 8) return Status::Corruption("posting key is malformed");
    fn(DecodeBE64(k.data() + prefix.size()));
  }
  return FromRocks(it->status(), "reading postings");
}

Status Store::ForEachLabelValue(std::string_view name, const std::function<void(std::string_view)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::string prefix(name);
  prefix.push_back('\0');
  std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kPostings]));
  std::string value;
  it->Seek(prefix);
  while (it->Valid()) {
    std::string_view rest = ToView(it->key()).substr(prefix.size());
    if (!ConsumeEscaped(&rest, &value)) return Status::Corruption("posting key is malformed");
    fn(value);
    // Skip the remaining series of this value in one seek.
    it->Seek(PrefixSuccessor(PostingsValuePrefix(name, value)));
  }
  return FromRocks(it->status(), "reading label values");
}

Status Store::ForEachPostingEntry(
    const std::function<void(std::string_view, std::string_view, SeriesId)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kPostings]));
  std::string value;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k = ToView(it->key());
    size_t end = k.find('\0');
    if (end == std::string_view::npos || k.size() < end + 1 + 2 + 8)
      return Status::Corruption("posting key is malformed");
    std::string_view rest = k.substr(end + 1, k.size() - end - 1 - 8);
    if (!ConsumeEscaped(&rest, &value) || !rest.empty())
      return Status::Corruption("posting key is malformed");
    fn(k.substr(0, end), value, DecodeBE64(k.data() + k.size() - 8));
  }
  return FromRocks(it->status(), "reading postings");
}

Status Store::ForEachRawSample(const std::function<void(SeriesId, const Sample&)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // across series: the prefix extractor must not limit it
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kSamples]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    if (k.size() != 16 || v.size() != 8) {
      return Status::Corruption("raw sample key or value has the wrong size");
    }
    fn(DecodeBE64(k.data()), Sample{KeyToTimestamp(DecodeBE64(k.data() + 8)), DecodeDoubleBits(v.data())});
  }
  return FromRocks(it->status(), "reading raw samples");
}

Status Store::VerifyChecksums() {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  return FromRocks(db_->VerifyChecksum(), "verifying block checksums");
}

Status Store::ForEachLabelName(const std::function<void(std::string_view)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kPostings]));
  it->SeekToFirst();
  while (it->Valid()) {
    std::string_view k = ToView(it->key());
    size_t end = k.find('\0');
    if (end == std::string_view::npos) return Status::Corruption("posting key is malformed");
    std::string name(k.substr(0, end));
    fn(name);
    name.push_back('\x01');  // the first key past "name\0..."
    it->Seek(name);
  }
  return FromRocks(it->status(), "reading label names");
}

std::unique_ptr<ReadView> Store::NewReadView() {
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  if (db == nullptr) return std::make_unique<ReadView>(std::move(pin), nullptr, nullptr, nullptr);
  if (!secondary()) return std::make_unique<ReadView>(std::move(pin), db, db->GetSnapshot(), nullptr);
  std::lock_guard<std::mutex> lock(catch_up_mu_);  // not in the middle of a catch-up
  live_views_.fetch_add(1, std::memory_order_acq_rel);
  return std::make_unique<ReadView>(std::move(pin), db, nullptr, &live_views_);
}

std::unique_ptr<SampleCursor> Store::NewSampleCursor(SeriesId id, int64_t min_ts, int64_t max_ts,
                                                     const ReadView* view) {
  std::string lower = SampleKey(id, min_ts);
  std::string upper = max_ts == INT64_MAX ? SeriesKey(id + 1) : SampleKey(id, max_ts + 1);
  if (min_ts > max_ts) upper = lower;
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  return std::make_unique<SampleCursor>(std::move(pin), db, db ? cfs_[kSamples] : nullptr, view,
                                        std::move(lower), std::move(upper), &samples_scanned_);
}

std::unique_ptr<SampleCursor> Store::NewSeriesSeekCursor(const ReadView* view) {
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  return std::make_unique<SampleCursor>(std::move(pin), db, db ? cfs_[kSamples] : nullptr, view,
                                        std::string(), std::string(), &samples_scanned_);
}

std::unique_ptr<SegmentCursor> Store::NewSegmentCursor(SeriesId id, int64_t min_last_ts,
                                                       const ReadView* view) {
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  return std::make_unique<SegmentCursor>(std::move(pin), db, db ? cfs_[kSegments] : nullptr, view,
                                         SampleKey(id, min_last_ts), SeriesKey(id + 1));
}

std::unique_ptr<SegmentCursor> Store::NewAllSegmentsCursor(const ReadView* view) {
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  return std::make_unique<SegmentCursor>(std::move(pin), db, db ? cfs_[kSegments] : nullptr, view,
                                         SeriesKey(kTimestampColumnSeries + 1), std::string());
}

std::unique_ptr<SegmentCursor> Store::NewSummaryCursor(SeriesId id, int64_t min_last_ts,
                                                       const ReadView* view) {
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  return std::make_unique<SegmentCursor>(std::move(pin), db, db ? cfs_[kSummaries] : nullptr, view,
                                         SampleKey(id, min_last_ts), SeriesKey(id + 1));
}

Result<std::string> Store::GetSegment(SeriesId id, int64_t max_ts, const ReadView* view) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  rocksdb::ReadOptions ro;
  if (view) ro.snapshot = view->snapshot();
  std::string value;
  rocksdb::Status s = db_->Get(ro, cfs_[kSegments], SampleKey(id, max_ts), &value);
  if (!s.ok()) return FromRocks(s, "reading segment of series " + std::to_string(id));
  return value;
}

std::unique_ptr<SegmentCursor> Store::NewAllSummariesCursor(const ReadView* view) {
  StorePin pin = Pin();
  rocksdb::DB* db = db_.get();
  return std::make_unique<SegmentCursor>(std::move(pin), db, db ? cfs_[kSummaries] : nullptr, view,
                                         std::string(), std::string());
}

Status Store::Flush() {
  if (options_.read_only) return Status::OK();
  if (writes_failing()) return RefuseWrite();
  StorePin pin = Pin();
  if (!db_) return RefuseWrite();
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return WriteFailed(FromRocks(db_->Flush(fo, cfs_), "flushing"));
}

Status Store::FlushRawSamples() {
  if (options_.read_only) return Status::OK();
  if (writes_failing()) return RefuseWrite();
  StorePin pin = Pin();
  if (!db_) return RefuseWrite();
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return WriteFailed(FromRocks(db_->Flush(fo, cfs_[kSamples]), "flushing raw samples"));
}

uint64_t Store::EstimateRawSamples() const {
  StorePin pin = Pin();
  uint64_t n = 0;
  if (!db_) return 0;
  if (!db_->GetIntProperty(cfs_[kSamples], "rocksdb.estimate-num-keys", &n)) return 0;
  return n;
}

Status Store::CompactRawSamples() {
  if (options_.read_only) return Status::OK();
  if (writes_failing()) return RefuseWrite();
  StorePin pin = Pin();
  if (!db_) return RefuseWrite();
  rocksdb::FlushOptions fo;
  fo.wait = true;
  OT_RETURN_IF_ERROR(WriteFailed(FromRocks(db_->Flush(fo, cfs_[kSamples]), "flushing raw samples")));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return WriteFailed(
      FromRocks(db_->CompactRange(co, cfs_[kSamples], nullptr, nullptr), "compacting raw samples"));
}

uint64_t Store::DiskBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    // RocksDB deletes obsolete files as it goes: one listed a moment ago may
    // be gone, and file_size() then returns uintmax_t(-1), not a size.
    uint64_t size = entry.file_size(ec);
    if (!ec) total += size;
  }
  return total;
}

Result<std::string> Store::GetRecord(RecordSpace space, std::string_view key) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], RecordPrefix(space).append(key), &value);
  if (!s.ok()) return FromRocks(s, "reading a record");
  return value;
}

Status Store::ForEachRecord(RecordSpace space,
                            const std::function<Status(std::string_view, std::string_view)>& fn) {
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();
  const std::string prefix = RecordPrefix(space);
  const std::string upper = PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kMeta]));
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    OT_RETURN_IF_ERROR(fn(ToView(it->key()).substr(prefix.size()), ToView(it->value())));
  }
  return FromRocks(it->status(), "reading records");
}

Status Store::SeriesTimeBounds(SeriesId id, int64_t* min_ts, int64_t* max_ts, bool* any) {
  *any = false;
  StorePin pin = Pin();
  if (!db_) return ClosedStatus();

  auto widen = [&](int64_t lo, int64_t hi) {
    *min_ts = *any ? std::min(*min_ts, lo) : lo;
    *max_ts = *any ? std::max(*max_ts, hi) : hi;
    *any = true;
  };
  const std::string first = SampleKey(id, INT64_MIN), last = SampleKey(id, INT64_MAX);
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> raw(db_->NewIterator(ro, cfs_[kSamples]));
  raw->Seek(first);
  if (raw->Valid() && raw->key().size() == 16 && DecodeBE64(raw->key().data()) == id) {
    int64_t lo = KeyToTimestamp(DecodeBE64(raw->key().data() + 8));
    raw->SeekForPrev(last);
    int64_t hi =
        raw->Valid() && raw->key().size() == 16 ? KeyToTimestamp(DecodeBE64(raw->key().data() + 8)) : lo;
    widen(lo, hi);
  }
  OT_RETURN_IF_ERROR(FromRocks(raw->status(), "reading raw samples"));
  std::unique_ptr<rocksdb::Iterator> seg(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kSegments]));
  seg->Seek(first);
  if (seg->Valid() && seg->key().size() == 16 && DecodeBE64(seg->key().data()) == id) {
    SegmentView view;
    OT_RETURN_IF_ERROR(ParseSegment(ToView(seg->value()), &view));
    int64_t lo = view.min_ts;
    seg->SeekForPrev(last);
    int64_t hi = KeyToTimestamp(DecodeBE64(seg->key().data() + 8));
    widen(lo, hi);
  }
  return FromRocks(seg->status(), "reading segments");
}

uint64_t Store::EstimateSegmentCount() {
  StorePin pin = Pin();
  uint64_t n = 0;
  if (!db_) return 0;
  if (!db_->GetIntProperty(cfs_[kSegments], "rocksdb.estimate-num-keys", &n)) return 0;
  return n;
}

}  // namespace overtone::storage
