// SegmentCursor (store.h): stored segments or summaries in key order.

#include <rocksdb/db.h>

#include "base/coding.h"
#include "storage/rocks_status.h"
#include "storage/store.h"
#include "storage/store_keys.h"

namespace overtone::storage {

SegmentCursor::SegmentCursor(StorePin pin, rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                             const ReadView* view, std::string lower, std::string upper)
    : pin_(std::move(pin)), upper_(std::move(upper)), upper_slice_(std::make_unique<rocksdb::Slice>(upper_)) {
  if (!db) {
    status_ = ClosedStatus();
    return;
  }
  rocksdb::ReadOptions ro;
  if (view) ro.snapshot = view->snapshot();
  if (!upper_.empty()) ro.iterate_upper_bound = upper_slice_.get();
  it_.reset(db->NewIterator(ro, cf));
  it_->Seek(lower);
  Load();
}

SegmentCursor::~SegmentCursor() = default;

void SegmentCursor::Next() {
  it_->Next();
  Load();
}

void SegmentCursor::Seek(SeriesId id, int64_t min_last_ts) {
  if (!it_) return;  // the database was closed: status() says so
  it_->Seek(SampleKey(id, min_last_ts));
  Load();
}

void SegmentCursor::SeekForPrev(SeriesId id, int64_t max_last_ts) {
  if (!it_) return;
  it_->SeekForPrev(SampleKey(id, max_last_ts));
  Load();
}

std::string_view SegmentCursor::bytes() const { return ToView(it_->value()); }

void SegmentCursor::Load() {
  valid_ = false;
  if (!it_->Valid()) {
    if (!it_->status().ok()) status_ = FromRocks(it_->status(), "reading segments");
    return;
  }
  rocksdb::Slice k = it_->key();
  if (k.size() != 16) {
    status_ = Status::Corruption("segment key has the wrong size");
    return;
  }
  series_ = DecodeBE64(k.data());
  max_ts_ = KeyToTimestamp(DecodeBE64(k.data() + 8));
  valid_ = true;
}

}  // namespace overtone::storage
