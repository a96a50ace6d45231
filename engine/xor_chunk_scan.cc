// DatabaseImpl::ScanXorChunks: a series' samples in a range as Prometheus
// XOR chunks, the sealed segments' chunks from the XorChunkCache.
//
// The samples are those MergedSampleIterator gives (segments and raw
// samples merged, a raw sample replacing a sealed one of the same
// timestamp). A segment no raw sample falls within is sent as its cached
// chunks: whole where a chunk lies inside the range, and cut to the range
// (decoded from the cached chunk, not from the segment) where it straddles
// a bound. A segment with raw samples within it (late writes not sealed
// yet) is decoded and merged as MergedSampleIterator does, into chunks cut
// as they fill, as are raw samples between segments.
//
// DatabaseImpl::NewXorChunkReader: the same for many series through one
// snapshot, one raw samples cursor (Store::NewSeriesSeekCursor) and one
// segments cursor over every series, each moved to the next series by a
// seek; ScanXorChunks makes a snapshot and two cursors for its one series.

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "engine/database_impl.h"
#include "storage/codec/segment.h"
#include "storage/codec/timestamp_codec.h"
#include "storage/codec/timestamp_column.h"
#include "storage/codec/xor_chunk.h"
#include "storage/timestamp_column_cache.h"

namespace overtone {
namespace {

// Samples gathered into chunks of up to kXorChunkMaxSamples, each encoded
// and passed on once full or flushed.
class PendingChunk {
 public:
  // Nothing allocated until a sample comes: a read answered from cached
  // chunks alone (the usual warm read) gathers none, and allocating 2 KiB
  // for every series it reads was a third of its per-series work.
  explicit PendingChunk(const XorChunkFn& fn) : fn_(fn) {}

  Status Add(const Sample& s) {
    if (samples_.capacity() == 0) samples_.reserve(kXorChunkMaxSamples);
    samples_.push_back(s);
    return samples_.size() == kXorChunkMaxSamples ? Flush() : Status::OK();
  }
  Status Flush() {
    if (samples_.empty()) return Status::OK();
    OT_RETURN_IF_ERROR(storage::EncodeXorChunk(samples_, &data_));
    const XorChunkView chunk{samples_.front().ts, samples_.back().ts, static_cast<uint32_t>(samples_.size()),
                             data_};
    samples_.clear();
    return fn_(chunk);
  }

 private:
  const XorChunkFn& fn_;
  std::vector<Sample> samples_;
  std::string data_;
};

// Where one series' chunks come from: the store, the cache and cursors
// already at the series' first raw sample at or after min_ts and at its
// first segment ending at or after it (either may run on into later series
// or past max_ts: what is not the series' or in range is not read).
struct ChunkSources {
  storage::Store* store;
  engine::XorChunkCache* cache;
  std::atomic<uint64_t>* segment_samples_scanned;
  const storage::ReadView* view;
  storage::SampleCursor* raw;
  storage::SegmentCursor* segments;
};

// A segment's timestamps, for finding a read's sample positions: decoded
// already (its own block, or a shared column the store holds decoded), or
// a shared column with a frame index read a frame at a time, so that a
// short read decodes only the frames around its positions.
class SegmentTimestamps {
 public:
  explicit SegmentTimestamps(std::span<const int64_t> all) : all_(all) {}
  explicit SegmentTimestamps(storage::TimestampColumnReader* reader) : reader_(reader) {}

  size_t size() const { return reader_ ? reader_->size() : all_.size(); }
  // Whether the first and last timestamps are those the segment's header
  // gives (a column's frame index holds both).
  bool AgreesWith(const storage::SegmentView& seg) const {
    if (reader_) return reader_->front() == seg.min_ts && reader_->back() == seg.max_ts;
    return all_.front() == seg.min_ts && all_.back() == seg.max_ts;
  }
  Result<size_t> LowerBound(int64_t t) const {
    if (reader_) return reader_->LowerBound(t);
    return static_cast<size_t>(std::lower_bound(all_.begin(), all_.end(), t) - all_.begin());
  }
  Result<size_t> UpperBound(int64_t t) const {
    if (reader_) return reader_->UpperBound(t);
    return static_cast<size_t>(std::upper_bound(all_.begin(), all_.end(), t) - all_.begin());
  }
  Status Append(size_t begin, size_t end, std::vector<int64_t>* out) const {
    if (reader_) return reader_->Append(begin, end, out);
    out->insert(out->end(), all_.begin() + begin, all_.begin() + end);
    return Status::OK();
  }

 private:
  std::span<const int64_t> all_;
  storage::TimestampColumnReader* reader_ = nullptr;
};

// The chunks of segment `seg` that a read of [min_ts, max_ts] touches, and
// those of `had` (a run of them cached before, or null) so that the run
// built spans both; no chunk when no sample of the segment is in range. A
// read of the whole segment decodes all of it; a shorter one finds its
// chunks' sample positions from the timestamps alone (the segment's own
// block; its shared column decoded, when the store keeps it so, or else
// only the column's frames around those positions) and decodes only the
// FLAC frames holding those chunks' values.
Status BuildTouchedChunks(const ChunkSources& src, const storage::SegmentView& seg, int64_t min_ts,
                          int64_t max_ts, const engine::SegmentXorChunks* had, std::vector<Sample>* decoded,
                          engine::SegmentXorChunks* out) {
  constexpr size_t kChunk = kXorChunkMaxSamples;
  decoded->clear();
  if (had == nullptr && min_ts <= seg.min_ts && max_ts >= seg.max_ts) {
    OT_RETURN_IF_ERROR(src.store->DecodeStoredSegment(seg, kMinTime, kMaxTime, src.view, decoded));
    return engine::BuildSegmentXorChunks(*decoded, kChunk, out);
  }
  storage::TimestampColumnForRange column;
  std::unique_lock<std::mutex> column_lock;  // a framed column's, until its timestamps are read
  std::vector<int64_t> own;
  std::optional<SegmentTimestamps> ts;
  if (seg.shared_timestamps()) {
    OT_ASSIGN_OR_RETURN(column, src.store->TimestampColumnForRead(seg.column_key, src.view));
    if (column.whole != nullptr) {
      ts.emplace(*column.whole);
    } else {
      column_lock = column.framed->lock();
      ts.emplace(&column.framed->reader());
    }
  } else {
    OT_RETURN_IF_ERROR(storage::DecodeTimestamps(seg.timestamp_codec, seg.timestamps, seg.count, &own));
    // The search below relies on it.
    for (size_t i = 1; i < own.size(); ++i) {
      if (own[i] <= own[i - 1]) return Status::Corruption("segment: timestamps do not ascend");
    }
    ts.emplace(own);
  }
  const size_t n = ts->size();
  if (n == 0 || n != seg.count || !ts->AgreesWith(seg))
    return Status::Corruption("segment: timestamps disagree with the header");
  OT_ASSIGN_OR_RETURN(const size_t begin, ts->LowerBound(min_ts));
  OT_ASSIGN_OR_RETURN(const size_t end, ts->UpperBound(max_ts));
  out->chunks.clear();
  out->data.clear();
  if (begin >= end) return Status::OK();
  size_t first = begin / kChunk;                                    // the first chunk touched
  size_t stop = std::min((end + kChunk - 1) / kChunk * kChunk, n);  // the end of the last one's samples
  if (had != nullptr) {
    first = std::min<size_t>(first, had->first_chunk);
    stop = had->to_end ? n : std::max(stop, (had->first_chunk + had->chunks.size()) * kChunk);
  }
  const size_t from = first * kChunk;
  // The chunks' timestamps and those just outside them, which bound the
  // run's reach.
  const size_t lo = from == 0 ? 0 : from - 1, hi = stop == n ? n : stop + 1;
  std::vector<int64_t> times;
  OT_RETURN_IF_ERROR(ts->Append(lo, hi, &times));
  if (column_lock.owns_lock()) column_lock.unlock();
  std::vector<double> values;
  OT_RETURN_IF_ERROR(storage::DecodeValueBlock(seg.value_codec, seg.values, seg.count, from, stop, &values));
  if (values.size() != stop - from) return Status::Corruption("segment: value count mismatch");
  const int64_t* const at = times.data() + (from - lo);
  decoded->resize(stop - from);
  for (size_t i = 0; i < stop - from; ++i) (*decoded)[i] = Sample{at[i], values[i]};
  out->segment_min_ts = seg.min_ts;
  out->segment_max_ts = seg.max_ts;
  out->first_chunk = static_cast<uint32_t>(first);
  out->to_end = stop == n;
  out->reach_min_ts = from == 0 ? kMinTime : times.front() + 1;
  out->reach_max_ts = out->to_end ? kMaxTime : times.back() - 1;
  return engine::EncodeXorChunkRun(*decoded, kChunk, out);
}

Status ScanSeriesChunks(const ChunkSources& src, SeriesId id, int64_t min_ts, int64_t max_ts,
                        const XorChunkFn& fn) {
  const storage::ReadView* const view = src.view;
  storage::SampleCursor* const raw = src.raw;
  storage::SegmentCursor* const segments = src.segments;
  auto raw_valid = [&] { return raw->Valid() && raw->sample().ts <= max_ts; };
  PendingChunk pending(fn);
  // Decoded samples of one segment or chunk (not a thread's buffer: `fn`
  // may scan another series while it is in use).
  std::vector<Sample> decoded;
  uint64_t segment_samples = 0;
  // The raw samples before `ts` (all of them: kMaxTime) into chunks.
  auto raw_before = [&](int64_t ts) -> Status {
    for (; raw_valid() && (raw->sample().ts < ts || ts == kMaxTime); raw->Next()) {
      OT_RETURN_IF_ERROR(pending.Add(raw->sample()));
    }
    return raw->status();
  };
  for (; segments->Valid() && segments->series() == id; segments->Next()) {
    const std::string_view bytes = segments->bytes();
    auto context = [&] {
      return "series " + std::to_string(id) + ", segment ending at ts " + std::to_string(segments->max_ts());
    };
    const engine::XorChunkCache::Key key = engine::XorChunkCache::KeyOf(id, segments->max_ts(), bytes);
    std::shared_ptr<const engine::SegmentXorChunks> chunks = src.cache->Find(key);
    // The record is parsed (and its checksum checked) only when its chunks
    // are not cached, or when raw samples within it need its samples.
    storage::SegmentView seg;
    bool parsed = false;
    auto parse = [&]() -> Status {
      if (parsed) return Status::OK();
      parsed = true;
      if (Status s = storage::ParseSegment(bytes, &seg); !s.ok()) return s.WithContext(context());
      return Status::OK();
    };
    int64_t seg_min_ts, seg_max_ts;
    if (chunks != nullptr) {
      seg_min_ts = chunks->segment_min_ts;
      seg_max_ts = chunks->segment_max_ts;
    } else {
      OT_RETURN_IF_ERROR(parse());
      seg_min_ts = seg.min_ts;
      seg_max_ts = seg.max_ts;
    }
    if (seg_min_ts > max_ts) break;  // past the range: later segments are later still
    OT_RETURN_IF_ERROR(raw_before(seg_min_ts));
    if (raw_valid() && raw->sample().ts <= seg_max_ts) {
      // Raw samples within the segment: merged sample by sample.
      OT_RETURN_IF_ERROR(parse());
      decoded.clear();
      if (Status s = src.store->DecodeStoredSegment(seg, min_ts, max_ts, view, &decoded); !s.ok()) {
        return s.WithContext(context());
      }
      segment_samples += decoded.size();
      for (const Sample& x : decoded) {
        OT_RETURN_IF_ERROR(raw_before(x.ts));
        if (raw_valid() && raw->sample().ts == x.ts) {
          OT_RETURN_IF_ERROR(pending.Add(raw->sample()));  // a late write replaces the sealed sample
          raw->Next();
        } else {
          OT_RETURN_IF_ERROR(pending.Add(x));
        }
      }
      continue;
    }
    const bool hit = chunks != nullptr && chunks->Covers(min_ts, max_ts);
    src.cache->Count(hit);
    if (!hit) {
      OT_RETURN_IF_ERROR(parse());
      auto built = std::make_shared<engine::SegmentXorChunks>();
      if (Status s = BuildTouchedChunks(src, seg, min_ts, max_ts, chunks.get(), &decoded, built.get());
          !s.ok()) {
        return s.WithContext(context());
      }
      if (built->chunks.empty()) continue;  // no sample of the segment in range
      if (chunks != nullptr) src.cache->Erase(key);
      src.cache->Insert(key, built);
      chunks = std::move(built);
    }
    for (const engine::SegmentXorChunks::Chunk& c : chunks->chunks) {
      if (c.max_ts < min_ts) continue;
      if (c.min_ts > max_ts) break;
      if (c.min_ts >= min_ts && c.max_ts <= max_ts) {
        // Whole: what was gathered before goes first, as a chunk of its own.
        OT_RETURN_IF_ERROR(pending.Flush());
        OT_RETURN_IF_ERROR(fn(XorChunkView{c.min_ts, c.max_ts, c.samples, chunks->bytes(c)}));
        segment_samples += c.samples;
        continue;
      }
      decoded.clear();
      if (Status s = storage::DecodeXorChunk(chunks->bytes(c), &decoded); !s.ok()) {
        return s.WithContext(context());
      }
      for (const Sample& x : decoded) {
        if (x.ts < min_ts || x.ts > max_ts) continue;
        OT_RETURN_IF_ERROR(pending.Add(x));
        ++segment_samples;
      }
    }
  }
  src.segment_samples_scanned->fetch_add(segment_samples, std::memory_order_relaxed);
  OT_RETURN_IF_ERROR(segments->status());
  OT_RETURN_IF_ERROR(raw_before(kMaxTime));
  return pending.Flush();
}

class XorChunkReaderImpl final : public XorChunkReader {
 public:
  XorChunkReaderImpl(storage::Store* store, engine::XorChunkCache* cache,
                     std::atomic<uint64_t>* segment_samples_scanned)
      : store_(store),
        cache_(cache),
        segment_samples_scanned_(segment_samples_scanned),
        view_(store->NewReadView()),
        raw_(store->NewSeriesSeekCursor(view_.get())),
        segments_(store->NewAllSegmentsCursor(view_.get())) {}

  Status Scan(SeriesId id, int64_t min_ts, int64_t max_ts, const XorChunkFn& fn) override {
    if (min_ts > max_ts) return Status::OK();
    raw_->Seek(id, min_ts);
    segments_->Seek(id, min_ts);
    return ScanSeriesChunks(
        ChunkSources{store_, cache_, segment_samples_scanned_, view_.get(), raw_.get(), segments_.get()}, id,
        min_ts, max_ts, fn);
  }

 private:
  storage::Store* const store_;
  engine::XorChunkCache* const cache_;
  std::atomic<uint64_t>* const segment_samples_scanned_;
  std::unique_ptr<storage::ReadView> view_;  // before the cursors: outlives them
  std::unique_ptr<storage::SampleCursor> raw_;
  std::unique_ptr<storage::SegmentCursor> segments_;
};

}  // namespace

Status DatabaseImpl::ScanXorChunks(SeriesId id, int64_t min_ts, int64_t max_ts, const XorChunkFn& fn) {
  if (!index_.Contains(id)) return Status::NotFound("no series with id " + std::to_string(id));
  if (min_ts > max_ts) return Status::OK();
  NoteXorChunkReads();
  std::unique_ptr<storage::ReadView> view = store_->NewReadView();
  std::unique_ptr<storage::SampleCursor> raw = store_->NewSampleCursor(id, min_ts, max_ts, view.get());
  std::unique_ptr<storage::SegmentCursor> segments = store_->NewSegmentCursor(id, min_ts, view.get());
  return ScanSeriesChunks(ChunkSources{store_.get(), &xor_chunk_cache_, &segment_samples_scanned_, view.get(),
                                       raw.get(), segments.get()},
                          id, min_ts, max_ts, fn);
}

std::unique_ptr<XorChunkReader> DatabaseImpl::NewXorChunkReader() {
  NoteXorChunkReads();
  return std::make_unique<XorChunkReaderImpl>(store_.get(), &xor_chunk_cache_, &segment_samples_scanned_);
}

}  // namespace overtone
