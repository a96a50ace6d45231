// Batch: the writes of one atomic commit (Store::Commit), keyed as
// store_keys.h lays them out.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

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

void Batch::PutSeries(SeriesId id, const Labels& labels) { PutSeries(id, EncodeLabels(labels)); }

void Batch::PutSeries(SeriesId id, std::string_view encoded) {
  if (dropped_) return;
  Rep()->Put(store_->cfs_[kSeries], SeriesKey(id), ToSlice(encoded));
  const size_t base = posting_labels_.size();
  posting_labels_.append(encoded);
  std::string_view in = encoded;  // the caller's bytes: posting_labels_ may move as it grows
  std::string_view name, value;
  while (!in.empty()) {
    const char* pair = in.data();
    if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &value)) break;
    const auto at = [pair](std::string_view part) { return static_cast<uint32_t>(part.data() - pair); };
    PostingPair p{base + static_cast<size_t>(pair - encoded.data()),
                  static_cast<uint32_t>(in.data() - pair),
                  at(name),
                  static_cast<uint32_t>(name.size()),
                  at(value),
                  static_cast<uint32_t>(value.size()),
                  XXH3_64bits(pair, static_cast<size_t>(in.data() - pair))};
    posting_ids_.emplace_back(PostingPairIndex(p), id);
  }
}

uint32_t Batch::PostingPairIndex(const PostingPair& pair) {
  if (2 * (posting_pairs_.size() + 1) > pair_slots_.size()) {
    // At most half full; grown by doubling, from the pairs' stored hashes.
    pair_slots_.assign(std::max<size_t>(64, 2 * pair_slots_.size()), 0);
    const size_t mask = pair_slots_.size() - 1;
    for (size_t p = 0; p < posting_pairs_.size(); ++p) {
      size_t slot = posting_pairs_[p].hash & mask;
      while (pair_slots_[slot] != 0) slot = (slot + 1) & mask;
      pair_slots_[slot] = static_cast<uint32_t>(p + 1);
    }
  }
  const size_t mask = pair_slots_.size() - 1;
  const char* bytes = posting_labels_.data() + pair.offset;
  size_t slot = pair.hash & mask;
  for (; pair_slots_[slot] != 0; slot = (slot + 1) & mask) {
    const PostingPair& p = posting_pairs_[pair_slots_[slot] - 1];
    if (p.hash == pair.hash && p.size == pair.size &&
        std::memcmp(posting_labels_.data() + p.offset, bytes, pair.size) == 0) {
      return pair_slots_[slot] - 1;
    }
  }
  const auto index = static_cast<uint32_t>(posting_pairs_.size());
  posting_pairs_.push_back(pair);
  pair_slots_[slot] = index + 1;
  return index;
}

void Batch::ApplyPostings() {
  if (posting_ids_.empty()) return;
  // Put in key order, the inserts into the memtable's skip list cost a sixth
  // of what they cost in hash order (RocksDB 7.8, 200k keys of one batch:
  // 19 key comparisons an insert against 118, and in cache), though still
  // about log2(n) comparisons each (unsorted, the searches took 60% of
  // creating a series).
  // The series of one request share most label pairs (job, region, ...):
  // sorting the distinct pairs and then placing each posting under its
  // pair (a counting sort) compares only the distinct pairs, where sorting
  // every posting key compared the long shared prefixes again and again.
  // Within a pair the ids keep their put order (ascending as given out).
  // Comparing name, then raw value orders pairs as their keys do (the
  // escaping keeps byte order). Only the memtable's speed depends on this
  // order: the keys differ.
  const char* labels = posting_labels_.data();
  auto name_of = [labels](const PostingPair& p) {
    return std::string_view(labels + p.offset + p.name_offset, p.name_size);
  };
  auto value_of = [labels](const PostingPair& p) {
    return std::string_view(labels + p.offset + p.value_offset, p.value_size);
  };
  const size_t pairs = posting_pairs_.size();
  // Sorted by a key in place: the rank of the pair's name among the
  // batch's few distinct names, then the value's first 8 bytes; the value
  // itself only when those are equal. Comparing the strings of every pair
  // read two of them from all over posting_labels_ (cache misses) and
  // compared the same names again and again.
  struct SortKey {
    uint32_t name_rank;
    uint32_t pair;
    uint64_t head;
  };
  std::vector<SortKey> keys(pairs);
  std::vector<std::string_view> names;
  {
    std::unordered_map<std::string_view, uint32_t> name_ids;
    for (size_t p = 0; p < pairs; ++p) {
      const PostingPair& pair = posting_pairs_[p];
      auto [it, added] = name_ids.try_emplace(name_of(pair), static_cast<uint32_t>(names.size()));
      if (added) names.push_back(it->first);
      char head[8] = {};
      std::memcpy(head, labels + pair.offset + pair.value_offset, std::min<size_t>(8, pair.value_size));
      keys[p] = SortKey{it->second, static_cast<uint32_t>(p), DecodeBE64(head)};
    }
    std::vector<uint32_t> by_name(names.size());
    for (size_t n = 0; n < names.size(); ++n) by_name[n] = static_cast<uint32_t>(n);
    std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
    std::vector<uint32_t> name_rank(names.size());
    for (size_t r = 0; r < by_name.size(); ++r) name_rank[by_name[r]] = static_cast<uint32_t>(r);
    for (SortKey& k : keys) k.name_rank = name_rank[k.name_rank];
  }
  std::sort(keys.begin(), keys.end(), [&](const SortKey& a, const SortKey& b) {
    if (a.name_rank != b.name_rank) return a.name_rank < b.name_rank;
    if (a.head != b.head) return a.head < b.head;
    return value_of(posting_pairs_[a.pair]) < value_of(posting_pairs_[b.pair]);
  });
  std::vector<uint32_t> order(pairs);
  for (size_t r = 0; r < pairs; ++r) order[r] = keys[r].pair;
  // start[rank]: where the ids of the pair ranked so begin in `ids`.
  std::vector<uint32_t> rank(pairs);
  for (size_t r = 0; r < pairs; ++r) rank[order[r]] = static_cast<uint32_t>(r);
  std::vector<size_t> start(pairs + 1, 0);
  for (const auto& [pair, id] : posting_ids_) ++start[rank[pair] + 1];
  for (size_t r = 0; r < pairs; ++r) start[r + 1] += start[r];
  std::vector<SeriesId> ids(posting_ids_.size());
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (const auto& [pair, id] : posting_ids_) ids[next[rank[pair]]++] = id;
  }
  rocksdb::WriteBatch* rep = Rep();
  rocksdb::ColumnFamilyHandle* family = store_->cfs_[kPostings];
  std::string key;
  for (size_t r = 0; r < pairs; ++r) {
    const PostingPair& p = posting_pairs_[order[r]];
    key.clear();
    AppendPostingsValuePrefix(&key, name_of(p), value_of(p));
    const size_t prefix = key.size();
    for (size_t i = start[r]; i < start[r + 1]; ++i) {
      key.resize(prefix);
      PutBE64(&key, ids[i]);
      rep->Put(family, key, "");
    }
  }
  ClearPostings();
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

size_t Batch::Count() const { return rep_->Count() + posting_ids_.size() + sample_count_; }

void Batch::ClearPostings() {
  posting_labels_.clear();
  posting_pairs_.clear();
  pair_slots_.clear();
  posting_ids_.clear();
}

void Batch::Clear() {
  rep_->Clear();
  samples_.clear();
  sample_count_ = 0;
  ClearPostings();
}

}  // namespace overtone::storage
