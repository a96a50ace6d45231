#include "sql/vector_source.h"

#include <string_view>

#include "engine/range_functions.h"
#include "overtone/over_time.h"
#include "sql/table_function.h"

namespace overtone::sql {
namespace {

constexpr size_t kChargeStep = 64 << 10;

// Gathers the engine's points into a VectorOperand, one Series per series
// as it first comes, charging what it holds to the query's token.
class Gatherer {
 public:
  Gatherer(const CancelToken* cancel, bool drop_name) : cancel_(cancel), drop_name_(drop_name) {}
  ~Gatherer() {
    if (cancel_ != nullptr && charged_ > 0) cancel_->ReleaseMemory(charged_);
  }
  Gatherer(const Gatherer&) = delete;
  Gatherer& operator=(const Gatherer&) = delete;

  Status Add(const SeriesInfo& s, int64_t ts, double value) {
    if (out_.series.empty() || last_id_ != s.id) {
      out_.series.push_back(VectorOperand::Series{SeriesLabelsetJson(s.labels), drop_name_});
      last_id_ = s.id;
      uncharged_ += sizeof(VectorOperand::Series) + out_.series.back().labelset.size();
    }
    out_.points.push_back(VectorOperand::Point{static_cast<uint32_t>(out_.series.size() - 1), ts, value});
    uncharged_ += sizeof(VectorOperand::Point);
    if (uncharged_ >= kChargeStep && cancel_ != nullptr) {
      if (!cancel_->ChargeMemory(uncharged_)) return cancel_->status();
      charged_ += uncharged_;
      uncharged_ = 0;
    }
    return Status::OK();
  }

  VectorOperand Take() { return std::move(out_); }

 private:
  const CancelToken* cancel_;
  bool drop_name_;
  SeriesId last_id_ = 0;
  size_t charged_ = 0, uncharged_ = 0;
  VectorOperand out_;
};

bool IsOverTime(std::string_view fn) {
  constexpr std::string_view kSuffix = "_over_time";
  return fn.size() > kSuffix.size() && fn.ends_with(kSuffix);
}

}  // namespace

Result<VectorOperand> EvaluateVectorSource(Database* db, const CancelToken* cancel, const VectorSource& src) {
  if (src.fn == "instant") {
    InstantVectorQuery q;
    q.start = src.start;
    q.end = src.end;
    q.step = src.step;
    q.lookback = src.range;
    q.offset = src.offset;
    q.cancel = cancel;
    Gatherer g(cancel, /*drop_name=*/false);
    OT_RETURN_IF_ERROR(EvaluateInstantVector(
        db, src.matchers, q,
        [&g](const SeriesInfo& s, int64_t ts, int64_t, double v) { return g.Add(s, ts, v); }));
    return g.Take();
  }
  if (IsOverTime(src.fn)) {
    OverTimeQuery q;
    OT_ASSIGN_OR_RETURN(q.fn, ParseOverTimeFn(src.fn));
    if (OverTimeFnTakesParam(q.fn) != src.param.has_value()) {
      return Status::InvalidArgument(std::string(src.fn) +
                                     (src.param ? " takes no param" : " needs a numeric param"));
    }
    q.param = src.param.value_or(0);
    // over_time() knows no offset: its window moves back, its steps stay.
    q.start = src.start - src.offset;
    q.end = src.end - src.offset;
    q.step = src.step;
    q.range = src.range;
    q.cancel = cancel;
    const bool keeps_name = q.fn == OverTimeFn::kLast || q.fn == OverTimeFn::kFirst;
    Gatherer g(cancel, !keeps_name);
    const int64_t offset = src.offset;
    OT_RETURN_IF_ERROR(EvaluateOverTime(
        db, src.matchers, q,
        [&g, offset](const SeriesInfo& s, int64_t ts, double v) { return g.Add(s, ts + offset, v); }));
    return g.Take();
  }
  RangeFunctionQuery q;
  OT_ASSIGN_OR_RETURN(q.fn, ParseRangeFn(src.fn));
  if (RangeFnParams(q.fn) != (src.param ? 1 : 0)) {
    return Status::InvalidArgument(std::string(RangeFnName(q.fn)) + " takes " +
                                   std::to_string(RangeFnParams(q.fn)) + " param(s)");
  }
  q.param = src.param.value_or(0);
  q.start = src.start;
  q.end = src.end;
  q.step = src.step;
  q.range = src.range;
  q.offset = src.offset;
  q.cancel = cancel;
  Gatherer g(cancel, /*drop_name=*/true);
  OT_RETURN_IF_ERROR(EvaluateRangeFunction(
      db, src.matchers, q, [&g](const SeriesInfo& s, int64_t ts, double v) { return g.Add(s, ts, v); }));
  return g.Take();
}

}  // namespace overtone::sql
