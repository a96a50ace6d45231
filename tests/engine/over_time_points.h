// One instant of an *_over_time function over the matched series, as a map
// of (series, time) to value: for tests that hold the standing windows'
// answer to a fresh scan's.

#ifndef OVERTONE_TESTS_ENGINE_OVER_TIME_POINTS_H_
#define OVERTONE_TESTS_ENGINE_OVER_TIME_POINTS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <span>
#include <utility>

#include "overtone/database.h"
#include "overtone/over_time.h"

namespace overtone::testing {

using OverTimePoints = std::map<std::pair<SeriesId, int64_t>, double>;

// fn(q, range) at t: by EvaluateOverTime (which a standing window may serve)
// or, with `scan`, by EvaluateOverTimeByScan (always afresh).
inline OverTimePoints EvaluateOverTimeAt(Database* db, std::span<const LabelMatcher> matchers, OverTimeFn fn,
                                         int64_t range, int64_t t, double q, bool scan) {
  OverTimeQuery query;
  query.fn = fn;
  query.param = q;
  query.start = query.end = t;
  query.range = range;
  OverTimePoints out;
  auto collect = [&](const SeriesInfo& s, int64_t ts, double v) {
    out[{s.id, ts}] = v;
    return Status::OK();
  };
  Status st = scan ? EvaluateOverTimeByScan(db, matchers, query, collect)
                   : EvaluateOverTime(db, matchers, query, collect);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_ENGINE_OVER_TIME_POINTS_H_
