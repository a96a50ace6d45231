// Batch: the writes of one atomic commit (Store::Commit), keyed as
// store_keys.h lays them out.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "base/coding.h"
#include "storage/store.h"
#include "storage/store_keys.h"

namespace overtone::storage {
namespace {

// RocksDB's record type of a Put into a column family (ValueType
// kTypeColumnFamilyValue, db/dbformat.h; a WAL format constant).
constexpr char kTypeColumnFamilyValue = 0x05;
// Type, a varint32 family id, then key and value with one-byte lengths.
constexpr size_t kMaxSampleRecord = 1 + 5 + 1 + 16 + 1 + 8;
constexpr size_t kSampleRecord = kMaxSampleRecord - 4;  // with a family id below 128
// A WriteBatch's rep starts with a sequence number and a count.
constexpr size_t kRepHeader = 12;

}  // namespace

// ---------------------------------------------------------------- Batch

Batch::Batch(const Store* store)
    : pin_(store->Pin()),
      store_(store),
      rep_(std::make_unique<rocksdb::WriteBatch>()),
      sample_family_id_(store->db_ ? store->cfs_[kSamples]->GetID() : 0),
      dropped_(!store->db_) {}

rocksdb::WriteBatch* Batch::Rep() {
  ApplySamples();  // the batch's operations keep their order
  return rep_.get();
}
Batch::~Batch() = default;

void Batch::PutSeries(SeriesId id, const Labels& labels) {
  if (dropped_) return;
  Rep()->Put(store_->cfs_[kSeries], SeriesKey(id), EncodeLabels(labels));
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
      Rep()->Put(store_->cfs_[kPostings], key, "");
    }
  }
  postings_.clear();
  posting_count_ = 0;
}

void Batch::DeleteSeries(SeriesId id, const Labels& labels) {
  if (dropped_) return;
  ApplyPostings();  // the batch's operations on one key keep their order
  Rep()->Delete(store_->cfs_[kSeries], SeriesKey(id));
  for (const Label& l : labels) Rep()->Delete(store_->cfs_[kPostings], PostingKey(l.name, l.value, id));
  Rep()->DeleteRange(store_->cfs_[kSamples], SeriesKey(id), SeriesKey(id + 1));
  Rep()->DeleteRange(store_->cfs_[kSegments], SeriesKey(id), SeriesKey(id + 1));
  Rep()->DeleteRange(store_->cfs_[kSummaries], SeriesKey(id), SeriesKey(id + 1));
}

void Batch::PutSample(SeriesId id, int64_t ts, double value) {
  if (dropped_) return;
  // The record WriteBatch::Put would append (its rep's layout, which is also
  // the WAL's and so stays readable across RocksDB versions): the type
  // "value in a column family", the family's id, the key and the value,
  // each with a varint32 length. Written here in one piece: through Put,
  // each sample went through the family handle's virtual calls, a save
  // point and four appends to a growing string (4.5% of embedded ingest).
  char record[kMaxSampleRecord];
  char* p = record;
  *p++ = kTypeColumnFamilyValue;
  p = EncodeVarint64(p, sample_family_id_);
  *p++ = 16;
  StoreBE64(p, id);
  StoreBE64(p + 8, TimestampToKey(ts));
  p += 16;
  *p++ = 8;
  p = EncodeDoubleBits(p, value);
  if (samples_.empty()) samples_.assign(kRepHeader, '\0');
  samples_.append(record, static_cast<size_t>(p - record));
  ++sample_count_;
}

void Batch::ReserveSamples(size_t n) {
  if (samples_.empty()) samples_.assign(kRepHeader, '\0');
  samples_.reserve(kRepHeader + n * kSampleRecord);
}

void Batch::ApplySamples() {
  if (sample_count_ == 0) return;
  // A WriteBatch's rep: an 8-byte sequence (set when it is written), a
  // 4-byte little-endian count, then the records. samples_ starts with room
  // for that header: a batch of samples alone (the write path's) becomes
  // the rep without a copy.
  uint32_t count = sample_count_;
  std::string rep;
  if (rep_->Count() == 0 && rep_->GetDataSize() == kRepHeader) {
    rep = std::move(samples_);
  } else {
    count += rep_->Count();
    rep.reserve(rep_->GetDataSize() + samples_.size() - kRepHeader);
    rep.append(rep_->Data());
    rep.append(samples_, kRepHeader);
  }
  for (size_t i = 0; i < 4; ++i) rep[8 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
  rep_ = std::make_unique<rocksdb::WriteBatch>(std::move(rep));
  samples_.clear();
  sample_count_ = 0;
}

void Batch::DeleteSamples(SeriesId id, int64_t min_ts, int64_t max_ts) {
  if (dropped_) return;
  if (min_ts > max_ts) return;
  std::string begin = SampleKey(id, min_ts);
  std::string end = max_ts == INT64_MAX ? SeriesKey(id + 1) : SampleKey(id, max_ts + 1);
  Rep()->DeleteRange(store_->cfs_[kSamples], begin, end);
}

void Batch::DeleteSamplesAcross(SeriesId first_id, int64_t first_ts, SeriesId last_id, int64_t last_ts) {
  if (dropped_) return;
  if (first_id > last_id || (first_id == last_id && first_ts > last_ts)) return;
  std::string begin = SampleKey(first_id, first_ts);
  std::string end = last_ts == INT64_MAX ? SeriesKey(last_id + 1) : SampleKey(last_id, last_ts + 1);
  Rep()->DeleteRange(store_->cfs_[kSamples], begin, end);
}

void Batch::DeleteSample(SeriesId id, int64_t ts) {
  if (dropped_) return;
  Rep()->Delete(store_->cfs_[kSamples], SampleKey(id, ts));
}

void Batch::SetNextSeriesId(SeriesId next) {
  if (dropped_) return;
  std::string v;
  PutBE64(&v, next);
  Rep()->Put(store_->cfs_[kMeta], ToSlice(kNextSeriesIdKey), v);
}

void Batch::SetDeletedSeriesCount(uint64_t count) {
  if (dropped_) return;
  std::string v;
  PutBE64(&v, count);
  Rep()->Put(store_->cfs_[kMeta], ToSlice(kDeletedSeriesKey), v);
}

void Batch::PutSegment(SeriesId id, int64_t max_ts, std::string_view segment) {
  if (dropped_) return;
  Rep()->Put(store_->cfs_[kSegments], SampleKey(id, max_ts), ToSlice(segment));
}

void Batch::DeleteSegment(SeriesId id, int64_t max_ts) {
  if (dropped_) return;
  Rep()->Delete(store_->cfs_[kSegments], SampleKey(id, max_ts));
}

void Batch::PutSummary(SeriesId id, int64_t max_ts, std::string_view summary) {
  if (dropped_) return;
  Rep()->Put(store_->cfs_[kSummaries], SampleKey(id, max_ts), ToSlice(summary));
}

void Batch::DeleteSummary(SeriesId id, int64_t max_ts) {
  if (dropped_) return;
  Rep()->Delete(store_->cfs_[kSummaries], SampleKey(id, max_ts));
}

void Batch::PutRecord(RecordSpace space, std::string_view key, std::string_view value) {
  if (dropped_) return;
  Rep()->Put(store_->cfs_[kMeta], RecordPrefix(space).append(key), ToSlice(value));
}

void Batch::DeleteRecord(RecordSpace space, std::string_view key) {
  if (dropped_) return;
  Rep()->Delete(store_->cfs_[kMeta], RecordPrefix(space).append(key));
}

size_t Batch::Count() const { return rep_->Count() + posting_count_ + sample_count_; }
void Batch::Clear() {
  rep_->Clear();
  samples_.clear();
  sample_count_ = 0;
  postings_.clear();
  posting_count_ = 0;
}

}  // namespace overtone::storage
