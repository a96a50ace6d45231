// Batch: the writes of one atomic commit (Store::Commit), keyed as
// store_keys.h lays them out.

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <bit>

#include "storage/store.h"
#include "storage/store_keys.h"

namespace overtone::storage {

// ---------------------------------------------------------------- Batch

Batch::Batch(const Store* store)
    : pin_(store->Pin()),
      store_(store),
      rep_(std::make_unique<rocksdb::WriteBatch>()),
      dropped_(!store->db_) {}
Batch::~Batch() = default;

void Batch::PutSeries(SeriesId id, const Labels& labels) {
  if (dropped_) return;
  rep_->Put(store_->cfs_[kSeries], SeriesKey(id), EncodeLabels(labels));
  for (const Label& l : labels) {
    postings_[PostingsValuePrefix(l.name, l.value)].push_back(id);
    ++posting_count_;
  }
}

void Batch::ApplyPostings() {
  // In key order, each insert into the memtable's skip list starts where the
  // last one ended (RocksDB keeps that position) instead of searching from
  // the top: the series of one request share most of their postings' bytes,
  // and searching for each cost 60% of creating a series.
  // The series of one request share most label pairs (job, region, ...):
  // grouping by pair sorts only the distinct pairs, where sorting every
  // posting key compared the long shared prefixes again and again (a fifth
  // of creating a series). Within a pair the ids ascend as they were given
  // out. Only the memtable's speed depends on this order: the keys differ.
  std::vector<const std::pair<const std::string, std::vector<SeriesId>>*> pairs;
  pairs.reserve(postings_.size());
  for (const auto& p : postings_) pairs.push_back(&p);
  std::sort(pairs.begin(), pairs.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string key;
  for (const auto* p : pairs) {
    key = p->first;
    const size_t prefix = key.size();
    for (SeriesId id : p->second) {
      key.resize(prefix);
      PutBE64(&key, id);
      rep_->Put(store_->cfs_[kPostings], key, "");
    }
  }
  postings_.clear();
  posting_count_ = 0;
}

void Batch::DeleteSeries(SeriesId id, const Labels& labels) {
  if (dropped_) return;
  ApplyPostings();  // the batch's operations on one key keep their order
  rep_->Delete(store_->cfs_[kSeries], SeriesKey(id));
  for (const Label& l : labels) rep_->Delete(store_->cfs_[kPostings], PostingKey(l.name, l.value, id));
  rep_->DeleteRange(store_->cfs_[kSamples], SeriesKey(id), SeriesKey(id + 1));
  rep_->DeleteRange(store_->cfs_[kSegments], SeriesKey(id), SeriesKey(id + 1));
  rep_->DeleteRange(store_->cfs_[kSummaries], SeriesKey(id), SeriesKey(id + 1));
}

void Batch::PutSample(SeriesId id, int64_t ts, double value) {
  if (dropped_) return;
  // On the stack: the write path's one call per sample allocates nothing
  // (a 16-byte std::string key does not fit the small-string buffer).
  char key[16], bits[8];
  StoreBE64(key, id);
  StoreBE64(key + 8, TimestampToKey(ts));
  uint64_t v = std::bit_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i, v >>= 8) bits[i] = static_cast<char>(v & 0xff);  // PutDoubleBits' order
  rep_->Put(store_->cfs_[kSamples], rocksdb::Slice(key, 16), rocksdb::Slice(bits, 8));
}

void Batch::DeleteSamples(SeriesId id, int64_t min_ts, int64_t max_ts) {
  if (dropped_) return;
  if (min_ts > max_ts) return;
  std::string begin = SampleKey(id, min_ts);
  std::string end = max_ts == INT64_MAX ? SeriesKey(id + 1) : SampleKey(id, max_ts + 1);
  rep_->DeleteRange(store_->cfs_[kSamples], begin, end);
}

void Batch::DeleteSamplesAcross(SeriesId first_id, int64_t first_ts, SeriesId last_id, int64_t last_ts) {
  if (dropped_) return;
  if (first_id > last_id || (first_id == last_id && first_ts > last_ts)) return;
  std::string begin = SampleKey(first_id, first_ts);
  std::string end = last_ts == INT64_MAX ? SeriesKey(last_id + 1) : SampleKey(last_id, last_ts + 1);
  rep_->DeleteRange(store_->cfs_[kSamples], begin, end);
}

void Batch::DeleteSample(SeriesId id, int64_t ts) {
  if (dropped_) return;
  rep_->Delete(store_->cfs_[kSamples], SampleKey(id, ts));
}

void Batch::SetNextSeriesId(SeriesId next) {
  if (dropped_) return;
  std::string v;
  PutBE64(&v, next);
  rep_->Put(store_->cfs_[kMeta], ToSlice(kNextSeriesIdKey), v);
}

void Batch::SetDeletedSeriesCount(uint64_t count) {
  if (dropped_) return;
  std::string v;
  PutBE64(&v, count);
  rep_->Put(store_->cfs_[kMeta], ToSlice(kDeletedSeriesKey), v);
}

void Batch::PutSegment(SeriesId id, int64_t max_ts, std::string_view segment) {
  if (dropped_) return;
  rep_->Put(store_->cfs_[kSegments], SampleKey(id, max_ts), ToSlice(segment));
}

void Batch::DeleteSegment(SeriesId id, int64_t max_ts) {
  if (dropped_) return;
  rep_->Delete(store_->cfs_[kSegments], SampleKey(id, max_ts));
}

void Batch::PutSummary(SeriesId id, int64_t max_ts, std::string_view summary) {
  if (dropped_) return;
  rep_->Put(store_->cfs_[kSummaries], SampleKey(id, max_ts), ToSlice(summary));
}

void Batch::DeleteSummary(SeriesId id, int64_t max_ts) {
  if (dropped_) return;
  rep_->Delete(store_->cfs_[kSummaries], SampleKey(id, max_ts));
}

void Batch::PutRecord(RecordSpace space, std::string_view key, std::string_view value) {
  if (dropped_) return;
  rep_->Put(store_->cfs_[kMeta], RecordPrefix(space).append(key), ToSlice(value));
}

void Batch::DeleteRecord(RecordSpace space, std::string_view key) {
  if (dropped_) return;
  rep_->Delete(store_->cfs_[kMeta], RecordPrefix(space).append(key));
}

size_t Batch::Count() const { return rep_->Count() + posting_count_; }
void Batch::Clear() {
  rep_->Clear();
  postings_.clear();
  posting_count_ = 0;
}

}  // namespace overtone::storage
