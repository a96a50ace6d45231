#include "adapters/http/query_render.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/csv.h"

namespace overtone::adapters {
namespace {

using Json = nlohmann::ordered_json;

HttpReply JsonReply(int status, const Json& body) {
  HttpReply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

HttpReply Success(Json data) { return RenderSuccess(std::move(data)); }

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

Json SqlValueJson(const SqlValue& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v))
    return std::isfinite(*d) ? Json(*d) : Json(promql::FormatValue(*d));
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  return nullptr;
}

std::string SqlValueCsv(const SqlValue& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) return promql::FormatValue(*d);
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

}  // namespace

HttpReply RenderError(const ApiError& error) {
  Json body;
  body["status"] = "error";
  body["errorType"] = error.type;
  body["error"] = error.message;
  HttpReply r = JsonReply(error.http_status, body);
  if (!error.allow.empty()) r.headers.emplace_back("Allow", error.allow);
  return r;
}

namespace {

// A JSON string as the rest of the page writes it (invalid UTF-8 replaced).
void AppendJsonString(std::string_view s, std::string* out) {
  *out += Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendSeconds(int64_t ms, std::string* out) {
  if (ms % 1000 == 0) {
    *out += std::to_string(ms / 1000);
  } else {
    *out += Seconds(ms).dump();
  }
}

void AppendPoint(const promql::Point& p, std::string* out) {
  out->push_back('[');
  AppendSeconds(p.ts, out);
  *out += ",\"";
  *out += promql::FormatValue(p.value);  // digits, NaN or ±Inf: nothing to escape
  *out += "\"]";
}

void AppendMetric(const Labels& labels, std::string* out) {
  *out += "{\"metric\":{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(labels[i].name, out);
    out->push_back(':');
    AppendJsonString(labels[i].value, out);
  }
  out->push_back('}');
}

}  // namespace

// Vectors and matrices, the bulk of what the API sends, are written
// straight into the body: the same text as nlohmann's dump of the same
// document, without building one node per point first.
HttpReply RenderQueryResult(const promql::QueryResult& r) {
  if (r.type == promql::ValueType::kScalar || r.type == promql::ValueType::kString) {
    Json data;
    if (r.type == promql::ValueType::kScalar) {
      data["resultType"] = "scalar";
      data["result"] = PointJson(r.scalar);
    } else {
      data["resultType"] = "string";
      data["result"] = Json::array({Seconds(r.scalar.ts), r.string_value});
    }
    return Success(std::move(data));
  }
  const bool vector = r.type == promql::ValueType::kVector;  // else a matrix
  size_t points = 0;
  for (const promql::Series& s : r.series) points += vector ? 1 : s.points.size();
  HttpReply reply;
  reply.status = kHttpOk;
  reply.content_type = "application/json";
  std::string& out = reply.body;
  out.reserve(64 + r.series.size() * 128 + points * 32);
  out += vector ? "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                : "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[";
  for (size_t i = 0; i < r.series.size(); ++i) {
    const promql::Series& s = r.series[i];
    if (i > 0) out.push_back(',');
    AppendMetric(s.labels, &out);
    if (vector) {
      out += ",\"value\":";
      AppendPoint(s.points[0], &out);
    } else {
      out += ",\"values\":[";
      for (size_t j = 0; j < s.points.size(); ++j) {
        if (j > 0) out.push_back(',');
        AppendPoint(s.points[j], &out);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out += "]}}";
  return reply;
}

HttpReply RenderSeries(const std::vector<SeriesInfo>& series) {
  Json data = Json::array();
  for (const SeriesInfo& s : series) data.push_back(LabelsJson(s.labels));
  return Success(std::move(data));
}

HttpReply RenderStrings(const std::vector<std::string>& values) {
  Json data = Json::array();
  for (const std::string& v : values) data.push_back(v);
  return Success(std::move(data));
}

HttpReply RenderSuccess(Json data) {
  Json body;
  body["status"] = "success";
  body["data"] = std::move(data);
  return JsonReply(kHttpOk, body);
}

HttpReply RenderBuildInfo(const std::string& version) {
  Json data;
  data["version"] = version;
  data["revision"] = "";
  data["branch"] = "";
  data["buildUser"] = "";
  data["buildDate"] = "";
  data["goVersion"] = "";
  return Success(std::move(data));
}

std::string Rfc3339(int64_t ms) {
  int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - seconds * 1000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", millis);
    out += frac;
    while (out.back() == '0') out.pop_back();
  }
  return out + "Z";
}

HttpReply RenderRuntimeInfo(const RuntimeInfo& info) {
  Json data;
  data["startTime"] = Rfc3339(info.start_time_ms);
  data["CWD"] = info.cwd;
  data["reloadConfigSuccess"] = true;
  data["lastConfigTime"] = Rfc3339(info.start_time_ms);
  data["corruptionCount"] = 0;
  data["goroutineCount"] = info.threads;
  data["GOMAXPROCS"] = info.hardware_threads;
  data["GOGC"] = "";
  data["GODEBUG"] = "";
  data["storageRetention"] = "";
  return Success(std::move(data));
}

HttpReply RenderFlags(const std::map<std::string, std::string>& flags) {
  Json data = Json::object();
  for (const auto& [name, value] : flags) data[name] = value;
  return Success(std::move(data));
}

HttpReply RenderTargets() {
  Json data;
  data["activeTargets"] = Json::array();
  data["droppedTargets"] = Json::array();
  return Success(std::move(data));
}

HttpReply RenderExemplars(bool selects) {
  if (selects) return Success(Json::array());
  HttpReply r;
  r.status = kHttpNoContent;
  return r;
}

HttpReply RenderFormattedQuery(const std::string& expression) { return Success(expression); }

HttpReply RenderSqlJson(const SqlTable& table) {
  Json columns = Json::array(), rows = Json::array();
  for (const std::string& c : table.columns) columns.push_back(c);
  for (const std::vector<SqlValue>& row : table.rows) {
    Json cells = Json::array();
    for (const SqlValue& v : row) cells.push_back(SqlValueJson(v));
    rows.push_back(std::move(cells));
  }
  Json data;
  data["columns"] = std::move(columns);
  data["rows"] = std::move(rows);
  return Success(std::move(data));
}

HttpReply RenderSqlCsv(const SqlTable& table) {
  std::string text;
  for (size_t i = 0; i < table.columns.size(); ++i)
    text += (i ? "," : "") + CsvField(table.columns[i], CsvQuoting::kWhenNeeded);
  text += "\n";
  for (const std::vector<SqlValue>& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i)
      text += (i ? "," : "") + CsvField(SqlValueCsv(row[i]), CsvQuoting::kWhenNeeded);
    text += "\n";
  }
  HttpReply r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(text);
  return r;
}

}  // namespace overtone::adapters
