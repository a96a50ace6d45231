// Times and durations as Prometheus's HTTP API and `overtone promql`
// accept them.

#ifndef OVERTONE_ADAPTERS_PROMQL_TIME_PARAMS_H_
#define OVERTONE_ADAPTERS_PROMQL_TIME_PARAMS_H_

#include <cstdint>
#include <string_view>

#include "overtone/status.h"

namespace overtone::promql {

// Unix seconds with an optional fraction ("1700000000.123") or RFC 3339
// ("2023-11-14T22:13:20Z", "...20.5+01:00"); returns ms.
Result<int64_t> ParseTimeParam(std::string_view text);

// Seconds with an optional fraction ("15", "0.5") or a Prometheus duration
// ("15s", "1m30s"); returns ms.
Result<int64_t> ParseDurationParam(std::string_view text);

int64_t NowMs();

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_TIME_PARAMS_H_
