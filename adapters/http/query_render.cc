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

#include "adapters/http/json_writer.h"
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

// Prometheus's success envelope, its data written by `write_data`.
template <typename WriteData>
HttpReply WrittenSuccess(WriteData write_data, size_t reserve = 256) {
  HttpReply r;
  r.status = kHttpOk;
  r.content_type = "application/json";
  r.body.reserve(reserve);
  r.body = R"({"status":"success","data":)";
  JsonWriter data(&r.body);
  write_data(data);
  r.body.push_back('}');
  return r;
}

// A label set as a JSON object, in the set's order.
void WriteLabels(JsonWriter& w, const Labels& labels) {
  w.BeginObject();
  for (const Label& l : labels) {
    w.Key(l.name);
    w.String(l.value);
  }
  w.EndObject();
}

// One series of a vector or matrix answer.
void AppendSeries(std::string* out, const promql::Series* s, bool vector) {
  JsonWriter w(out);
  w.BeginObject();
  w.Key("metric");
  WriteLabels(w, s->labels);
  if (vector) {
    w.Key("value");
    w.Point(s->points[0].ts, s->points[0].value);
  } else {
    w.Key("values");
    w.BeginArray();
    for (const promql::Point& p : s->points) w.Point(p.ts, p.value);
    w.EndArray();
  }
  w.EndObject();
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
  HttpReply r;
  r.status = error.http_status;
  r.content_type = "application/json";
  JsonWriter w(&r.body);
  w.BeginObject();
  w.Key("status");
  w.String("error");
  w.Key("errorType");
  w.String(error.type);
  w.Key("error");
  w.String(error.message);
  w.EndObject();
  if (!error.allow.empty()) r.headers.emplace_back("Allow", error.allow);
  return r;
}

HttpReply RenderQueryResult(promql::QueryResult r, size_t stream_past_points) {
  if (r.type == promql::ValueType::kScalar || r.type == promql::ValueType::kString) {
    return WrittenSuccess([&r](JsonWriter& w) {
      w.BeginObject();
      w.Key("resultType");
      w.String(r.type == promql::ValueType::kScalar ? "scalar" : "string");
      w.Key("result");
      if (r.type == promql::ValueType::kScalar) {
        w.Point(r.scalar.ts, r.scalar.value);
      } else {
        w.BeginArray();
        w.Seconds(r.scalar.ts);
        w.String(r.string_value);
        w.EndArray();
      }
      w.EndObject();
    });
  }
  // Vectors and matrices are written straight into one reserved body
  // (JsonWriter), no JSON values built first.
  const bool vector = r.type == promql::ValueType::kVector;
  HttpReply reply;
  reply.status = kHttpOk;
  reply.content_type = "application/json";
  std::string head = std::string(R"({"status":"success","data":{"resultType":")") +
                     (vector ? "vector" : "matrix") + R"(","result":[)";
  // The body's size, nearly: label text plus quotes and separators, and a
  // point's 30-odd bytes ([1700000000.123,"0.12345678901234566"]).
  size_t points = 0, bytes = head.size() + 3;
  for (const promql::Series& s : r.series) {
    points += s.points.size();
    bytes += 24;
    for (const Label& l : s.labels) bytes += l.name.size() + l.value.size() + 6;
  }
  if (points <= stream_past_points) {
    std::string body = std::move(head);
    body.reserve(bytes + points * 40);
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
  size_t bytes = 64;
  for (const SeriesInfo& s : series)
    for (const Label& l : s.labels) bytes += l.name.size() + l.value.size() + 6;
  return WrittenSuccess(
      [&series](JsonWriter& w) {
        w.BeginArray();
        for (const SeriesInfo& s : series) WriteLabels(w, s.labels);
        w.EndArray();
      },
      bytes);
}

HttpReply RenderStrings(const std::vector<std::string>& values) {
  size_t bytes = 64;
  for (const std::string& v : values) bytes += v.size() + 3;
  return WrittenSuccess(
      [&values](JsonWriter& w) {
        w.BeginArray();
        for (const std::string& v : values) w.String(v);
        w.EndArray();
      },
      bytes);
}

HttpReply RenderSuccess(Json data) {
  Json body;
  body["status"] = "success";
  body["data"] = std::move(data);
  return JsonReply(kHttpOk, body);
}

HttpReply RenderBuildInfo(const std::string& version) {
  return WrittenSuccess([&version](JsonWriter& w) {
    w.BeginObject();
    w.Key("version");
    w.String(version);
    for (const char* empty : {"revision", "branch", "buildUser", "buildDate", "goVersion"}) {
      w.Key(empty);
      w.String("");
    }
    w.EndObject();
  });
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
  return WrittenSuccess([&info](JsonWriter& w) {
    w.BeginObject();
    w.Key("startTime");
    w.String(Rfc3339(info.start_time_ms));
    w.Key("CWD");
    w.String(info.cwd);
    w.Key("reloadConfigSuccess");
    w.Bool(true);
    w.Key("lastConfigTime");
    w.String(Rfc3339(info.start_time_ms));
    w.Key("corruptionCount");
    w.Int(0);
    w.Key("goroutineCount");
    w.Int(info.threads);
    w.Key("GOMAXPROCS");
    w.Int(info.hardware_threads);
    for (const char* empty : {"GOGC", "GODEBUG", "storageRetention"}) {
      w.Key(empty);
      w.String("");
    }
    w.EndObject();
  });
}

HttpReply RenderFlags(const std::map<std::string, std::string>& flags) {
  return WrittenSuccess([&flags](JsonWriter& w) {
    w.BeginObject();
    for (const auto& [name, value] : flags) {
      w.Key(name);
      w.String(value);
    }
    w.EndObject();
  });
}

HttpReply RenderTargets() {
  return WrittenSuccess([](JsonWriter& w) { w.Raw(R"({"activeTargets":[],"droppedTargets":[]})"); });
}

HttpReply RenderExemplars(bool selects) {
  if (selects) return WrittenSuccess([](JsonWriter& w) { w.Raw("[]"); });
  HttpReply r;
  r.status = kHttpNoContent;
  return r;
}

HttpReply RenderFormattedQuery(const std::string& expression) {
  return WrittenSuccess([&expression](JsonWriter& w) { w.String(expression); });
}

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
  return RenderSuccess(std::move(data));
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
