// The query API's last step, render: results (query_run.h) and errors
// (query_request.h) as HTTP replies. JSON answers use Prometheus's
// envelope {status, data} / {status, errorType, error} with sample values
// as strings and timestamps as Unix seconds; /api/v1/sql answers JSON
// {columns, rows} or CSV.

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_RENDER_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_RENDER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/http/endpoint.h"
#include "adapters/http/query_request.h"
#include "adapters/http/query_run.h"
#include "adapters/promql/query.h"
#include "overtone/database.h"

namespace overtone::adapters {

HttpReply RenderError(const ApiError& error);

// resultType vector, matrix, scalar or string, as the result's type. Past
// `stream_past_points` points the text is never held whole: the reply's
// body comes in parts (HttpReply::body_parts), written as they are sent,
// each series' points let go once written.
inline constexpr size_t kStreamedAnswerPoints = size_t{1} << 16;
HttpReply RenderQueryResult(promql::QueryResult result, size_t stream_past_points = kStreamedAnswerPoints);
// An array of label sets.
HttpReply RenderSeries(const std::vector<SeriesInfo>& series);
// An array of strings (label names or values).
HttpReply RenderStrings(const std::vector<std::string>& values);
// Prometheus's success envelope around `data`.
HttpReply RenderSuccess(nlohmann::ordered_json data);
HttpReply RenderBuildInfo(const std::string& version);

// What /api/v1/status/runtimeinfo reports, in Prometheus's keys: those
// about Go (goroutineCount, GOMAXPROCS, GOGC, GODEBUG) say the nearest true
// thing about overtone's process.
struct RuntimeInfo {
  int64_t start_time_ms = 0;  // also lastConfigTime: overtone has no configuration to reload
  std::string cwd;
  int threads = 0;           // goroutineCount: the process's threads, 0 when unknown
  int hardware_threads = 0;  // GOMAXPROCS
};
HttpReply RenderRuntimeInfo(const RuntimeInfo& info);
// An object of strings, keys sorted.
HttpReply RenderFlags(const std::map<std::string, std::string>& flags);
// {"activeTargets":[],"droppedTargets":[]}: overtone scrapes nothing.
HttpReply RenderTargets();
// []: overtone keeps no exemplars; for a query that selects no series,
// 204 without a body, as Prometheus answers it.
HttpReply RenderExemplars(bool selects);
// The formatted expression as a JSON string.
HttpReply RenderFormattedQuery(const std::string& expression);

// Unix milliseconds as Go marshals a time.Time, RFC 3339 in UTC with the
// fraction's trailing zeros dropped: "2023-02-01T10:20:30.5Z".
std::string Rfc3339(int64_t ms);

// {"columns":[...],"rows":[[...]]}: numbers as JSON numbers, but for
// infinities, which JSON lacks: "+Inf", "-Inf", as Prometheus writes them.
HttpReply RenderSqlJson(const SqlTable& table);
// RFC 4180 CSV with a header line; REALs as Prometheus formats values,
// NULL as an empty field.
HttpReply RenderSqlCsv(const SqlTable& table);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_RENDER_H_
