#include "adapters/monitors/monitor_rows.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <variant>

#include "adapters/formats/value_text.h"
#include "base/text.h"

namespace overtone::adapters {
namespace {

int ColumnIndex(const SqlTable& table, std::string_view name) {
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// A cell as text: integers in decimal, reals in the shortest form that
// reads back the same, NULL as nothing.
std::string CellText(const SqlValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return FormatValue(*d, NanStyle::kPortable);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) return true;
  }
  return false;
}

// The time of row `r`: its `ts` cell (integer milliseconds) when there is
// one, else `run_ms`. False for a `ts` that is not an integer.
bool RowTime(const SqlTable& table, size_t r, int ts_col, int64_t run_ms, int64_t* ts) {
  *ts = run_ms;
  if (ts_col < 0) return true;
  const SqlValue& v = table.rows[r][ts_col];
  if (std::holds_alternative<std::monostate>(v)) return true;
  if (const auto* i = std::get_if<int64_t>(&v)) {
    *ts = *i;
    return true;
  }
  return false;
}

}  // namespace

Result<SamplesFromRows> RowsToSamples(const SqlTable& table, int64_t run_ms) {
  const int metric_col = ColumnIndex(table, "metric"), value_col = ColumnIndex(table, "value");
  const int ts_col = ColumnIndex(table, "ts");
  if (metric_col < 0 || value_col < 0) {
    return Status::InvalidArgument("output `samples` needs the columns `metric` and `value`");
  }
  SamplesFromRows out;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::vector<SqlValue>& row = table.rows[r];
    auto bad = [&](const std::string& reason) {
      if (out.bad_rows++ == 0) out.first_error = "row " + std::to_string(r + 1) + ": " + reason;
    };
    const auto* metric = std::get_if<std::string>(&row[metric_col]);
    if (metric == nullptr || metric->empty()) {
      bad("`metric` is not a metric name");
      continue;
    }
    double value;
    if (const auto* d = std::get_if<double>(&row[value_col])) {
      value = *d;
    } else if (const auto* i = std::get_if<int64_t>(&row[value_col])) {
      value = static_cast<double>(*i);
    } else {
      bad("`value` is not a number");
      continue;
    }
    int64_t ts;
    if (!RowTime(table, r, ts_col, run_ms, &ts)) {
      bad("`ts` is not an integer (milliseconds)");
      continue;
    }
    Labels labels{{std::string(kMetricNameLabel), *metric}};
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (static_cast<int>(c) == metric_col || static_cast<int>(c) == value_col ||
          static_cast<int>(c) == ts_col)
        continue;
      labels.push_back(Label{table.columns[c], CellText(row[c])});
    }
    NormalizeLabels(&labels);
    if (Status s = ValidateLabels(labels); !s.ok()) {
      bad(s.message());
      continue;
    }
    out.batch.Add(labels, ts, value);
  }
  return out;
}

std::string Logfmt(const SqlTable& table, size_t row, int skip) {
  std::string line;
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (static_cast<int>(c) == skip) continue;
    if (!line.empty()) line += ' ';
    line += NeedsQuotes(table.columns[c]) ? QuoteGo(table.columns[c]) : table.columns[c];
    line += '=';
    const SqlValue& v = table.rows[row][c];
    if (std::holds_alternative<std::monostate>(v)) {
      line += "null";
    } else {
      std::string text = CellText(v);
      line += NeedsQuotes(text) ? QuoteGo(text) : text;
    }
  }
  return line;
}

std::vector<LogEntry> RowsToLogEntries(const SqlTable& table, const Labels& stream, int64_t run_ms) {
  const int ts_col = ColumnIndex(table, "ts");
  std::vector<LogEntry> out;
  out.reserve(table.rows.size());
  for (size_t r = 0; r < table.rows.size(); ++r) {
    int64_t ts, ts_ns;
    bool own_time = RowTime(table, r, ts_col, run_ms, &ts);
    if (__builtin_mul_overflow(ts, int64_t{1000000}, &ts_ns)) {  // no time Loki could take
      own_time = false;
      ts_ns = run_ms * 1000000;
    }
    // A `ts` that is no time stays in the line, and the run's time is used.
    out.push_back(LogEntry{stream, ts_ns, Logfmt(table, r, own_time ? ts_col : -1)});
  }
  return out;
}

std::string RowsToJson(const SqlTable& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();  // columns in their order
  for (const std::vector<SqlValue>& row : table.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const SqlValue& v = row[c];
      if (const auto* i = std::get_if<int64_t>(&v)) {
        obj[table.columns[c]] = *i;
      } else if (const auto* d = std::get_if<double>(&v)) {
        // JSON has no NaN or infinities: those go as Prometheus writes them.
        if (std::isfinite(*d)) {
          obj[table.columns[c]] = *d;
        } else {
          obj[table.columns[c]] = FormatValue(*d, NanStyle::kPortable);
        }
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        obj[table.columns[c]] = *s;
      } else {
        obj[table.columns[c]] = nullptr;
      }
    }
    rows.push_back(std::move(obj));
  }
  // Text that is not UTF-8 (a BLOB cell) is replaced rather than thrown on.
  return rows.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace overtone::adapters
