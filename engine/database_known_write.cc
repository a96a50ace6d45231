// DatabaseImpl::WriteWithIds, and Write as its case with no known series:
// a writer may name the series it has written before by id, so that they
// skip the label set's hashing and the index lookup.

#include "engine/database_impl.h"

namespace overtone {

Status DatabaseImpl::WriteWithIds(const WriteBatch& batch, std::span<const KnownSample> known,
                                  std::vector<SeriesId>* ids, std::vector<SeriesId>* stale) {
  ids->clear();
  stale->clear();
  if (batch.empty() && known.empty()) return Status::OK();
  OT_RETURN_IF_ERROR(CheckWritable());
  // The batch holds its label sets normalized and encoded, with their
  // hashes: resolving them reads one contiguous buffer.
  std::vector<engine::LabelKey> keys(batch.series_.size());
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = engine::LabelKey{batch.key(i), batch.series_[i].hash};
  {
    // Held from the id lookups to the commit: a DeleteSeries() in between
    // (it holds the lock exclusively) would delete the series and then see
    // this batch commit samples under its id, stored for good and read by
    // nobody. Held this way, the batch lands either before the deletion,
    // which removes its samples, or after it, under a new series. A known
    // series deleted before it is not hot any more, and the batch is
    // refused rather than written under an id nobody reads.
    std::shared_lock lock(seal_mu_);
    if (!known.empty()) {
      std::vector<SeriesId> known_ids;
      known_ids.reserve(known.size());
      for (const KnownSample& k : known) {
        if (known_ids.empty() || known_ids.back() != k.series) known_ids.push_back(k.series);
      }
      OT_RETURN_IF_ERROR(index_.TouchHot(known_ids, stale));
      if (!stale->empty()) {
        std::sort(stale->begin(), stale->end());
        stale->erase(std::unique(stale->begin(), stale->end()), stale->end());
        return Status::NotFound(std::to_string(stale->size()) + " series named by id are not in memory");
      }
    }
    OT_RETURN_IF_ERROR(index_.GetOrCreate(keys, ids));
    storage::Batch out(store_.get());
    out.ReserveSamples(batch.samples_.size() + known.size());
    for (const WriteBatch::Entry& e : batch.samples_)
      out.PutSample((*ids)[e.series], e.sample.ts, e.sample.value);
    for (const KnownSample& k : known) out.PutSample(k.series, k.sample.ts, k.sample.value);
    OT_RETURN_IF_ERROR(store_->Commit(&out));
    if (standing_.watching()) {
      FeedStandingWindows(batch, *ids);
      if (!known.empty()) {
        engine::StandingWindows::Feeder feeder = standing_.BeginFeed();
        for (const KnownSample& k : known) feeder.Add(k.series, k.sample);
      }
    }
  }
  samples_written_.fetch_add(batch.samples_.size() + known.size(), std::memory_order_relaxed);
  write_batches_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

}  // namespace overtone
