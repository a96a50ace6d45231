// The query API's first step, parse: an HTTP request (path, method,
// query-string and form parameters) becomes one structured request with its
// parameters checked, or the error Prometheus gives for it. Nothing here
// touches the database.
//
//   ApiRequest parsed;
//   if (std::optional<ApiError> e = ParseApiRequest(http, promql::NowMs(), &parsed)) ...
//
// The later steps: query_plan.h (plan), query_run.h (run), query_render.h
// (render); query_api.h puts them together.

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_REQUEST_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "overtone/cancel.h"
#include "overtone/matcher.h"
#include "overtone/status.h"

namespace overtone::adapters {

// A request as the HTTP server hands it over.
struct QueryApiRequest {
  std::string method;                                       // "GET" or "POST"
  std::string path;                                         // "/api/v1/query"
  std::vector<std::pair<std::string, std::string>> params;  // decoded query-string parameters
  std::string body;
  std::string content_type;
  std::string accept;
  // The request's token: the server cancels it when the client goes away or
  // the server stops; a query's run reports its own time limit back to it.
  CancelToken* cancel = nullptr;
};

// An error in Prometheus's envelope: {"status":"error","errorType":type,"error":message}.
struct ApiError {
  std::string type;  // bad_data, execution, timeout, not_found or internal
  int http_status;
  std::string message;
  std::string allow;  // a 405's Allow header; empty: none

  static ApiError BadData(std::string message);
  // A Status from a later step, by the conventions of adapters/promql/query.h:
  // InvalidArgument and NotSupported bad_data (400), Aborted execution
  // (422), Busy timeout (503), anything else internal (500).
  static ApiError FromStatus(const Status& s);
};

// `timeout_ms` below: the `timeout` parameter, 0 when absent, empty or not
// positive (the server's limit applies; see query_plan.h).

struct InstantQueryRequest {  // /api/v1/query
  std::string query;
  int64_t time_ms;
  int64_t timeout_ms;
  CancelToken* cancel = nullptr;  // QueryApiRequest::cancel
};

struct RangeQueryRequest {  // /api/v1/query_range
  std::string query;
  int64_t start_ms, end_ms, step_ms;
  int64_t timeout_ms;
  CancelToken* cancel = nullptr;  // QueryApiRequest::cancel
};

struct SeriesRequest {                               // /api/v1/series
  std::vector<std::vector<LabelMatcher>> selectors;  // match[], at least one
  int64_t start_ms, end_ms;
};

struct LabelsRequest {                               // /api/v1/labels, /api/v1/label/<name>/values
  std::optional<std::string> name;                   // set: that label's values; else label names
  std::vector<std::vector<LabelMatcher>> selectors;  // match[]; empty: every series, any time
  int64_t start_ms, end_ms;
};

struct MetadataRequest {         // /api/v1/metadata
  std::string metric;            // only this family; "" for all
  int64_t limit = -1;            // at most this many families; negative: no limit
  int64_t limit_per_metric = 0;  // at most this many entries a family; 0 or less: no limit
};
struct ConfigRequest {};       // /api/v1/status/config
struct TsdbRequest {};         // /api/v1/status/tsdb
struct BuildInfoRequest {};    // /api/v1/status/buildinfo
struct RuntimeInfoRequest {};  // /api/v1/status/runtimeinfo
struct FlagsRequest {};        // /api/v1/status/flags
struct TargetsRequest {};      // /api/v1/targets: overtone scrapes nothing

struct ExemplarsRequest {  // /api/v1/query_exemplars: overtone keeps no exemplars
  std::string query;       // checked to parse
  int64_t start_ms, end_ms;
  bool selects;  // whether the query has a series selector (without one, Prometheus answers 204)
};

struct FormatQueryRequest {  // /api/v1/format_query
  std::string formatted;     // the query, parsed and printed again
};

struct SqlRequest {  // /api/v1/sql
  std::string sql;
  bool csv;  // format=csv, or no format and Accept: text/csv
  int64_t timeout_ms;
  CancelToken* cancel = nullptr;  // QueryApiRequest::cancel
};

using ApiRequest =
    std::variant<InstantQueryRequest, RangeQueryRequest, SeriesRequest, LabelsRequest, MetadataRequest,
                 ConfigRequest, TsdbRequest, BuildInfoRequest, RuntimeInfoRequest, FlagsRequest,
                 TargetsRequest, ExemplarsRequest, FormatQueryRequest, SqlRequest>;

// Parses `request` into *out; an error means answer with it. Parameters
// come from the query string and, for a form POST, the body. `now_ms` is an
// instant query's time when it gives none.
std::optional<ApiError> ParseApiRequest(const QueryApiRequest& request, int64_t now_ms, ApiRequest* out);

// Whether `path` is one of the query API's.
bool IsQueryApiPath(std::string_view path);

// Form / query-string decoding: "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}.
std::vector<std::pair<std::string, std::string>> ParseFormEncoded(std::string_view text);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_REQUEST_H_
