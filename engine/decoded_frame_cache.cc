#include "engine/decoded_frame_cache.h"

#include <algorithm>

#include "storage/codec/flac_values.h"

namespace overtone::engine {
namespace {

// A read of more frames than this (a range query reading a series whole, a
// long window) decodes them without the cache: they are decoded once per
// query anyway, and keeping them would push out the frames that short
// windows read again and again.
constexpr size_t kMaxCachedFramesPerRead = 2;

// What an entry of `samples` values is charged: its values and the cache's
// own bookkeeping (vector, shared_ptr control block, list node, hash entry).
size_t Charge(size_t samples) { return samples * sizeof(double) + 160; }

}  // namespace

DecodedFrameCache::Frame DecodedFrameCache::Find(const Key& key) {
  Frame out;
  if (!lru_.Find(key, &out)) return nullptr;
  return out;
}

void DecodedFrameCache::Insert(const Key& key, Frame values) {
  const size_t charge = Charge(values->size());
  lru_.Insert(key, std::move(values), charge);
}

CachedSegmentRecord::CachedSegmentRecord(DecodedFrameCache* cache, SeriesId id, int64_t key_ts,
                                         std::string_view bytes)
    : cache_(cache),
      key_{SegmentRecordId::Of(id, key_ts, bytes), 0},
      bytes_(bytes),
      decoder_([this](const storage::SegmentView& view, size_t begin, size_t end, std::vector<double>* out) {
        return DecodeValues(view, begin, end, out);
      }) {}

Status CachedSegmentRecord::Parse(storage::SegmentView* view) {
  return storage::ParseSegmentHeader(bytes_, view);
}

Status CachedSegmentRecord::Verify() {
  if (verified_) return Status::OK();
  OT_RETURN_IF_ERROR(storage::VerifySegmentChecksum(bytes_));
  verified_ = true;
  return Status::OK();
}

Status CachedSegmentRecord::DecodeValues(const storage::SegmentView& view, size_t begin, size_t end,
                                         std::vector<double>* out) {
  const bool flac =
      view.value_codec == storage::kValueCodecFlac || view.value_codec == storage::kValueCodecFlacBare;
  uint32_t block = 0;
  if (!flac || cache_ == nullptr || begin >= end) {
    OT_RETURN_IF_ERROR(Verify());
    return storage::DecodeValueBlock(view.value_codec, view.values, view.count, begin, end, out);
  }
  {
    Result<uint32_t> b = storage::FlacBlockSize(view.values);
    if (!b.ok()) {
      OT_RETURN_IF_ERROR(Verify());  // corrupt bytes say so as corrupt bytes
      return b.status();
    }
    block = *b;
  }
  const size_t f0 = begin / block, f1 = (end - 1) / block;
  if (f1 - f0 + 1 > kMaxCachedFramesPerRead) {
    OT_RETURN_IF_ERROR(Verify());
    return storage::DecodeValueBlock(view.value_codec, view.values, view.count, begin, end, out);
  }
  for (size_t f = f0; f <= f1; ++f) {
    const size_t first = f * block, last = std::min<size_t>(first + block, view.count);
    key_.frame = static_cast<uint32_t>(f);
    DecodedFrameCache::Frame frame = cache_->Find(key_);
    if (frame == nullptr) {
      // Only bytes that passed the checksum make an entry.
      OT_RETURN_IF_ERROR(Verify());
      auto values = std::make_shared<std::vector<double>>();
      values->reserve(last - first);
      OT_RETURN_IF_ERROR(
          storage::DecodeValueBlock(view.value_codec, view.values, view.count, first, last, values.get()));
      if (values->size() != last - first) return Status::Corruption("segment: value count mismatch");
      frame = values;
      cache_->Insert(key_, std::move(values));
    }
    const size_t from = std::max(begin, first) - first, to = std::min(end, last) - first;
    out->insert(out->end(), frame->begin() + static_cast<ptrdiff_t>(from),
                frame->begin() + static_cast<ptrdiff_t>(to));
  }
  return Status::OK();
}

}  // namespace overtone::engine
