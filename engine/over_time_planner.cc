// DatabaseImpl::EvaluateOverTime: `*_over_time` from segment summaries where
// they cover a whole segment inside the window, and from samples at the
// window's edges and in late (not yet re-sealed) data.
//
// A segment's summary is "clean" when no raw sample lies inside the
// segment's time range (a late write would change it); only clean summaries
// are merged. NaN and infinities among the samples do not spoil a summary:
// the accumulator knows what a scan makes of them (window_accumulator.h). Everything else is
// decoded, merged with the raw samples (raw wins on equal timestamps, as in
// every read) and folded sample by sample.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <span>

#include "engine/database_impl.h"
#include "engine/order_statistics.h"
#include "engine/summary_cache.h"
#include "engine/window_accumulator.h"
#include "overtone/over_time.h"
#include "storage/codec/segment.h"
#include "storage/codec/summary.h"

namespace overtone {
namespace {

struct Block {
  int64_t key_ts;                                // the segment's key
  std::shared_ptr<const storage::Summary> held;  // keeps `summary` alive
  const storage::Summary* summary = nullptr;
  bool clean = true;
  bool decoded = false;
  std::vector<Sample> samples;  // when decoded: segment merged with raw, stale markers dropped
  bool values_decoded = false;
  std::vector<double> values;  // when values_decoded: the segment's values alone, stale markers dropped
  uint32_t crc = 0;            // the summary record's, which names the segment's version
  std::shared_ptr<const std::vector<uint64_t>> sorted;  // the values' order keys, ascending, once needed
};

// Samples of a series in [lo, hi] split into summarized blocks and loose raw samples.
class SeriesHistory {
 public:
  // Quantile sketches come through `cache` (when not null); the exact
  // functions decode summaries without them.
  // Decoded samples are counted in *decoded (Stats::samples_scanned).
  SeriesHistory(storage::Store* store, engine::SummaryCache* cache, std::atomic<uint64_t>* decoded,
                SeriesId id, int64_t lo, int64_t hi)
      : store_(store), cache_(cache), decoded_(decoded), id_(id), view_(store->NewReadView()) {
    lo_ = lo;
    hi_ = hi;
  }

  Status Load() {
    auto raw = store_->NewSampleCursor(id_, lo_, hi_, view_.get());
    for (; raw->Valid(); raw->Next()) {
      raw_.push_back(raw->sample());  // stale markers too: they replace sealed samples
    }
    OT_RETURN_IF_ERROR(raw->status());
    auto cursor = store_->NewSummaryCursor(id_, lo_, view_.get());
    for (; cursor->Valid(); cursor->Next()) {
      Block b;
      b.key_ts = cursor->max_ts();
      std::string context = "series " + std::to_string(id_) + ", summary of the segment ending at ts " +
                            std::to_string(b.key_ts);
      auto decoded = std::make_shared<storage::Summary>();
      OT_RETURN_IF_ERROR(storage::DecodeSummary(cursor->bytes(), decoded.get(), false).WithContext(context));
      if (decoded->count == 0) continue;  // only staleness markers
      if (decoded->first_ts > hi_) break;
      b.held = std::move(decoded);
      if (cache_) {
        // The quantile sketch: stored in a format 1 summary, else picked from
        // the segment's values (which stay decoded in the block).
        auto values = [this, &b]() -> Result<std::vector<double>> {
          OT_RETURN_IF_ERROR(DecodeValues(&b));
          return b.values;
        };
        auto cached = cache_->Get(id_, b.key_ts, cursor->bytes(), values);
        if (!cached.ok()) return cached.status().WithContext(context);
        b.held = std::move(*cached);
      }
      b.summary = b.held.get();
      b.crc = engine::SummaryCache::SummaryCrc(cursor->bytes());
      blocks_.push_back(std::move(b));
    }
    OT_RETURN_IF_ERROR(cursor->status());
    // Raw samples inside a block's range belong to that block (and spoil its summary).
    size_t r = 0;
    for (Block& b : blocks_) {
      for (; r < raw_.size() && raw_[r].ts < b.summary->first_ts; ++r) {
        if (!IsStaleNaN(raw_[r].value)) loose_.push_back(raw_[r]);
      }
      while (r < raw_.size() && raw_[r].ts <= b.summary->last_ts) {
        b.clean = false;
        ++r;
      }
    }
    for (; r < raw_.size(); ++r) {
      if (!IsStaleNaN(raw_[r].value)) loose_.push_back(raw_[r]);
    }
    return Status::OK();
  }

  // The window's samples, in time order, from samples alone.
  Status Collect(int64_t left, int64_t right, std::vector<Sample>* out) {
    return Walk(left, right, nullptr, [out](const Sample& s) { out->push_back(s); });
  }

  // The window's values as ascending runs of order keys (order_statistics.h):
  // one per clean segment lying wholly inside the window, kept in `cache`
  // (made from the segment's value column on a miss), and *edge for the
  // rest (edge segments, late raw samples), sorted here.
  Status SortedRuns(int64_t left, int64_t right, engine::SummaryCache* cache, std::vector<uint64_t>* edge,
                    std::vector<std::span<const uint64_t>>* runs) {
    edge->clear();
    runs->clear();
    auto loose = std::upper_bound(loose_.begin(), loose_.end(), left,
                                  [](int64_t t, const Sample& s) { return t < s.ts; });
    for (; loose != loose_.end() && loose->ts <= right; ++loose)
      edge->push_back(engine::OrderKey(loose->value));
    auto block = std::upper_bound(blocks_.begin(), blocks_.end(), left,
                                  [](int64_t t, const Block& b) { return t < b.summary->last_ts; });
    for (; block != blocks_.end() && block->summary->first_ts <= right; ++block) {
      Block& b = *block;
      if (b.clean && b.summary->first_ts > left && b.summary->last_ts <= right) {
        if (!b.sorted) {
          auto make = [this, &b]() -> Result<std::vector<uint64_t>> {
            OT_RETURN_IF_ERROR(DecodeValues(&b));
            std::vector<uint64_t> keys;
            keys.reserve(b.values.size());
            for (double v : b.values) keys.push_back(engine::OrderKey(v));
            std::sort(keys.begin(), keys.end());
            return keys;
          };
          OT_ASSIGN_OR_RETURN(b.sorted, cache->GetSortedKeys(id_, b.key_ts, b.crc, make));
        }
        runs->emplace_back(*b.sorted);
        continue;
      }
      OT_RETURN_IF_ERROR(Decode(&b));
      for (const Sample& s : b.samples) {
        if (s.ts > left && s.ts <= right) edge->push_back(engine::OrderKey(s.value));
      }
    }
    std::sort(edge->begin(), edge->end());
    runs->emplace_back(*edge);
    return Status::OK();
  }

  // Folds the window (left, right] into acc, in time order. `exact` forbids summaries.
  Status Fold(int64_t left, int64_t right, bool exact, engine::WindowAccumulator* acc) {
    auto summary = [acc](const storage::Summary& s) { acc->Add(s); };
    auto sample = [acc](const Sample& s) { acc->Add(s); };
    if (exact) return Walk(left, right, nullptr, sample);
    return Walk(left, right, summary, sample);
  }

 private:
  // Visits the window (left, right] in time order: a clean segment lying
  // wholly inside it as one summary (when on_summary is set), everything
  // else sample by sample.
  template <typename OnSample>
  Status Walk(int64_t left, int64_t right, const std::function<void(const storage::Summary&)>& on_summary,
              OnSample on_sample) {
    auto block = std::upper_bound(blocks_.begin(), blocks_.end(), left,
                                  [](int64_t t, const Block& b) { return t < b.summary->last_ts; });
    auto loose = std::upper_bound(loose_.begin(), loose_.end(), left,
                                  [](int64_t t, const Sample& s) { return t < s.ts; });
    while (true) {
      bool has_block = block != blocks_.end() && block->summary->first_ts <= right;
      bool has_loose = loose != loose_.end() && loose->ts <= right;
      if (!has_block && !has_loose) return Status::OK();
      if (has_loose && (!has_block || loose->ts < block->summary->first_ts)) {
        on_sample(*loose++);
        continue;
      }
      Block& b = *block++;
      if (on_summary && b.clean && b.summary->first_ts > left && b.summary->last_ts <= right) {
        on_summary(*b.summary);
        continue;
      }
      OT_RETURN_IF_ERROR(Decode(&b));
      for (const Sample& s : b.samples) {
        if (s.ts > left && s.ts <= right) on_sample(s);
      }
    }
  }

  // REQUIRES: b->clean (no raw sample to merge).
  Status DecodeValues(Block* b) {
    if (b->values_decoded) return Status::OK();
    std::string context =
        "series " + std::to_string(id_) + ", segment ending at ts " + std::to_string(b->key_ts);
    OT_ASSIGN_OR_RETURN(std::string bytes, store_->GetSegment(id_, b->key_ts, view_.get()));
    storage::SegmentView seg;
    OT_RETURN_IF_ERROR(storage::ParseSegment(bytes, &seg).WithContext(context));
    OT_RETURN_IF_ERROR(
        storage::DecodeValueBlock(seg.value_codec, seg.values, seg.count, 0, seg.count, &b->values)
            .WithContext(context));
    decoded_->fetch_add(b->values.size(), std::memory_order_relaxed);
    std::erase_if(b->values, [](double v) { return IsStaleNaN(v); });
    b->values_decoded = true;
    return Status::OK();
  }

  Status Decode(Block* b) {
    if (b->decoded) return Status::OK();
    std::string context =
        "series " + std::to_string(id_) + ", segment ending at ts " + std::to_string(b->key_ts);
    OT_ASSIGN_OR_RETURN(std::string bytes, store_->GetSegment(id_, b->key_ts, view_.get()));
    storage::SegmentView seg;
    OT_RETURN_IF_ERROR(storage::ParseSegment(bytes, &seg).WithContext(context));
    std::vector<Sample> sealed;
    OT_RETURN_IF_ERROR(
        store_->DecodeStoredSegment(seg, kMinTime, kMaxTime, view_.get(), &sealed).WithContext(context));
    decoded_->fetch_add(sealed.size(), std::memory_order_relaxed);
    // Merge the raw samples inside the block's range; raw wins on equal ts.
    auto r = std::lower_bound(raw_.begin(), raw_.end(), b->summary->first_ts,
                              [](const Sample& s, int64_t t) { return s.ts < t; });
    size_t i = 0;
    while (i < sealed.size() || (r != raw_.end() && r->ts <= b->summary->last_ts)) {
      bool take_raw =
          r != raw_.end() && r->ts <= b->summary->last_ts && (i == sealed.size() || r->ts <= sealed[i].ts);
      if (take_raw) {
        if (i < sealed.size() && sealed[i].ts == r->ts) ++i;
        if (!IsStaleNaN(r->value)) b->samples.push_back(*r);
        ++r;
      } else {
        if (!IsStaleNaN(sealed[i].value)) b->samples.push_back(sealed[i]);
        ++i;
      }
    }
    b->decoded = true;
    return Status::OK();
  }

  storage::Store* store_;
  engine::SummaryCache* cache_;
  std::atomic<uint64_t>* decoded_;
  SeriesId id_;
  std::unique_ptr<storage::ReadView> view_;
  int64_t lo_, hi_;
  std::vector<Sample> raw_;    // all raw samples in range, staleness markers included
  std::vector<Block> blocks_;  // ascending
  std::vector<Sample> loose_;  // raw samples outside every block's range
};

}  // namespace

Status DatabaseImpl::EvaluateOverTime(std::span<const LabelMatcher> matchers, const OverTimeQuery& q,
                                      const OverTimeCallback& fn) {
  if (standing_.watching()) {
    if (std::optional<Status> served = standing_.TryEvaluate(this, index_.next_id(), matchers, q, fn)) {
      return *served;
    }
  }
  // An exact quantile needs every value's rank: whole segments give theirs
  // as sorted runs kept in memory (decoded from the value column once),
  // the window's edges are sorted per window, and the order statistics are
  // found across the runs without merging them.
  bool exact_quantile = q.fn == OverTimeFn::kQuantile && !q.approximate;
  bool summarizable = engine::SummarizableExactly(q.fn) ||
                      (q.approximate && engine::SummarizableApproximately(q.fn)) || exact_quantile;
  // A window shorter than a segment's span holds at most a few whole
  // segments (of series that started or stopped): summaries save nothing
  // there, and the scan reads each series once for all steps, on every core.
  const bool short_window = q.range < options_.segment_span_ms;
  if (!q.use_summaries || !summarizable || short_window) return EvaluateOverTimeByScan(this, matchers, q, fn);
  OT_RETURN_IF_ERROR(ValidateOverTimeQuery(q));
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, Select(matchers));
  int64_t lo = q.start < kMinTime + q.range ? kMinTime : q.start - q.range + 1;
  for (const SeriesInfo& s : series) {
    OT_RETURN_IF_ERROR(CheckCancel(q.cancel));
    bool sketches = q.fn == OverTimeFn::kQuantile && q.approximate;
    SeriesHistory history(store_.get(), sketches ? &summary_cache_ : nullptr, &segment_samples_scanned_, s.id,
                          lo, q.end);
    OT_RETURN_IF_ERROR(history.Load());
    std::vector<Sample> window;
    std::vector<uint64_t> edge;
    std::vector<std::span<const uint64_t>> runs;
    for (int64_t t = q.start;; t += q.step) {
      int64_t left = t < kMinTime + q.range ? kMinTime : t - q.range;
      if (exact_quantile) {
        OT_RETURN_IF_ERROR(history.SortedRuns(left, t, &summary_cache_, &edge, &runs));
        size_t n = 0;
        for (auto r : runs) n += r.size();
        if (n > 0) OT_RETURN_IF_ERROR(fn(s, t, engine::QuantileOfRuns(q.param, runs)));
        if (t > q.end - q.step) break;
        continue;
      }
      engine::WindowAccumulator acc;
      OT_RETURN_IF_ERROR(history.Fold(left, t, /*exact=*/false, &acc));
      std::optional<double> v = acc.Result(q.fn, q.param);
      if (v && !std::isfinite(*v) && q.fn != OverTimeFn::kQuantile && !acc.NonFiniteIsExact(q.fn)) {
        // Finite samples whose sum overflowed: redo this window from its
        // samples with the reference implementation (which switches avg to a
        // running mean where the sum would overflow, as Prometheus does).
        window.clear();
        OT_RETURN_IF_ERROR(history.Collect(left, t, &window));
        v = EvalWindow(q.fn, window, q.param);
      }
      if (v) OT_RETURN_IF_ERROR(fn(s, t, *v));
      if (t > q.end - q.step) break;
    }
  }
  return Status::OK();
}

}  // namespace overtone
