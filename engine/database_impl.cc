#include "engine/database_impl.h"

#include <filesystem>
#include <system_error>

namespace overtone {
namespace {

class RawSampleIterator final : public SampleIterator {
 public:
  explicit RawSampleIterator(std::unique_ptr<storage::SampleCursor> cursor)
      : cursor_(std::move(cursor)) {}
  bool Valid() const override { return cursor_->Valid(); }
  void Next() override { cursor_->Next(); }
  Sample sample() const override { return cursor_->sample(); }
  Status status() const override { return cursor_->status(); }

 private:
  std::unique_ptr<storage::SampleCursor> cursor_;
};

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const Options& options, const std::string& dir) {
  return DatabaseImpl::Open(options, dir);
}

Result<std::unique_ptr<Database>> DatabaseImpl::Open(const Options& options, const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("no database directory given");
  std::error_code ec;
  auto st = std::filesystem::status(dir, ec);
  if (std::filesystem::exists(st) && !std::filesystem::is_directory(st)) {
    return Status::InvalidArgument(dir + " exists and is not a directory");
  }
  if (!std::filesystem::exists(st)) {
    if (!options.create_if_missing || options.read_only) {
      return Status::NotFound("database directory " + dir + " does not exist");
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }

  storage::StoreOptions so;
  so.create_if_missing = options.create_if_missing;
  so.error_if_exists = options.error_if_exists;
  so.read_only = options.read_only;
  so.sync = options.sync;
  so.block_cache_bytes = options.block_cache_bytes;
  so.write_buffer_bytes = options.write_buffer_bytes;
  OT_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                      storage::Store::Open(so, (std::filesystem::path(dir) / "rocksdb").string()));

  std::unique_ptr<DatabaseImpl> db(new DatabaseImpl(dir, std::move(store)));
  OT_RETURN_IF_ERROR(db->index_.Load());
  return std::unique_ptr<Database>(std::move(db));
}

Status DatabaseImpl::Write(const WriteBatch& batch) {
  if (batch.empty()) return Status::OK();
  std::vector<Labels> label_sets(batch.series_.begin(), batch.series_.end());
  for (Labels& labels : label_sets) {
    NormalizeLabels(&labels);
    OT_RETURN_IF_ERROR(ValidateLabels(labels));
  }
  std::vector<SeriesId> ids;
  OT_RETURN_IF_ERROR(index_.GetOrCreate(label_sets, &ids));

  storage::Batch out(store_.get());
  for (const WriteBatch::Entry& e : batch.samples_) {
    out.PutSample(ids[e.series], e.sample.ts, e.sample.value);
  }
  OT_RETURN_IF_ERROR(store_->Commit(&out));
  samples_written_.fetch_add(batch.samples_.size(), std::memory_order_relaxed);
  write_batches_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
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

Result<std::unique_ptr<SampleIterator>> DatabaseImpl::Scan(SeriesId id, int64_t min_ts,
                                                           int64_t max_ts) {
  Labels labels;
  if (!index_.Get(id, &labels)) return Status::NotFound("no series with id " + std::to_string(id));
  return std::unique_ptr<SampleIterator>(
      new RawSampleIterator(store_->NewSampleCursor(id, min_ts, max_ts)));
}

Status DatabaseImpl::DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) {
  Labels labels;
  if (!index_.Get(id, &labels)) return Status::NotFound("no series with id " + std::to_string(id));
  storage::Batch batch(store_.get());
  batch.DeleteSamples(id, min_ts, max_ts);
  return store_->Commit(&batch);
}

Status DatabaseImpl::DeleteSeries(SeriesId id) { return index_.Delete(id); }

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
  s.samples_written = samples_written_.load(std::memory_order_relaxed);
  s.samples_scanned = store_->samples_scanned();
  s.write_batches = write_batches_.load(std::memory_order_relaxed);
  s.disk_bytes = store_->DiskBytes();
  return s;
}

Status DatabaseImpl::Flush() { return store_->Flush(); }

}  // namespace overtone
