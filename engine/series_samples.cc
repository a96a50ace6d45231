#include "engine/series_samples.h"

#include <algorithm>

#include "engine/merged_iterator.h"
#include "overtone/types.h"

namespace overtone::engine {

namespace {

struct ThreadBuffer {
  std::vector<Sample> samples;
  bool taken = false;
};

ThreadBuffer& ThisThreadsBuffer() {
  thread_local ThreadBuffer buffer;
  return buffer;
}

}  // namespace

SeriesSamples::SeriesSamples() : samples_(&own_) {
  ThreadBuffer& b = ThisThreadsBuffer();
  if (b.taken) return;
  b.taken = true;
  borrowed_ = true;
  samples_ = &b.samples;
  samples_->clear();
}

SeriesSamples::~SeriesSamples() {
  if (!borrowed_) return;
  ThreadBuffer& b = ThisThreadsBuffer();
  if (b.samples.capacity() * sizeof(Sample) > kKeptSampleBytes) std::vector<Sample>().swap(b.samples);
  b.taken = false;
}

Status SeriesSamples::Read(Database* db, SeriesId id, int64_t min_ts, int64_t max_ts, bool keep_stale,
                           const CancelToken* cancel) {
  samples_->clear();
  if (min_ts > max_ts) return Status::OK();
  auto it = db->Scan(id, min_ts, max_ts);
  if (!it.ok()) return it.status().IsNotFound() ? Status::OK() : it.status();
  return ReadFrom(it->get(), keep_stale, cancel);
}

Status SeriesSamples::Read(SeriesCursor* cursor, SeriesId id, int64_t min_ts, int64_t max_ts, bool keep_stale,
                           const CancelToken* cancel) {
  samples_->clear();
  if (min_ts > max_ts) return Status::OK();
  if (Status s = cursor->Seek(id, min_ts, max_ts); !s.ok()) return s.IsNotFound() ? Status::OK() : s;
  return ReadFrom(cursor, keep_stale, cancel);
}

Status SeriesSamples::ReadFromLatest(SeriesCursor* cursor, SeriesId id, int64_t min_ts, int64_t ref_ts,
                                     int64_t max_ts, const CancelToken* cancel) {
  auto* merged = dynamic_cast<MergedSampleIterator*>(cursor);
  if (merged == nullptr || min_ts > ref_ts || ref_ts > max_ts) {
    return Read(cursor, id, min_ts, max_ts, /*keep_stale=*/true, cancel);
  }
  samples_->clear();
  if (Status s = merged->SeekFromLatest(id, min_ts, ref_ts, max_ts); !s.ok()) {
    return s.IsNotFound() ? Status::OK() : s;
  }
  return ReadFrom(merged, /*keep_stale=*/true, cancel);
}

Status SeriesSamples::ReadFrom(SampleIterator* it, bool keep_stale, const CancelToken* cancel) {
  std::vector<Sample>& out = *samples_;
  for (;;) {
    const size_t before = out.size();
    const size_t n = it->NextBatch(kSamplesPerCancelCheck, &out);
    if (!keep_stale) {
      out.erase(std::remove_if(out.begin() + static_cast<ptrdiff_t>(before), out.end(),
                               [](const Sample& s) { return IsStaleNaN(s.value); }),
                out.end());
    }
    if (n < kSamplesPerCancelCheck) break;
    OT_RETURN_IF_ERROR(CheckCancel(cancel));
  }
  return it->status();
}

}  // namespace overtone::engine
