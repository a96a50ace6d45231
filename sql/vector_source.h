// The instant vector of a selector or of a range function over a range
// selector, evaluated by the engine for a table function that works on
// whole vectors (selector_aggregate(), sql/vector_aggregate_vtab.cc), so
// that no row of it passes through SQLite: as a VectorOperand
// (vector_match.h), or point by point into a fold.
//
// The source is one of
//   "instant"              the instant-vector selector, `range` its lookback
//                          (engine/range_functions.h, EvaluateInstantVector);
//   rate, irate, ...       a range function of the selector over `range`
//                          (EvaluateRangeFunction), `param` predict_linear's;
//   avg_over_time, ...     an `*_over_time` function (EvaluateOverTime,
//                          summaries and all), `param` quantile's q.
// Each is what the instant_vector, range_function and over_time tables give
// the PromQL translator, with the same drop_name: only the range functions
// and the `*_over_time` functions other than last and first drop __name__.

#ifndef OVERTONE_SQL_VECTOR_SOURCE_H_
#define OVERTONE_SQL_VECTOR_SOURCE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"
#include "sql/vector_match.h"

namespace overtone::sql {

struct VectorSource {
  std::string fn;  // "instant", a range function's or an `*_over_time` function's name
  std::vector<LabelMatcher> matchers;
  int64_t start = 0, end = 0, step = 1;  // ms, the evaluation steps, end inclusive
  int64_t range = 0;                     // ms: the window, or the lookback of "instant"
  int64_t offset = 0;                    // ms
  std::optional<double> param;           // quantile's q, predict_linear's seconds
};

class FunctionArgs;  // sql/table_function.h

// The source a table function's arguments name, from argument `first` on:
// fn, selector, start, end, step, range, then the optional offset and
// param (start to offset integers in ms). `table` names the function in
// errors. The required arguments are the caller's to check.
Result<VectorSource> VectorSourceOf(const FunctionArgs& args, int first, std::string_view table);

// Calls fn per point of the source (ts one of its steps), series by series,
// after setting *drop_name to that of all its series.
Status ForEachSourcePoint(Database* db, const CancelToken* cancel, const VectorSource& src, bool* drop_name,
                          const std::function<Status(const SeriesInfo&, int64_t ts, double value)>& fn);

// The source's points, series by series.
Result<VectorOperand> EvaluateVectorSource(Database* db, const CancelToken* cancel, const VectorSource& src);

// Bytes charged to a query's working memory (CancelToken::ChargeMemory),
// given back when this goes. The token may be null.
class ChargedBytes {
 public:
  explicit ChargedBytes(const CancelToken* cancel) : cancel_(cancel) {}
  ~ChargedBytes() {
    if (cancel_ != nullptr && charged_ > 0) cancel_->ReleaseMemory(charged_);
  }
  ChargedBytes(const ChargedBytes&) = delete;
  ChargedBytes& operator=(const ChargedBytes&) = delete;

  // Adds n bytes; past the token's limit, its error.
  Status Charge(size_t n) {
    if (cancel_ == nullptr || n == 0) return Status::OK();
    if (!cancel_->ChargeMemory(n)) return cancel_->status();
    charged_ += n;
    return Status::OK();
  }
  // Gives back up to n of the bytes charged (memory let go before the end).
  void Release(size_t n) {
    n = std::min(n, charged_);
    if (cancel_ == nullptr || n == 0) return;
    cancel_->ReleaseMemory(n);
    charged_ -= n;
  }

 private:
  const CancelToken* cancel_;
  size_t charged_ = 0;
};

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VECTOR_SOURCE_H_
