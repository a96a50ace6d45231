// Shared timestamp columns in the Store: kept in the segments family under
// series id 0, which no series ever gets (docs/FORMAT.md), and read through
// a cache of decoded columns.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <mutex>

#include "storage/codec/segment.h"
#include "storage/codec/timestamp_column.h"
#include "storage/rocks_status.h"
#include "storage/store.h"
#include "storage/store_keys.h"
#include "storage/timestamp_column_cache.h"

namespace overtone::storage {
namespace {

std::string ColumnKey(uint64_t key) {
  std::string k;
  k.reserve(16);
  PutBE64(&k, kTimestampColumnSeries);
  PutBE64(&k, key);
  return k;
}

}  // namespace

void Batch::PutTimestampColumn(uint64_t key, std::string_view column) {
  if (dropped_) return;
  Rep()->Put(store_->cfs_[kSegments], ColumnKey(key), ToSlice(column));
}

void Batch::DeleteTimestampColumn(uint64_t key) {
  if (dropped_) return;
  Rep()->Delete(store_->cfs_[kSegments], ColumnKey(key));
}

Result<std::string> Store::GetTimestampColumn(uint64_t key, const ReadView* view) {
  StorePin pin = Pin();
  if (!db_)
    return Status::IOError("the database is closed while it recovers from a storage fault; retry later");
  rocksdb::ReadOptions ro;
  if (view) ro.snapshot = view->snapshot();
  std::string value;
  rocksdb::Status s = db_->Get(ro, cfs_[kSegments], ColumnKey(key), &value);
  if (!s.ok()) return FromRocks(s, "reading shared timestamp column " + std::to_string(key));
  return value;
}

namespace {

Status CheckColumnKey(uint64_t key, std::string_view bytes) {
  if (TimestampColumnKey(bytes) == key) return Status::OK();
  return Status::Corruption("shared timestamp column " + std::to_string(key) + " does not match its key");
}

}  // namespace

Result<TimestampColumnPtr> Store::TimestampColumn(uint64_t key, const ReadView* view) {
  if (TimestampColumnPtr hit = column_cache_->Find(key)) return hit;
  OT_ASSIGN_OR_RETURN(std::string bytes, GetTimestampColumn(key, view));
  OT_RETURN_IF_ERROR(CheckColumnKey(key, bytes));
  auto ts = std::make_shared<std::vector<int64_t>>();
  OT_RETURN_IF_ERROR(DecodeTimestampColumn(bytes, ts.get()));
  column_cache_->Insert(key, ts);
  return TimestampColumnPtr(std::move(ts));
}

Result<TimestampColumnForRange> Store::TimestampColumnForRead(uint64_t key, const ReadView* view) {
  TimestampColumnForRange out;
  if ((out.whole = column_cache_->Find(key)) != nullptr) return out;
  if ((out.framed = column_cache_->FindFramed(key)) != nullptr) return out;
  OT_ASSIGN_OR_RETURN(std::string bytes, GetTimestampColumn(key, view));
  OT_RETURN_IF_ERROR(CheckColumnKey(key, bytes));
  if (HasTimestampColumnIndex(bytes)) {
    OT_ASSIGN_OR_RETURN(out.framed, FramedTimestampColumn::Open(std::move(bytes)));
    column_cache_->InsertFramed(key, out.framed);
    return out;
  }
  auto ts = std::make_shared<std::vector<int64_t>>();
  OT_RETURN_IF_ERROR(DecodeTimestampColumn(bytes, ts.get()));
  column_cache_->Insert(key, ts);
  out.whole = std::move(ts);
  return out;
}

namespace {

// DecodeSegmentWithTimestamps for a column read a frame at a time: the
// positions of [min_ts, max_ts] and their timestamps come from the frames
// that hold them only.
Status DecodeSegmentWithFramedColumn(const SegmentView& segment, FramedTimestampColumn& column,
                                     int64_t min_ts, int64_t max_ts, std::vector<Sample>* out,
                                     const ValueBlockDecoder* decoder) {
  // Both through buffers the thread keeps, as DecodeSegmentWithTimestamps
  // keeps its values: a read decodes a frame or two per segment.
  thread_local std::vector<int64_t> times;
  thread_local std::vector<double> values;
  times.clear();
  values.clear();
  if (values.capacity() > (size_t{1} << 17)) std::vector<double>().swap(values);
  if (times.capacity() > (size_t{1} << 17)) std::vector<int64_t>().swap(times);
  size_t begin, end;
  {
    // The column's lock for its part only: the values are the segment's own.
    std::unique_lock<std::mutex> lock = column.lock();
    TimestampColumnReader& reader = column.reader();
    if (reader.size() != segment.count || reader.front() != segment.min_ts ||
        reader.back() != segment.max_ts) {
      return Status::Corruption("segment: timestamps disagree with the header");
    }
    OT_ASSIGN_OR_RETURN(begin, reader.LowerBound(min_ts));
    OT_ASSIGN_OR_RETURN(end, reader.UpperBound(max_ts));
    if (begin >= end) return Status::OK();
    OT_RETURN_IF_ERROR(reader.Append(begin, end, &times));
  }
  if (decoder != nullptr) {
    OT_RETURN_IF_ERROR((*decoder)(segment, begin, end, &values));
  } else {
    OT_RETURN_IF_ERROR(
        DecodeValueBlock(segment.value_codec, segment.values, segment.count, begin, end, &values));
  }
  if (values.size() != end - begin || times.size() != end - begin) {
    return Status::Corruption("segment: value count mismatch");
  }
  if (out->capacity() - out->size() < end - begin) {
    out->reserve(std::max(out->size() + (end - begin), 2 * out->capacity()));
  }
  const size_t at = out->size();
  out->resize(at + (end - begin));
  Sample* dst = out->data() + at;
  for (size_t i = 0; i < end - begin; ++i) dst[i] = Sample{times[i], values[i]};
  return Status::OK();
}

}  // namespace

Status Store::DecodeStoredSegment(const SegmentView& segment, int64_t min_ts, int64_t max_ts,
                                  const ReadView* view, std::vector<Sample>* out,
                                  const ValueBlockDecoder* values) {
  if (!segment.shared_timestamps()) return DecodeSegment(segment, min_ts, max_ts, out, values);
  if (min_ts > segment.max_ts || max_ts < segment.min_ts || min_ts > max_ts) return Status::OK();
  if (min_ts <= segment.min_ts && max_ts >= segment.max_ts) {
    // All of it: the column decoded whole serves the target's other series too.
    OT_ASSIGN_OR_RETURN(TimestampColumnPtr ts, TimestampColumn(segment.column_key, view));
    return DecodeSegmentWithTimestamps(segment, *ts, min_ts, max_ts, out, values);
  }
  OT_ASSIGN_OR_RETURN(TimestampColumnForRange column, TimestampColumnForRead(segment.column_key, view));
  if (column.whole != nullptr) {
    return DecodeSegmentWithTimestamps(segment, *column.whole, min_ts, max_ts, out, values);
  }
  return DecodeSegmentWithFramedColumn(segment, *column.framed, min_ts, max_ts, out, values);
}

Status Store::ForEachTimestampColumn(const ReadView* view,
                                     const std::function<Status(uint64_t, std::string_view)>& fn) {
  StorePin pin = Pin();
  if (!db_)
    return Status::IOError("the database is closed while it recovers from a storage fault; retry later");
  rocksdb::ReadOptions ro;
  if (view) ro.snapshot = view->snapshot();
  const std::string upper = SeriesKey(kTimestampColumnSeries + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kSegments]));
  for (it->Seek(SeriesKey(kTimestampColumnSeries)); it->Valid(); it->Next()) {
    if (it->key().size() != 16) return Status::Corruption("shared timestamp column key has the wrong size");
    OT_RETURN_IF_ERROR(fn(DecodeBE64(it->key().data() + 8), ToView(it->value())));
  }
  return FromRocks(it->status(), "reading shared timestamp columns");
}

}  // namespace overtone::storage
