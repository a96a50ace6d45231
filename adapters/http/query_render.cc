#include "adapters/http/query_render.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

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

// A JSON string as nlohmann::json prints it (escapes, invalid UTF-8
// replaced): plain ASCII directly, anything else through the library.
void AppendJsonString(std::string* out, std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) {
      out->append(Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace));
      return;
    }
  }
  out->push_back('"');
  out->append(s);
  out->push_back('"');
}

// [seconds,"value"], the value as promql::FormatValue writes it, formatted
// in place and appended at once: a point is most of a matrix's bytes, and
// its text needs no escaping (digits, '.', '-', NaN, +Inf, -Inf).
// Always inlined into the loop over a series' points: called per point, it
// cost a small query's render 6% more instructions.
[[gnu::always_inline]] inline void AppendPoint(std::string* out, const promql::Point& p) {
  // '[', the seconds, ',"', the longest fixed-notation double (DBL_MAX,
  // DBL_TRUE_MIN: under 400 characters) and '"]'.
  char buf[448];
  char* const end = buf + sizeof buf;
  char* at = buf;
  *at++ = '[';
  if (p.ts % 1000 == 0) {
    at = std::to_chars(at, end, p.ts / 1000).ptr;
  } else {
    out->append(buf, at);
    out->append(Seconds(p.ts).dump());
    at = buf;
  }
  *at++ = ',';
  *at++ = '"';
  const double v = p.value;
  if (std::isnan(v)) {
    at = std::copy_n("NaN", 3, at);
  } else if (std::isinf(v)) {
    at = std::copy_n(v > 0 ? "+Inf" : "-Inf", 4, at);
  } else if (std::fabs(v) < 0x1p53 && v == std::trunc(v) && !(v == 0 && std::signbit(v))) {
    // An integer below 2^53 is its own shortest round-trip text: the
    // integer formatting writes the same digits, faster (-0 keeps its sign
    // through the double formatting below).
    at = std::to_chars(at, end, static_cast<int64_t>(v)).ptr;
  } else {
    at = std::to_chars(at, end, v, std::chars_format::fixed).ptr;
  }
  *at++ = '"';
  *at++ = ']';
  out->append(buf, at);
}

// One series of a vector or matrix answer.
void AppendSeries(std::string* out, const promql::Series* s, bool vector) {
  *out += R"({"metric":{)";
  for (size_t l = 0; l < s->labels.size(); ++l) {
    if (l > 0) out->push_back(',');
    AppendJsonString(out, s->labels[l].name);
    out->push_back(':');
    AppendJsonString(out, s->labels[l].value);
  }
  *out += vector ? R"(},"value":)" : R"(},"values":[)";
  for (size_t p = 0; p < (vector ? 1 : s->points.size()); ++p) {
    if (p > 0) out->push_back(',');
    AppendPoint(out, s->points[p]);
  }
  *out += vector ? "}" : "]}";
}

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

HttpReply RenderQueryResult(promql::QueryResult r, size_t stream_past_points) {
  if (r.type == promql::ValueType::kScalar || r.type == promql::ValueType::kString) {
    Json data;
    data["resultType"] = r.type == promql::ValueType::kScalar ? "scalar" : "string";
    data["result"] = r.type == promql::ValueType::kScalar
                         ? PointJson(r.scalar)
                         : Json::array({Seconds(r.scalar.ts), r.string_value});
    return Success(std::move(data));
  }
  // Vectors and matrices are written straight into the body, as
  // nlohmann::json would print them: building them as JSON values first
  // was a quarter of a small query's instructions.
  const bool vector = r.type == promql::ValueType::kVector;
  HttpReply reply;
  reply.status = kHttpOk;
  reply.content_type = "application/json";
  std::string head = std::string(R"({"status":"success","data":{"resultType":")") +
                     (vector ? "vector" : "matrix") + R"(","result":[)";
  size_t points = 0;
  for (const promql::Series& s : r.series) points += s.points.size();
  if (points <= stream_past_points) {
    std::string body = std::move(head);
    body.reserve(body.size() + r.series.size() * 128 + points * 32);
    for (size_t i = 0; i < r.series.size(); ++i) {
      if (i > 0) body.push_back(',');
      AppendSeries(&body, &r.series[i], vector);
    }
    body += "]}}";
    reply.body = std::move(body);
    return reply;
  }
  // A large answer goes out in parts as it is written: its text (about
  // twice its points' bytes) is never held whole.
  struct Parts {
    promql::QueryResult result;
    std::string head;
    size_t next = 0;
  };
  auto parts = std::make_shared<Parts>(Parts{std::move(r), std::move(head)});
  reply.body_parts = [parts, vector](std::string* out) {
    constexpr size_t kPartBytes = 256 << 10;
    out->append(std::exchange(parts->head, std::string()));
    std::vector<promql::Series>& series = parts->result.series;
    for (; parts->next < series.size() && out->size() < kPartBytes; ++parts->next) {
      if (parts->next > 0) out->push_back(',');
      AppendSeries(out, &series[parts->next], vector);
      std::vector<promql::Point>().swap(series[parts->next].points);  // written: let go
    }
    if (parts->next < series.size()) return true;
    out->append("]}}");
    return false;
  };
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
