// The instant vector of a selector or of a range function over a range
// selector, evaluated by the engine straight into a VectorOperand
// (vector_match.h), so that a table function working on whole vectors
// (selector_aggregate(), vector_aggregate.h) reads it without a row of it
// passing through SQLite.
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

#include <cstdint>
#include <optional>
#include <string>
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

// The source's points, series by series. The points held are charged to
// `cancel`'s working memory while they are gathered and released on
// return (CancelToken::ChargeMemory); `cancel` may be null.
Result<VectorOperand> EvaluateVectorSource(Database* db, const CancelToken* cancel, const VectorSource& src);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VECTOR_SOURCE_H_
