#include "adapters/http/query_api.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "adapters/promql/query.h"
#include "adapters/promql/time_params.h"
#include "base/csv.h"
#include "overtone/sql.h"

namespace overtone::adapters {
namespace {

using Json = nlohmann::ordered_json;
using Params = std::vector<std::pair<std::string, std::string>>;
constexpr int kHttpUnprocessable = 422;
constexpr std::string_view kPrefix = "/api/v1/";

HttpReply JsonReply(int status, const Json& body) {
  HttpReply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

HttpReply Success(Json data) {
  Json body;
  body["status"] = "success";
  body["data"] = std::move(data);
  return JsonReply(kHttpOk, body);
}

HttpReply Failure(std::string_view type, int http, const std::string& message) {
  Json body;
  body["status"] = "error";
  body["errorType"] = type;
  body["error"] = message;
  return JsonReply(http, body);
}

HttpReply BadData(const std::string& message) { return Failure("bad_data", kHttpBadRequest, message); }

// A query's Status as Prometheus's error type (adapters/promql/query.h).
HttpReply QueryFailure(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotSupported: return BadData(s.message());
    case Status::Code::kAborted: return Failure("execution", kHttpUnprocessable, s.message());
    case Status::Code::kBusy: return Failure("timeout", kHttpServiceUnavailable, s.message());
    default: return Failure("internal", kHttpInternalServerError, s.message());
  }
}

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

// Unix seconds as Prometheus prints them: an integer, or with the
// milliseconds as a fraction.
Json Seconds(int64_t ms) {
  if (ms % 1000 == 0) return Json(ms / 1000);
  return Json(static_cast<double>(ms) / 1000);
}

Json LabelsJson(const Labels& labels) {
  Json m = Json::object();
  for (const Label& l : labels) m[l.name] = l.value;
  return m;
}

Json PointJson(const promql::Point& p) { return Json::array({Seconds(p.ts), promql::FormatValue(p.value)}); }

Json ResultJson(const promql::QueryResult& r) {
  Json data;
  Json result = Json::array();
  switch (r.type) {
    case promql::ValueType::kScalar:
      data["resultType"] = "scalar";
      result = PointJson(r.scalar);
      break;
    case promql::ValueType::kString:
      data["resultType"] = "string";
      result = Json::array({Seconds(r.scalar.ts), r.string_value});
      break;
    case promql::ValueType::kVector:
      data["resultType"] = "vector";
      for (const promql::Series& s : r.series) {
        Json e;
        e["metric"] = LabelsJson(s.labels);
        e["value"] = PointJson(s.points[0]);
        result.push_back(std::move(e));
      }
      break;
    default:
      data["resultType"] = "matrix";
      for (const promql::Series& s : r.series) {
        Json e;
        e["metric"] = LabelsJson(s.labels);
        Json values = Json::array();
        for (const promql::Point& p : s.points) values.push_back(PointJson(p));
        e["values"] = std::move(values);
        result.push_back(std::move(e));
      }
  }
  data["result"] = std::move(result);
  return data;
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

// Denies everything but reading: SQLite checks each statement at prepare.
int ReadOnlyAuthorizer(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_UPDATE:
      // Connecting an eponymous virtual table (samples, over_time, ...)
      // registers it in the in-memory schema; query_only still blocks any
      // write to a database.
      return arg1 && std::string_view(arg1) == "sqlite_master" ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION: {
      std::string_view fn = arg2 ? arg2 : "";
      bool writes = fn == "delete_samples" || fn == "delete_series" || fn == "compact";
      return writes ? SQLITE_DENY : SQLITE_OK;
    }
    default:
      return SQLITE_DENY;
  }
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
  bool expired = false;
};

int CheckDeadline(void* arg) {
  auto* d = static_cast<Deadline*>(arg);
  if (std::chrono::steady_clock::now() >= d->at) d->expired = true;
  return d->expired ? 1 : 0;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseFormEncoded(std::string_view text) {
  Params out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      out.emplace_back(UrlDecode(pair.substr(0, eq)), eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1)));
    }
    i = amp + 1;
  }
  return out;
}

// One SQLite connection with overtone registered; `read_only` ones serve
// /api/v1/sql.
class QueryApi::Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(Database* db, bool read_only) {
    sqlite3* conn = nullptr;
    int rc = sqlite3_open_v2(":memory:", &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_close(conn);
      return Status::Internal("opening an SQLite connection");
    }
    auto c = std::unique_ptr<Connection>(new Connection(conn));
    OT_RETURN_IF_ERROR(RegisterSql(conn, db));
    if (read_only) {
      sqlite3_exec(conn, "PRAGMA query_only = ON", nullptr, nullptr, nullptr);
      sqlite3_set_authorizer(conn, ReadOnlyAuthorizer, nullptr);
    }
    return c;
  }
  ~Connection() { sqlite3_close_v2(conn_); }
  sqlite3* get() const { return conn_; }

 private:
  explicit Connection(sqlite3* conn) : conn_(conn) {}
  sqlite3* conn_;
};

QueryApi::QueryApi(Database* db, QueryApiOptions options) : db_(db), options_(std::move(options)) {}
QueryApi::~QueryApi() = default;

std::unique_ptr<QueryApi::Connection> QueryApi::Acquire() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return c;
    }
  }
  auto c = Connection::Open(db_, false);
  return c.ok() ? std::move(*c) : nullptr;
}

void QueryApi::Release(std::unique_ptr<Connection> c) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < 8) pool_.push_back(std::move(c));
}

bool QueryApi::Handles(std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = path.substr(kPrefix.size());
  if (rest == "query" || rest == "query_range" || rest == "series" || rest == "labels" || rest == "metadata" ||
      rest == "status/buildinfo" || rest == "sql") {
    return true;
  }
  return rest.substr(0, 6) == "label/" && rest.size() > 13 && rest.substr(rest.size() - 7) == "/values";
}

std::vector<std::string> QueryApi::RoutePatterns() {
  return {"/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/metadata",
          "/api/v1/status/buildinfo", "/api/v1/sql", R"(/api/v1/label/([^/]+)/values)"};
}

HttpReply QueryApi::Handle(const QueryApiRequest& req) {
  if (!Handles(req.path)) return Failure("not_found", kHttpNotFound, "unknown API path " + req.path);
  Params params = req.params;
  if (req.method == "POST" && req.content_type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    Params form = ParseFormEncoded(req.body);
    params.insert(params.end(), form.begin(), form.end());
  }
  std::string_view rest = std::string_view(req.path).substr(kPrefix.size());
  if (rest == "sql") {
    if (req.method != "POST") {
      HttpReply r = Failure("bad_data", kHttpMethodNotAllowed, "use POST");
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    return Sql(req, params);
  }
  if (req.method != "GET" && req.method != "POST") {
    return Failure("bad_data", kHttpMethodNotAllowed, "use GET or POST");
  }
  if (rest == "query") return Query(params);
  if (rest == "query_range") return QueryRange(params);
  if (rest == "series") return Series(params);
  if (rest == "labels") return Labels(params, nullptr);
  if (rest == "metadata") return Success(Json::object());
  if (rest == "status/buildinfo") {
    Json data;
    data["version"] = options_.version;
    data["revision"] = "";
    data["branch"] = "";
    data["buildUser"] = "";
    data["buildDate"] = "";
    data["goVersion"] = "";
    return Success(std::move(data));
  }
  std::string name = UrlDecode(rest.substr(6, rest.size() - 13));
  return Labels(params, &name);
}

namespace {

// Prometheus's parseTimeParam: the parameter, or `fallback` when absent.
Result<int64_t> TimeParam(const Params& params, std::string_view name, int64_t fallback) {
  const std::string* v = Param(params, name);
  if (v == nullptr || v->empty()) return fallback;
  auto t = promql::ParseTimeParam(*v);
  if (!t.ok()) return Status::InvalidArgument("invalid parameter \"" + std::string(name) + "\": " + t.status().message());
  return *t;
}

// The `timeout` parameter, at most `limit`; absent, empty or not positive:
// `limit`.
Result<int64_t> Timeout(const Params& params, int64_t limit) {
  const std::string* v = Param(params, "timeout");
  if (v == nullptr || v->empty()) return limit;
  auto d = promql::ParseDurationParam(*v);
  if (!d.ok()) return Status::InvalidArgument("invalid parameter \"timeout\": " + d.status().message());
  return *d > 0 ? std::min(*d, limit) : limit;
}

}  // namespace

HttpReply QueryApi::Query(const Params& params) {
  const std::string* q = Param(params, "query");
  if (q == nullptr) return BadData("invalid parameter \"query\": query must not be empty");
  auto t = TimeParam(params, "time", promql::NowMs());
  if (!t.ok()) return BadData(t.status().message());
  auto timeout = Timeout(params, options_.timeout_ms);
  if (!timeout.ok()) return BadData(timeout.status().message());
  auto conn = Acquire();
  if (!conn) return Failure("internal", kHttpInternalServerError, "no SQLite connection");
  promql::QueryOptions qo{options_.lookback_ms, *timeout};
  auto r = promql::RunInstantQuery(conn->get(), *q, *t, qo);
  Release(std::move(conn));
  if (!r.ok()) return QueryFailure(r.status());
  if (r->type == promql::ValueType::kString) r->scalar.ts = *t;
  return Success(ResultJson(*r));
}

HttpReply QueryApi::QueryRange(const Params& params) {
  const std::string* q = Param(params, "query");
  if (q == nullptr) return BadData("invalid parameter \"query\": query must not be empty");
  for (const char* name : {"start", "end", "step"}) {
    if (Param(params, name) == nullptr) return BadData(std::string("invalid parameter \"") + name + "\": missing");
  }
  auto start = promql::ParseTimeParam(*Param(params, "start"));
  if (!start.ok()) return BadData("invalid parameter \"start\": " + start.status().message());
  auto end = promql::ParseTimeParam(*Param(params, "end"));
  if (!end.ok()) return BadData("invalid parameter \"end\": " + end.status().message());
  if (*end < *start) return BadData("invalid parameter \"end\": end timestamp must not be before start time");
  auto step = promql::ParseDurationParam(*Param(params, "step"));
  if (!step.ok()) return BadData("invalid parameter \"step\": " + step.status().message());
  if (*step <= 0) {
    return BadData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
                   "Try a positive integer");
  }
  // Prometheus's limit: at most 11,000 points per series.
  if ((*end - *start) / *step > promql::kMaxPointsPerSeries) {
    return BadData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                   "resolution (?step=XX)");
  }
  auto timeout = Timeout(params, options_.timeout_ms);
  if (!timeout.ok()) return BadData(timeout.status().message());
  auto conn = Acquire();
  if (!conn) return Failure("internal", kHttpInternalServerError, "no SQLite connection");
  promql::QueryOptions qo{options_.lookback_ms, *timeout};
  auto r = promql::RunRangeQuery(conn->get(), *q, *start, *end, *step, qo);
  Release(std::move(conn));
  if (!r.ok()) return QueryFailure(r.status());
  return Success(ResultJson(*r));
}

namespace {

// The series matching any of `selectors` that have a sample in [start, end].
Result<std::vector<SeriesInfo>> MatchSeries(Database* db, const std::vector<std::string>& selectors, int64_t start,
                                            int64_t end) {
  std::map<SeriesId, SeriesInfo> found;
  for (const std::string& sel : selectors) {
    auto matchers = ParseSelector(sel);
    if (!matchers.ok()) return Status::InvalidArgument("invalid parameter \"match[]\": " + matchers.status().message());
    OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, db->Select(*matchers));
    for (SeriesInfo& s : series) {
      if (found.count(s.id)) continue;
      auto it = db->Scan(s.id, start, end);
      if (!it.ok() || !(*it)->Valid()) continue;
      found.emplace(s.id, std::move(s));
    }
  }
  std::vector<SeriesInfo> out;
  for (auto& [id, s] : found) out.push_back(std::move(s));
  return out;
}

}  // namespace

HttpReply QueryApi::Series(const Params& params) {
  std::vector<std::string> matches = AllParams(params, "match[]");
  if (matches.empty()) return BadData("no match[] parameter provided");
  auto start = TimeParam(params, "start", kMinTime), end = TimeParam(params, "end", kMaxTime);
  if (!start.ok()) return BadData(start.status().message());
  if (!end.ok()) return BadData(end.status().message());
  auto series = MatchSeries(db_, matches, *start, *end);
  if (!series.ok()) return QueryFailure(series.status());
  std::sort(series->begin(), series->end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return promql::LabelsLess(a.labels, b.labels); });
  Json data = Json::array();
  for (const SeriesInfo& s : *series) data.push_back(LabelsJson(s.labels));
  return Success(std::move(data));
}

HttpReply QueryApi::Labels(const Params& params, const std::string* name) {
  std::vector<std::string> matches = AllParams(params, "match[]");
  Json data = Json::array();
  if (matches.empty()) {
    auto values = name ? db_->LabelValues(*name) : db_->LabelNames();
    if (!values.ok()) return QueryFailure(values.status());
    for (const std::string& v : *values) data.push_back(v);
    return Success(std::move(data));
  }
  auto start = TimeParam(params, "start", kMinTime), end = TimeParam(params, "end", kMaxTime);
  if (!start.ok()) return BadData(start.status().message());
  if (!end.ok()) return BadData(end.status().message());
  auto series = MatchSeries(db_, matches, *start, *end);
  if (!series.ok()) return QueryFailure(series.status());
  std::set<std::string> out;
  for (const SeriesInfo& s : *series) {
    for (const Label& l : s.labels) {
      if (name == nullptr) out.insert(l.name);
      else if (l.name == *name) out.insert(l.value);
    }
  }
  for (const std::string& v : out) data.push_back(v);
  return Success(std::move(data));
}

HttpReply QueryApi::Sql(const QueryApiRequest& req, const Params& params) {
  const std::string* q = Param(params, "query");
  std::string sql = q ? *q : "";
  if (sql.empty() && (req.content_type.rfind("application/sql", 0) == 0 || req.content_type.rfind("text/plain", 0) == 0)) {
    sql = req.body;
  }
  if (sql.empty()) {
    return BadData("invalid parameter \"query\": SQL must not be empty (send it as the form field "
                   "query, or as the body with Content-Type: application/sql)");
  }
  const std::string* format = Param(params, "format");
  if (format && *format != "json" && *format != "csv") {
    return BadData("invalid parameter \"format\": \"" + *format + "\" is neither json nor csv");
  }
  bool csv = (format && *format == "csv") || (!format && req.accept.rfind("text/csv", 0) == 0);
  auto timeout = Timeout(params, options_.timeout_ms);
  if (!timeout.ok()) return BadData(timeout.status().message());
  auto conn = Connection::Open(db_, true);
  if (!conn.ok()) return QueryFailure(conn.status());
  sqlite3* c = (*conn)->get();
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(c, sql.c_str(), -1, &stmt, &tail) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(c);
    sqlite3_finalize(stmt);
    return BadData(msg == "not authorized" ? "read-only: only SELECT statements are allowed" : msg);
  }
  if (stmt == nullptr) return BadData("no SQL statement");
  if (!sqlite3_stmt_readonly(stmt) || std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_finalize(stmt);
    return BadData("read-only: send one SELECT statement");
  }
  Deadline deadline{std::chrono::steady_clock::now() + std::chrono::milliseconds(*timeout)};
  sqlite3_progress_handler(c, 1000, CheckDeadline, &deadline);
  int n = sqlite3_column_count(stmt);
  Json columns = Json::array(), rows = Json::array();
  std::string text;
  for (int i = 0; i < n; ++i) {
    columns.push_back(sqlite3_column_name(stmt, i));
    text += (i ? "," : "") + CsvField(sqlite3_column_name(stmt, i), CsvQuoting::kWhenNeeded);
  }
  text += "\n";
  size_t count = 0;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (++count > options_.max_sql_rows) {
      sqlite3_finalize(stmt);
      return Failure("execution", kHttpUnprocessable, "more than " + std::to_string(options_.max_sql_rows) + " rows");
    }
    Json row = Json::array();
    for (int i = 0; i < n; ++i) {
      std::string cell;
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          row.push_back(sqlite3_column_int64(stmt, i));
          cell = std::to_string(sqlite3_column_int64(stmt, i));
          break;
        case SQLITE_FLOAT: {
          double v = sqlite3_column_double(stmt, i);
          // JSON has no Inf: those go as Prometheus's strings.
          if (std::isfinite(v)) row.push_back(v); else row.push_back(promql::FormatValue(v));
          cell = promql::FormatValue(v);
          break;
        }
        case SQLITE_NULL: row.push_back(nullptr); break;
        default: {
          const char* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          cell = t ? t : "";
          row.push_back(cell);
        }
      }
      if (csv) text += (i ? "," : "") + CsvField(cell, CsvQuoting::kWhenNeeded);
    }
    if (csv) text += "\n";
    if (!csv) rows.push_back(std::move(row));
  }
  std::string err = sqlite3_errmsg(c);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) {
    if (deadline.expired) return Failure("timeout", kHttpServiceUnavailable, "query timed out");
    return Failure("execution", kHttpUnprocessable, err);
  }
  if (csv) {
    HttpReply r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = std::move(text);
    return r;
  }
  Json data;
  data["columns"] = std::move(columns);
  data["rows"] = std::move(rows);
  return Success(std::move(data));
}

}  // namespace overtone::adapters
