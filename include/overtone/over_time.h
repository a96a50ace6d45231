// `*_over_time` evaluation: Prometheus 3.x semantics over a Database.
//
// For each selected series and each evaluation time t in
// start, start+step, ..., <= end, a function is applied to the samples with
// t - range < ts <= t (left-open, right-closed). Staleness markers are not
// samples (as in Prometheus's range vectors); other NaNs are. A window with
// no sample yields no point.
//
// Functions (name as in PromQL):
//   avg sum count min max stddev stdvar last first present      (exact)
//   quantile(param) mad ts_of_min ts_of_max ts_of_last ts_of_first
//   entropy distinct l1 l2     PromSketch's extensions, over the multiset of
//                              values (equal bit patterns are one value):
//                              distinct = number of values, entropy = Shannon
//                              entropy of their frequencies in bits,
//                              l1 = sum of frequencies, l2 = sqrt(sum f^2)
//   quantile_sketch(param)     quantile over a relative-error sketch
//                              (engine/quantile_sketch.h): each of the two
//                              order statistics it interpolates between is
//                              within kQuantileSketchRelativeError·|x| of the
//                              exact one; a standing window keeps the sketch
//                              instead of the sorted values
// Sums are Kahan-Neumaier compensated like Prometheus's; quantile
// interpolates at rank q*(n-1); stddev/stdvar are population statistics.

#ifndef OVERTONE_OVER_TIME_H_
#define OVERTONE_OVER_TIME_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone {

enum class OverTimeFn {
  kAvg,
  kSum,
  kCount,
  kMin,
  kMax,
  kStddev,
  kStdvar,
  kLast,
  kFirst,
  kPresent,
  kQuantile,
  kMad,
  kTsOfMin,
  kTsOfMax,
  kTsOfLast,
  kTsOfFirst,
  kEntropy,
  kDistinct,
  kL1,
  kL2,
  kQuantileSketch,
};
// quantile_sketch_over_time's relative error α: 1%.
inline constexpr double kQuantileSketchRelativeError = 0.01;

// Accepts "avg_over_time" or "avg". InvalidArgument names the known functions.
Result<OverTimeFn> ParseOverTimeFn(std::string_view name);
std::string_view OverTimeFnName(OverTimeFn fn);  // "avg_over_time"
bool OverTimeFnTakesParam(OverTimeFn fn);        // quantile, quantile_sketch

// Applies fn to one window. REQUIRES: samples ascending, no staleness markers.
// nullopt for an empty window.
std::optional<double> EvalWindow(OverTimeFn fn, std::span<const Sample> window, double param = 0);

struct OverTimeQuery {
  OverTimeFn fn = OverTimeFn::kAvg;
  double param = 0;   // quantile's q
  int64_t start = 0;  // ms
  int64_t end = 0;    // ms, inclusive
  int64_t step = 1;   // ms, > 0
  int64_t range = 0;  // ms, > 0
  // Sealed segments carry summaries. Exact functions (avg sum count min max
  // stddev stdvar first last present ts_of_* l1) merge them and stay exact;
  // with `approximate`, quantile merges their sketches too, within
  // OverTimeRankErrorBound() of the rank. Off: every sample is scanned.
  bool use_summaries = true;
  bool approximate = false;
  // Checked once per series and every few thousand samples: a cancelled
  // token stops the evaluation with its status() (cancel.h).
  const CancelToken* cancel = nullptr;
};

// The rank error a query's answers may carry: 0 when they are exact.
double OverTimeRankErrorBound(const OverTimeQuery& query);

struct OverTimePoint {
  SeriesId series;
  int64_t ts;
  double value;
};

// Evaluates `query` for every series matching `matchers`; calls fn per point,
// series by series (ascending id), times ascending. A non-OK return from fn
// stops the evaluation and is returned. Uses summaries as the query allows.
Status EvaluateOverTime(Database* db, std::span<const LabelMatcher> matchers, const OverTimeQuery& query,
                        const OverTimeCallback& fn);

// The same by reading every sample: the reference the summaries must agree with.
Status EvaluateOverTimeByScan(Database* db, std::span<const LabelMatcher> matchers,
                              const OverTimeQuery& query, const OverTimeCallback& fn);

// A `*_over_time` window kept up to date by the write path
// (Database::AddStandingWindow; engine/standing_windows.h). Served:
// sum avg count min max stddev stdvar last first present quantile, with the
// bits of a scan (quantile's q is given per query); quantile_sketch, with
// the bits of EvalWindow's sketch of the same samples.
struct StandingWindowSpec {
  std::vector<LabelMatcher> matchers;
  OverTimeFn fn = OverTimeFn::kAvg;
  int64_t range = 0;  // ms, > 0
};
// Whether a standing window can serve fn.
bool StandingWindowServes(OverTimeFn fn);

// InvalidArgument unless step > 0, range > 0, start <= end and the number of
// steps is at most kMaxOverTimeSteps.
inline constexpr int64_t kMaxOverTimeSteps = 11000;  // Prometheus's resolution limit
Status ValidateOverTimeQuery(const OverTimeQuery& query);

}  // namespace overtone

#endif  // OVERTONE_OVER_TIME_H_
