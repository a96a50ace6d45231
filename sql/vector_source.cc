#include "sql/vector_source.h"

#include <sqlite3.h>

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "engine/range_functions.h"
#include "overtone/over_time.h"
#include "sql/table_function.h"
#include "sql/vtab_common.h"

namespace overtone::sql {
namespace {

// Bytes charged at a time: one atomic add per few thousand points.
constexpr size_t kChargeStep = 64 << 10;

bool IsOverTime(std::string_view fn) {
  constexpr std::string_view kSuffix = "_over_time";
  return fn.size() > kSuffix.size() && fn.ends_with(kSuffix);
}

// An integer argument in ms; a float with no fraction reads as one.
Status IntegerMsArg(sqlite3_value* v, std::string_view table, const char* name, int64_t* out) {
  int type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_FLOAT && std::floor(sqlite3_value_double(v)) == sqlite3_value_double(v))
    type = SQLITE_INTEGER;
  if (type != SQLITE_INTEGER) {
    return Status::InvalidArgument(std::string(table) + ": " + name + " must be an integer (ms)");
  }
  *out = sqlite3_value_int64(v);
  return Status::OK();
}

}  // namespace

Result<VectorSource> VectorSourceOf(const FunctionArgs& args, int first, std::string_view table) {
  enum { kFn, kSelector, kStart, kEnd, kStep, kRange, kOffset, kParam };
  static const char* const kNames[] = {"fn", "selector", "start", "end", "step", "range", "offset", "param"};
  VectorSource src;
  src.fn = TextOf(args[first + kFn]);
  OT_ASSIGN_OR_RETURN(src.matchers, args.Selector(first + kSelector));
  int64_t* ints[] = {&src.start, &src.end, &src.step, &src.range, &src.offset};
  for (int a = kStart; a <= kOffset; ++a) {
    if (a == kOffset && !args.Present(first + a)) break;
    OT_RETURN_IF_ERROR(IntegerMsArg(args[first + a], table, kNames[a], ints[a - kStart]));
  }
  OT_RETURN_IF_ERROR(ValidateSteps(src.start, src.end, src.step));
  if (args.Present(first + kParam)) src.param = sqlite3_value_double(args[first + kParam]);
  return src;
}

Status ForEachSourcePoint(Database* db, const CancelToken* cancel, const VectorSource& src, bool* drop_name,
                          const std::function<Status(const SeriesInfo&, int64_t ts, double value)>& fn) {
  if (src.fn == "instant") {
    InstantVectorQuery q;
    q.start = src.start;
    q.end = src.end;
    q.step = src.step;
    q.lookback = src.range;
    q.offset = src.offset;
    q.cancel = cancel;
    *drop_name = false;
    return EvaluateInstantVector(
        db, src.matchers, q,
        [&fn](const SeriesInfo& s, int64_t ts, int64_t, double v) { return fn(s, ts, v); });
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
    *drop_name = q.fn != OverTimeFn::kLast && q.fn != OverTimeFn::kFirst;
    const int64_t offset = src.offset;
    return EvaluateOverTime(db, src.matchers, q, [&fn, offset](const SeriesInfo& s, int64_t ts, double v) {
      return fn(s, ts + offset, v);
    });
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
  *drop_name = true;
  return EvaluateRangeFunction(db, src.matchers, q, fn);
}

Result<VectorOperand> EvaluateVectorSource(Database* db, const CancelToken* cancel, const VectorSource& src) {
  VectorOperand out;
  ChargedBytes charged(cancel);
  size_t uncharged = 0;
  SeriesId last_id = 0;
  bool drop_name = false;
  OT_RETURN_IF_ERROR(
      ForEachSourcePoint(db, cancel, src, &drop_name, [&](const SeriesInfo& s, int64_t ts, double v) {
        if (out.series.empty() || last_id != s.id) {
          out.series.push_back(VectorOperand::Series{SeriesLabelsetJson(s.labels), drop_name});
          last_id = s.id;
          uncharged += sizeof(VectorOperand::Series) + out.series.back().labelset.size();
        }
        out.points.push_back(VectorOperand::Point{static_cast<uint32_t>(out.series.size() - 1), ts, v});
        uncharged += sizeof(VectorOperand::Point);
        if (uncharged < kChargeStep) return Status::OK();
        return charged.Charge(std::exchange(uncharged, 0));
      }));
  return out;
}

}  // namespace overtone::sql
