// The notation promtool's unit tests describe input series with (PromQL's
// test language): a series as `metric{label="value"}` and its values as
// space-separated items, one per interval from time 0:
//
//   1 2 3        the values 1, 2, 3
//   1+2x3        1 and 3 more, adding 2 each time: 1 3 5 7
//   10-1x2       10 9 8
//   5x2          5 5 5 (the value and 2 repeats)
//   _            no sample at this step;  _x3: none for 3 steps
//   stale        a staleness marker
//   Inf -Inf NaN as written
//
//   auto v = ParseSeriesValues("1+1x2 _ stale");  // {1, 2, 3, nullopt, StaleNaN()}

#ifndef OVERTONE_ADAPTERS_RULES_SERIES_NOTATION_H_
#define OVERTONE_ADAPTERS_RULES_SERIES_NOTATION_H_

#include <optional>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::rules {

// One entry per step; nullopt where the step has no sample.
Result<std::vector<std::optional<double>>> ParseSeriesValues(std::string_view text);

// `up{job="a"}`, `{__name__="up"}` or `up` as a label set (equality
// matchers only); "" is the empty label set.
Result<Labels> ParseSeriesLabels(std::string_view text);

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_SERIES_NOTATION_H_
