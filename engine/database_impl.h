// DatabaseImpl: the Database behind overtone::Database::Open.
//
// Directory layout: DIR/rocksdb/ holds the Store; other components (the SQL
// session's user.db) keep their files beside it.

#ifndef OVERTONE_ENGINE_DATABASE_IMPL_H_
#define OVERTONE_ENGINE_DATABASE_IMPL_H_

#include <atomic>
#include <memory>
#include <string>

#include "engine/series_index.h"
#include "overtone/database.h"
#include "storage/store.h"

namespace overtone {

class DatabaseImpl final : public Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const Options& options, const std::string& dir);

  Status Write(const WriteBatch& batch) override;
  Result<std::vector<SeriesInfo>> Select(std::span<const LabelMatcher> matchers) override;
  Result<SeriesInfo> GetSeries(SeriesId id) override;
  Result<SeriesId> FindSeries(const Labels& labels) override;
  Result<std::unique_ptr<SampleIterator>> Scan(SeriesId id, int64_t min_ts, int64_t max_ts) override;
  Status DeleteRange(SeriesId id, int64_t min_ts, int64_t max_ts) override;
  Status DeleteSeries(SeriesId id) override;
  Result<std::vector<std::string>> LabelNames() override;
  Result<std::vector<std::string>> LabelValues(std::string_view name) override;
  DatabaseStats GetStats() const override;
  const std::string& dir() const override { return dir_; }
  Status Flush() override;

 private:
  DatabaseImpl(std::string dir, std::unique_ptr<storage::Store> store)
      : dir_(std::move(dir)), store_(std::move(store)), index_(store_.get()) {}

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  engine::SeriesIndex index_;
  std::atomic<uint64_t> samples_written_{0};
  std::atomic<uint64_t> write_batches_{0};
};

}  // namespace overtone

#endif  // OVERTONE_ENGINE_DATABASE_IMPL_H_
