#include "adapters/http/query_request.h"

#include <algorithm>

#include "adapters/http/http_status.h"
#include "adapters/promql/ast.h"
#include "adapters/promql/parser.h"
#include "adapters/promql/query.h"
#include "adapters/promql/time_params.h"
#include "overtone/database.h"

namespace overtone::adapters {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
constexpr std::string_view kPrefix = "/api/v1/";

const std::string* Param(const Params& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::vector<std::string> AllParams(const Params& params, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k == name) out.push_back(v);
  }
  return out;
}

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && FromHex(s[i + 1]) >= 0 && FromHex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(FromHex(s[i + 1]) * 16 + FromHex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Prometheus's parseTimeParam: the parameter, or `fallback` when absent.
// Its message names the parameter twice, as Prometheus's does ("invalid
// parameter "time": Invalid time value for 'time': ..."); query_range's
// start and end are read without it there, and here.
Result<int64_t> TimeParam(const Params& params, std::string_view name, int64_t fallback) {
  const std::string* v = Param(params, name);
  if (v == nullptr || v->empty()) return fallback;
  auto t = promql::ParseTimeParam(*v);
  if (!t.ok()) {
    const std::string n(name);
    return Status::InvalidArgument("invalid parameter \"" + n + "\": Invalid time value for '" + n +
                                   "': " + t.status().message());
  }
  return *t;
}

// The `timeout` parameter; 0 when absent, empty or not positive.
Result<int64_t> Timeout(const Params& params) {
  const std::string* v = Param(params, "timeout");
  if (v == nullptr || v->empty()) return 0;
  auto d = promql::ParseDurationParam(*v);
  if (!d.ok()) return Status::InvalidArgument("invalid parameter \"timeout\": " + d.status().message());
  return std::max<int64_t>(*d, 0);
}

// The match[] selectors; none when there is no match[].
Result<std::vector<std::vector<LabelMatcher>>> Selectors(const Params& params) {
  std::vector<std::vector<LabelMatcher>> out;
  for (const std::string& text : AllParams(params, "match[]")) {
    auto matchers = ParseSelector(text);
    if (!matchers.ok())
      return Status::InvalidArgument("invalid parameter \"match[]\": " + matchers.status().message());
    out.push_back(std::move(*matchers));
  }
  return out;
}

// The parsers of each kind of request below: a parameter that is missing
// or wrong is InvalidArgument with Prometheus's message (bad_data).

Result<InstantQueryRequest> ParseInstantQuery(const Params& params, int64_t now_ms) {
  const std::string* q = Param(params, "query");
  if (q == nullptr) return Status::InvalidArgument("invalid parameter \"query\": query must not be empty");
  OT_ASSIGN_OR_RETURN(int64_t time, TimeParam(params, "time", now_ms));
  OT_ASSIGN_OR_RETURN(int64_t timeout, Timeout(params));
  return InstantQueryRequest{*q, time, timeout};
}

Result<RangeQueryRequest> ParseRangeQuery(const Params& params) {
  const std::string* q = Param(params, "query");
  if (q == nullptr) return Status::InvalidArgument("invalid parameter \"query\": query must not be empty");
  for (const char* name : {"start", "end", "step"}) {
    if (Param(params, name) == nullptr)
      return Status::InvalidArgument(std::string("invalid parameter \"") + name + "\": missing");
  }
  auto start = promql::ParseTimeParam(*Param(params, "start"));
  if (!start.ok()) return Status::InvalidArgument("invalid parameter \"start\": " + start.status().message());
  auto end = promql::ParseTimeParam(*Param(params, "end"));
  if (!end.ok()) return Status::InvalidArgument("invalid parameter \"end\": " + end.status().message());
  if (*end < *start)
    return Status::InvalidArgument("invalid parameter \"end\": end timestamp must not be before start time");
  auto step = promql::ParseDurationParam(*Param(params, "step"));
  if (!step.ok()) return Status::InvalidArgument("invalid parameter \"step\": " + step.status().message());
  if (*step <= 0) {
    return Status::InvalidArgument(
        "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
        "Try a positive integer");
  }
  // Prometheus's limit: at most 11,000 points per series.
  if ((*end - *start) / *step > promql::kMaxPointsPerSeries) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  OT_ASSIGN_OR_RETURN(int64_t timeout, Timeout(params));
  return RangeQueryRequest{*q, *start, *end, *step, timeout};
}

Result<SeriesRequest> ParseSeries(const Params& params) {
  if (Param(params, "match[]") == nullptr) return Status::InvalidArgument("no match[] parameter provided");
  OT_ASSIGN_OR_RETURN(int64_t start, TimeParam(params, "start", kMinTime));
  OT_ASSIGN_OR_RETURN(int64_t end, TimeParam(params, "end", kMaxTime));
  OT_ASSIGN_OR_RETURN(auto selectors, Selectors(params));
  return SeriesRequest{std::move(selectors), start, end};
}

Result<LabelsRequest> ParseLabels(const Params& params, std::optional<std::string> name) {
  // start and end are checked with or without match[], as Prometheus does
  // (FindLabels reads every label without match[]).
  OT_ASSIGN_OR_RETURN(int64_t start, TimeParam(params, "start", kMinTime));
  OT_ASSIGN_OR_RETURN(int64_t end, TimeParam(params, "end", kMaxTime));
  OT_ASSIGN_OR_RETURN(auto selectors, Selectors(params));
  return LabelsRequest{std::move(name), std::move(selectors), start, end};
}

// Whether the expression selects series anywhere in it.
bool HasSelector(const promql::Expr& e) {
  if (e.kind == promql::Expr::Kind::kVectorSelector) return true;
  for (const promql::ExprPtr& arg : e.args) {
    if (arg && HasSelector(*arg)) return true;
  }
  return false;
}

// Prometheus's queryExemplars: start and end default to all time, the
// query must parse. overtone keeps no exemplars, so that is all it checks.
Result<ExemplarsRequest> ParseExemplars(const Params& params) {
  OT_ASSIGN_OR_RETURN(int64_t start, TimeParam(params, "start", kMinTime));
  OT_ASSIGN_OR_RETURN(int64_t end, TimeParam(params, "end", kMaxTime));
  if (end < start) return Status::InvalidArgument("end timestamp must not be before start timestamp");
  const std::string* q = Param(params, "query");
  std::string query = q ? *q : "";
  OT_ASSIGN_OR_RETURN(promql::ExprPtr expr, promql::ParseExpr(query));
  return ExemplarsRequest{std::move(query), start, end, HasSelector(*expr)};
}

// Prometheus's formatQuery prints the parsed expression in its pretty form.
Result<FormatQueryRequest> ParseFormatQuery(const Params& params) {
  const std::string* q = Param(params, "query");
  Result<promql::ExprPtr> expr = promql::ParseExpr(q ? *q : "");
  if (!expr.ok()) return Status::InvalidArgument("invalid parameter \"query\": " + expr.status().message());
  return FormatQueryRequest{promql::Pretty(**expr)};
}

Result<SqlRequest> ParseSql(const QueryApiRequest& request, const Params& params) {
  const std::string* q = Param(params, "query");
  std::string sql = q ? *q : "";
  if (sql.empty() && (request.content_type.starts_with("application/sql") ||
                      request.content_type.starts_with("text/plain"))) {
    sql = request.body;
  }
  if (sql.empty()) {
    return Status::InvalidArgument(
        "invalid parameter \"query\": SQL must not be empty (send it as the form field "
        "query, or as the body with Content-Type: application/sql)");
  }
  const std::string* format = Param(params, "format");
  if (format && *format != "json" && *format != "csv") {
    return Status::InvalidArgument("invalid parameter \"format\": \"" + *format +
                                   "\" is neither json nor csv");
  }
  bool csv = (format && *format == "csv") || (!format && request.accept.starts_with("text/csv"));
  OT_ASSIGN_OR_RETURN(int64_t timeout, Timeout(params));
  return SqlRequest{std::move(sql), csv, timeout};
}

// A whole number, as Go's strconv.Atoi reads it; `error` when it is not one.
Result<int64_t> IntParam(const Params& params, std::string_view name, int64_t fallback, const char* error) {
  const std::string* v = Param(params, name);
  if (!v || v->empty()) return fallback;
  size_t i = (*v)[0] == '-' || (*v)[0] == '+' ? 1 : 0;
  if (i == v->size() || v->size() > 18 ||
      !std::all_of(v->begin() + i, v->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument(error);
  }
  return std::stoll(*v);
}

Result<MetadataRequest> ParseMetadata(const Params& params) {
  MetadataRequest r;
  if (const std::string* m = Param(params, "metric")) r.metric = *m;
  OT_ASSIGN_OR_RETURN(r.limit, IntParam(params, "limit", -1, "limit must be a number"));
  OT_ASSIGN_OR_RETURN(r.limit_per_metric,
                      IntParam(params, "limit_per_metric", 0, "limit_per_metric must be a number"));
  return r;
}

template <typename T>
Result<ApiRequest> AsApiRequest(Result<T> r) {
  if (!r.ok()) return r.status();
  return ApiRequest(std::move(*r));
}

// The request at `rest` (the path after /api/v1/), its method checked.
Result<ApiRequest> ParseParameters(std::string_view rest, const QueryApiRequest& request,
                                   const Params& params, int64_t now_ms) {
  if (rest == "query") return AsApiRequest(ParseInstantQuery(params, now_ms));
  if (rest == "query_range") return AsApiRequest(ParseRangeQuery(params));
  if (rest == "series") return AsApiRequest(ParseSeries(params));
  if (rest == "labels") return AsApiRequest(ParseLabels(params, std::nullopt));
  if (rest == "metadata") return AsApiRequest(ParseMetadata(params));
  if (rest == "status/config") return ApiRequest(ConfigRequest{});
  if (rest == "status/tsdb") return ApiRequest(TsdbRequest{});
  if (rest == "status/buildinfo") return ApiRequest(BuildInfoRequest{});
  if (rest == "status/runtimeinfo") return ApiRequest(RuntimeInfoRequest{});
  if (rest == "status/flags") return ApiRequest(FlagsRequest{});
  if (rest == "targets") return ApiRequest(TargetsRequest{});
  if (rest == "query_exemplars") return AsApiRequest(ParseExemplars(params));
  if (rest == "format_query") return AsApiRequest(ParseFormatQuery(params));
  if (rest == "sql") return AsApiRequest(ParseSql(request, params));
  return AsApiRequest(
      ParseLabels(params, UrlDecode(rest.substr(6, rest.size() - 13))));  // label/<name>/values
}

}  // namespace

ApiError ApiError::BadData(std::string message) {
  return ApiError{"bad_data", kHttpBadRequest, std::move(message), ""};
}

ApiError ApiError::FromStatus(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotSupported: return BadData(s.message());
    case Status::Code::kAborted: return ApiError{"execution", kHttpUnprocessableContent, s.message(), ""};
    case Status::Code::kBusy: return ApiError{"timeout", kHttpServiceUnavailable, s.message(), ""};
    default: return ApiError{"internal", kHttpInternalServerError, s.message(), ""};
  }
}

bool IsQueryApiPath(std::string_view path) {
  if (!path.starts_with(kPrefix)) return false;
  std::string_view rest = path.substr(kPrefix.size());
  if (rest == "query" || rest == "query_range" || rest == "series" || rest == "labels" ||
      rest == "metadata" || rest == "status/config" || rest == "status/tsdb" || rest == "status/buildinfo" ||
      rest == "status/runtimeinfo" || rest == "status/flags" || rest == "targets" ||
      rest == "query_exemplars" || rest == "format_query" || rest == "sql") {
    return true;
  }
  return rest.starts_with("label/") && rest.size() > 13 && rest.ends_with("/values");
}

std::vector<std::pair<std::string, std::string>> ParseFormEncoded(std::string_view text) {
  Params out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace_back(UrlDecode(pair.substr(0, eq)),
                       eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1)));
    }
    i = amp + 1;
  }
  return out;
}

std::optional<ApiError> ParseApiRequest(const QueryApiRequest& request, int64_t now_ms, ApiRequest* out) {
  if (!IsQueryApiPath(request.path)) {
    return ApiError{"not_found", kHttpNotFound, "unknown API path " + request.path, ""};
  }
  Params params = request.params;
  if (request.method == "POST" && request.content_type.starts_with("application/x-www-form-urlencoded")) {
    Params form = ParseFormEncoded(request.body);
    params.insert(params.end(), form.begin(), form.end());
  }
  std::string_view rest = std::string_view(request.path).substr(kPrefix.size());
  if (rest == "sql" && request.method != "POST") {
    return ApiError{"bad_data", kHttpMethodNotAllowed, "use POST", "POST"};
  }
  if (request.method != "GET" && request.method != "POST") {
    return ApiError{"bad_data", kHttpMethodNotAllowed, "use GET or POST", ""};
  }
  Result<ApiRequest> parsed = ParseParameters(rest, request, params, now_ms);
  if (!parsed.ok()) return ApiError::BadData(parsed.status().message());
  *out = std::move(*parsed);
  return std::nullopt;
}

}  // namespace overtone::adapters
