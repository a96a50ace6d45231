#include "adapters/http/query_request.h"

#include <algorithm>

#include "adapters/http/http_status.h"
#include "adapters/promql/query.h"
#include "adapters/promql/time_params.h"
#include "overtone/database.h"

namespace overtone::adapters {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
constexpr int kHttpUnprocessable = 422;
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
Result<int64_t> TimeParam(const Params& params, std::string_view name, int64_t fallback) {
  const std::string* v = Param(params, name);
  if (v == nullptr || v->empty()) return fallback;
  auto t = promql::ParseTimeParam(*v);
  if (!t.ok()) {
    return Status::InvalidArgument("invalid parameter \"" + std::string(name) + "\": " + t.status().message());
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
    if (!matchers.ok()) return Status::InvalidArgument("invalid parameter \"match[]\": " + matchers.status().message());
    out.push_back(std::move(*matchers));
  }
  return out;
}

// Fills in a result, or says what was wrong with the parameters.
#define OT_PARSE_OR_FAIL(lhs, expr)                                       \
  auto lhs##_or = (expr);                                                 \
  if (!lhs##_or.ok()) return ApiError::BadData(lhs##_or.status().message()); \
  auto lhs = std::move(*lhs##_or)

std::optional<ApiError> ParseInstantQuery(const Params& params, int64_t now_ms, ApiRequest* out) {
  const std::string* q = Param(params, "query");
  if (q == nullptr) return ApiError::BadData("invalid parameter \"query\": query must not be empty");
  OT_PARSE_OR_FAIL(time, TimeParam(params, "time", now_ms));
  OT_PARSE_OR_FAIL(timeout, Timeout(params));
  *out = InstantQueryRequest{*q, time, timeout};
  return std::nullopt;
}

std::optional<ApiError> ParseRangeQuery(const Params& params, ApiRequest* out) {
  const std::string* q = Param(params, "query");
  if (q == nullptr) return ApiError::BadData("invalid parameter \"query\": query must not be empty");
  for (const char* name : {"start", "end", "step"}) {
    if (Param(params, name) == nullptr) {
      return ApiError::BadData(std::string("invalid parameter \"") + name + "\": missing");
    }
  }
  auto start = promql::ParseTimeParam(*Param(params, "start"));
  if (!start.ok()) return ApiError::BadData("invalid parameter \"start\": " + start.status().message());
  auto end = promql::ParseTimeParam(*Param(params, "end"));
  if (!end.ok()) return ApiError::BadData("invalid parameter \"end\": " + end.status().message());
  if (*end < *start) {
    return ApiError::BadData("invalid parameter \"end\": end timestamp must not be before start time");
  }
  auto step = promql::ParseDurationParam(*Param(params, "step"));
  if (!step.ok()) return ApiError::BadData("invalid parameter \"step\": " + step.status().message());
  if (*step <= 0) {
    return ApiError::BadData(
        "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
        "Try a positive integer");
  }
  // Prometheus's limit: at most 11,000 points per series.
  if ((*end - *start) / *step > promql::kMaxPointsPerSeries) {
    return ApiError::BadData(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  OT_PARSE_OR_FAIL(timeout, Timeout(params));
  *out = RangeQueryRequest{*q, *start, *end, *step, timeout};
  return std::nullopt;
}

std::optional<ApiError> ParseSeries(const Params& params, ApiRequest* out) {
  if (Param(params, "match[]") == nullptr) return ApiError::BadData("no match[] parameter provided");
  OT_PARSE_OR_FAIL(start, TimeParam(params, "start", kMinTime));
  OT_PARSE_OR_FAIL(end, TimeParam(params, "end", kMaxTime));
  OT_PARSE_OR_FAIL(selectors, Selectors(params));
  *out = SeriesRequest{std::move(selectors), start, end};
  return std::nullopt;
}

std::optional<ApiError> ParseLabels(const Params& params, std::optional<std::string> name, ApiRequest* out) {
  LabelsRequest r{std::move(name), {}, kMinTime, kMaxTime};
  if (Param(params, "match[]") != nullptr) {  // without match[], start and end are not looked at
    OT_PARSE_OR_FAIL(start, TimeParam(params, "start", kMinTime));
    OT_PARSE_OR_FAIL(end, TimeParam(params, "end", kMaxTime));
    OT_PARSE_OR_FAIL(selectors, Selectors(params));
    r.selectors = std::move(selectors);
    r.start_ms = start;
    r.end_ms = end;
  }
  *out = std::move(r);
  return std::nullopt;
}

std::optional<ApiError> ParseSql(const QueryApiRequest& request, const Params& params, ApiRequest* out) {
  const std::string* q = Param(params, "query");
  std::string sql = q ? *q : "";
  if (sql.empty() && (request.content_type.starts_with("application/sql") ||
                      request.content_type.starts_with("text/plain"))) {
    sql = request.body;
  }
  if (sql.empty()) {
    return ApiError::BadData(
        "invalid parameter \"query\": SQL must not be empty (send it as the form field "
        "query, or as the body with Content-Type: application/sql)");
  }
  const std::string* format = Param(params, "format");
  if (format && *format != "json" && *format != "csv") {
    return ApiError::BadData("invalid parameter \"format\": \"" + *format + "\" is neither json nor csv");
  }
  bool csv = (format && *format == "csv") || (!format && request.accept.starts_with("text/csv"));
  OT_PARSE_OR_FAIL(timeout, Timeout(params));
  *out = SqlRequest{std::move(sql), csv, timeout};
  return std::nullopt;
}

#undef OT_PARSE_OR_FAIL

}  // namespace

ApiError ApiError::BadData(std::string message) {
  return ApiError{"bad_data", kHttpBadRequest, std::move(message), ""};
}

ApiError ApiError::FromStatus(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotSupported: return BadData(s.message());
    case Status::Code::kAborted: return ApiError{"execution", kHttpUnprocessable, s.message(), ""};
    case Status::Code::kBusy: return ApiError{"timeout", kHttpServiceUnavailable, s.message(), ""};
    default: return ApiError{"internal", kHttpInternalServerError, s.message(), ""};
  }
}

bool IsQueryApiPath(std::string_view path) {
  if (!path.starts_with(kPrefix)) return false;
  std::string_view rest = path.substr(kPrefix.size());
  if (rest == "query" || rest == "query_range" || rest == "series" || rest == "labels" || rest == "metadata" ||
      rest == "status/buildinfo" || rest == "sql") {
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
  if (rest == "sql") {
    if (request.method != "POST") return ApiError{"bad_data", kHttpMethodNotAllowed, "use POST", "POST"};
    return ParseSql(request, params, out);
  }
  if (request.method != "GET" && request.method != "POST") {
    return ApiError{"bad_data", kHttpMethodNotAllowed, "use GET or POST", ""};
  }
  if (rest == "query") return ParseInstantQuery(params, now_ms, out);
  if (rest == "query_range") return ParseRangeQuery(params, out);
  if (rest == "series") return ParseSeries(params, out);
  if (rest == "labels") return ParseLabels(params, std::nullopt, out);
  if (rest == "metadata") {
    *out = MetadataRequest{};
    return std::nullopt;
  }
  if (rest == "status/buildinfo") {
    *out = BuildInfoRequest{};
    return std::nullopt;
  }
  return ParseLabels(params, UrlDecode(rest.substr(6, rest.size() - 13)), out);
}

}  // namespace overtone::adapters
