#include "adapters/promql/query.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "adapters/promql/parser.h"
#include "adapters/promql/plan_cache.h"
#include "adapters/promql/statement_cache.h"
#include "adapters/promql/translator.h"
#include "overtone/sql.h"
#include "sql/labelset_json.h"
#include "sql/packed_points.h"
#include "sql/promql_functions.h"
#include "sql/selector_arg.h"
#include "sql/sqlite_heap.h"
#include "sql/vector_source.h"

namespace overtone::promql {
namespace {

using Clock = std::chrono::steady_clock;

Labels ToLabels(const ::overtone::sql::LabelPairs& pairs) {
  Labels out;
  out.reserve(pairs.size());
  for (const auto& [n, v] : pairs) out.push_back(Label{n, v});
  return out;
}

// Binds the translation's selectors to the statement's parameters as
// selector pointers (sql/selector_arg.h): `t` keeps the matchers for the
// statement's run. Then the integers of a parameterized statement.
Status BindParameters(sqlite3_stmt* stmt, const Translation& t, const std::vector<int64_t>& integers) {
  for (size_t i = 0; i < t.selectors.size(); ++i) {
    int rc = ::overtone::sql::BindSelector(stmt, static_cast<int>(i + 1), t.selectors[i]);
    if (rc != SQLITE_OK) {
      return Status::Internal("binding selector ?" + std::to_string(i + 1) + ": " + sqlite3_errstr(rc));
    }
  }
  for (size_t i = 0; i < integers.size(); ++i) {
    int n = static_cast<int>(t.selectors.size() + i + 1);
    int rc = sqlite3_bind_int64(stmt, n, integers[i]);
    if (rc != SQLITE_OK) return Status::Internal("binding ?" + std::to_string(n) + ": " + sqlite3_errstr(rc));
  }
  return Status::OK();
}

// A kept statement, reset when the run ends however it ends: its cursors
// close (with their snapshots) and no selector pointer outlives `t`.
struct ResetWhenDone {
  sqlite3_stmt* stmt;
  ~ResetWhenDone() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

// Runs the statement and collects its rows by label set, in order of first
// appearance.
// `planned`, when set, is `t`'s parameterized SQL and integers.
Status Collect(sqlite3* conn, const Translation& t, PlannedQuery* planned, const QueryOptions& options,
               QueryResult* out) {
  ::overtone::sql::Statement prepared;  // without a cache: this run's own
  std::vector<int64_t> integers;
  sqlite3_stmt* stmt = nullptr;
  if (options.statements != nullptr) {
    if (planned != nullptr) {
      out->sql = planned->plan->sql;
      integers = std::move(planned->integers);
    } else {
      out->sql = t.ParameterizedSql(&integers);
    }
    stmt = options.statements->Find(out->sql);
    if (stmt == nullptr) {
      OT_ASSIGN_OR_RETURN(::overtone::sql::Statement fresh, PrepareTranslation(conn, out->sql));
      stmt = options.statements->Put(out->sql, std::move(fresh));
    }
  } else {
    out->sql = t.Sql();
    OT_ASSIGN_OR_RETURN(prepared, PrepareTranslation(conn, out->sql));
    stmt = prepared.get();
  }
  ResetWhenDone reset{stmt};
  OT_RETURN_IF_ERROR(BindParameters(stmt, t, integers));
  int rc;
  CancelToken own;  // the timeout, when the caller gave no token
  const CancelToken* token = options.cancel;
  if (token == nullptr && options.timeout_ms > 0) {
    own.Reset(Clock::now() + std::chrono::milliseconds(options.timeout_ms));
    token = &own;
  }
  std::optional<CancelProgressHandler> interrupt;
  if (token != nullptr) interrupt.emplace(conn, token);
  std::unordered_map<std::string, size_t> index;
  auto last = index.end();
  Status status;
  // The answer is the query's working memory too: charged as it grows, a
  // step at a time, while the tables it comes from give theirs back.
  ::overtone::sql::ChargedBytes charged(token);
  size_t uncharged = 0;
  constexpr size_t kChargeStep = 64 << 10;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (uncharged >= kChargeStep) {
      if (status = charged.Charge(std::exchange(uncharged, 0)); !status.ok()) break;
    }
    auto column_double = [&](int i) {
      return sqlite3_column_type(stmt, i) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN()
                                                         : sqlite3_column_double(stmt, i);
    };
    if (t.result_type == ValueType::kString) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      // With its length: a PromQL string may hold NUL bytes.
      out->string_value.assign(text ? reinterpret_cast<const char*>(text) : "",
                               static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
      continue;
    }
    if (t.result_type == ValueType::kScalar) {
      out->scalar = Point{sqlite3_column_int64(stmt, 0), column_double(1)};
      if (out->series.empty()) out->series.push_back(Series{});
      out->series[0].points.push_back(out->scalar);
      continue;
    }
    // The label set's bytes as a blob: as text, SQLite would first copy
    // each row's value to add a NUL terminator.
    const char* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, 0));
    std::string_view key =
        bytes ? std::string_view(bytes, static_cast<size_t>(sqlite3_column_bytes(stmt, 0)))
              : (sqlite3_column_type(stmt, 0) == SQLITE_NULL ? std::string_view("{}") : std::string_view());
    // Rows come series by series: look the label set up only when it changes.
    if (last == index.end() || key != last->first) {
      auto [it, inserted] = index.emplace(std::string(key), out->series.size());
      if (inserted) {
        auto pairs = ::overtone::sql::ParseLabelsetJson(key);
        if (!pairs.ok()) {
          status = pairs.status();
          break;
        }
        out->series.push_back(Series{ToLabels(*pairs), {}});
        uncharged += sizeof(Series) + 2 * key.size();
      }
      last = it;
    }
    std::vector<Point>& points = out->series[last->second].points;
    if (!t.packed_points) {
      points.push_back(Point{sqlite3_column_int64(stmt, 1), column_double(2)});
      uncharged += sizeof(Point);
      continue;
    }
    const char* packed = static_cast<const char*>(sqlite3_column_blob(stmt, 1));
    std::string_view blob(packed ? packed : "", static_cast<size_t>(sqlite3_column_bytes(stmt, 1)));
    size_t count = 0;
    if (!::overtone::sql::PackedPointCount(blob, &count)) {
      status = Status::Internal("a points BLOB of " + std::to_string(blob.size()) + " bytes");
      break;
    }
    points.reserve(points.size() + count);
    uncharged += count * sizeof(Point);
    for (size_t i = 0; i < count; ++i) {
      Point p;
      ::overtone::sql::PackedPointAt(blob, i, &p.ts, &p.value);
      bool kept = true;
      for (const ScalarOperation& op : t.point_operations) {
        if (!(kept = ApplyScalarOperation(op, &p.value))) break;
      }
      if (!kept) continue;
      // Any NaN reads as the NaN a NULL value gives on the other path.
      if (std::isnan(p.value)) p.value = std::numeric_limits<double>::quiet_NaN();
      points.push_back(p);
    }
  }
  // A series whose every point a comparison filtered out is not in the
  // result, as it has no row on the other path.
  if (status.ok() && !t.point_operations.empty()) {
    std::erase_if(out->series, [](const Series& s) { return s.points.empty(); });
  }
  if (status.ok() && rc == SQLITE_NOMEM) {
    status = ::overtone::sql::SqliteHeapExhausted();  // SQLite's heap past its bound (sql/sqlite_heap.h)
  } else if (status.ok() && rc != SQLITE_DONE) {
    if (token != nullptr && token->cancelled()) {
      status = token->reason() == CancelReason::kDeadline
                   ? Status::Busy("query timed out in expression evaluation")
                   : token->status();
    } else {
      status = Status::Aborted(sqlite3_errmsg(conn));
    }
  }
  return status;
}

// Two series with the same labels at the same step: Prometheus's error
// (names dropped at the end may make series collide).
Status CheckUnique(QueryResult* r) {
  for (Series& s : r->series) {
    auto by_time = [](const Point& a, const Point& b) { return a.ts < b.ts; };
    // Most series come in order (all of a packed root's): checking is cheaper than sorting.
    if (!std::is_sorted(s.points.begin(), s.points.end(), by_time)) {
      std::sort(s.points.begin(), s.points.end(), by_time);
    }
    for (size_t i = 1; i < s.points.size(); ++i) {
      if (s.points[i].ts == s.points[i - 1].ts) {
        return Status::Aborted("vector cannot contain metrics with the same labelset");
      }
    }
  }
  return Status::OK();
}

// Natural order as sort_by_label uses it (github.com/facette/natsort): runs
// of digits compare as numbers, other runs as strings.
std::vector<std::string_view> Chunks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    bool digits = std::isdigit(static_cast<unsigned char>(s[i]));
    size_t j = i;
    while (j < s.size() && static_cast<bool>(std::isdigit(static_cast<unsigned char>(s[j]))) == digits) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool NaturalLess(std::string_view a, std::string_view b) {
  std::vector<std::string_view> ca = Chunks(a), cb = Chunks(b);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (i >= cb.size()) return false;
    bool num_a = std::isdigit(static_cast<unsigned char>(ca[i][0])),
         num_b = std::isdigit(static_cast<unsigned char>(cb[i][0]));
    if (num_a && num_b) {
      std::string_view x = ca[i].substr(std::min(ca[i].find_first_not_of('0'), ca[i].size() - 1));
      std::string_view y = cb[i].substr(std::min(cb[i].find_first_not_of('0'), cb[i].size() - 1));
      if (x != y) return x.size() != y.size() ? x.size() < y.size() : x < y;
    } else if (ca[i] != cb[i]) {
      return ca[i] < cb[i];
    }
    if (i == ca.size() - 1) return true;
    if (i == cb.size() - 1) return false;
  }
  return false;
}

Result<QueryResult> Run(sqlite3* conn, std::string_view query, const EvalRange& range, bool instant,
                        const QueryOptions& options) {
  PlannedQuery planned;
  if (options.plans != nullptr && options.statements != nullptr) {
    OT_ASSIGN_OR_RETURN(planned, options.plans->Plan(query, range));
  }
  Translation own;  // without a plan: this query's translation
  if (!planned.plan) {
    OT_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
    OT_ASSIGN_OR_RETURN(own, Translate(*expr, range));
  }
  const Translation& t = planned.plan ? planned.plan->translation : own;
  if (!instant && t.result_type == ValueType::kString) {
    return Status::InvalidArgument(
        "invalid expression type \"string\" for range query, must be Scalar or instant Vector");
  }
  QueryResult r;
  OT_RETURN_IF_ERROR(Collect(conn, t, planned.plan ? &planned : nullptr, options, &r));
  OT_RETURN_IF_ERROR(CheckUnique(&r));
  switch (t.result_type) {
    case ValueType::kString: r.type = ValueType::kString; break;
    case ValueType::kScalar:
      r.type = instant ? ValueType::kScalar : ValueType::kMatrix;
      if (instant) r.series.clear();
      break;
    case ValueType::kMatrix: r.type = ValueType::kMatrix; break;
    default: r.type = instant ? ValueType::kVector : ValueType::kMatrix; break;
  }
  if (t.sort_by_labels) {
    const std::vector<std::string>& names = *t.sort_by_labels;
    bool desc = t.sort_descending;
    std::stable_sort(r.series.begin(), r.series.end(), [&](const Series& a, const Series& b) {
      for (const std::string& n : names) {
        std::string_view x = GetLabel(a.labels, n), y = GetLabel(b.labels, n);
        if (x != y) return desc ? NaturalLess(y, x) : NaturalLess(x, y);
      }
      return desc ? LabelsLess(b.labels, a.labels) : LabelsLess(a.labels, b.labels);
    });
  } else if (!t.ordered) {
    std::stable_sort(r.series.begin(), r.series.end(),
                     [](const Series& a, const Series& b) { return LabelsLess(a.labels, b.labels); });
  }
  return r;
}

EvalRange MakeRange(int64_t start, int64_t end, int64_t step, const QueryOptions& options,
                    bool instant = false) {
  EvalRange range;
  range.instant = instant;
  range.start = start;
  range.end = end;
  range.step = step;
  range.lookback = options.lookback_ms;
  if (options.default_subquery_step_ms > 0) range.default_subquery_step = options.default_subquery_step_ms;
  return range;
}

Status CheckRange(int64_t start, int64_t end, int64_t step) {
  if (step <= 0)
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (end < start) return Status::InvalidArgument("end timestamp must not be before start time");
  if ((end - start) / step >= kMaxPointsPerSeries) {
    return Status::InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution "
        "(?step=XX)");
  }
  return Status::OK();
}

}  // namespace

Result<::overtone::sql::Statement> PrepareTranslation(sqlite3* conn, const std::string& sql) {
  ::overtone::sql::Statement stmt;
  int rc = stmt.Compile(conn, sql);
  if (rc == SQLITE_OK) return stmt;
  std::string msg = sqlite3_errmsg(conn);
  // SQLite's fixed limits (compile-time: its parser's stack of 100, an
  // expression depth of 1000, ...) refuse deeply nested queries, such as a
  // hundred signs in a row or a few hundred chained operators. That is the
  // query's size, not a translation bug.
  bool over_limit = rc == SQLITE_TOOBIG;
  for (const char* limit :
       {"parser stack overflow", "Expression tree is too large", "too many ", "at most "}) {
    over_limit = over_limit || msg.starts_with(limit);
  }
  if (over_limit) {
    return Status::NotSupported(
        "the query is nested too deeply for overtone's SQL translation (SQLite: " + msg + ")");
  }
  return Status::Internal("preparing the translated SQL: " + msg);
}

bool LabelsLess(const Labels& a, const Labels& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i].name != b[i].name) return a[i].name < b[i].name;
    if (a[i].value != b[i].value) return a[i].value < b[i].value;
  }
  return a.size() < b.size();
}

std::string FormatValue(double v) { return ::overtone::sql::FormatFloatFixed(v); }

Result<QueryResult> RunInstantQuery(sqlite3* conn, std::string_view query, int64_t time_ms,
                                    const QueryOptions& options) {
  return Run(conn, query, MakeRange(time_ms, time_ms, 1, options, true), true, options);
}

Result<QueryResult> RunRangeQuery(sqlite3* conn, std::string_view query, int64_t start_ms, int64_t end_ms,
                                  int64_t step_ms, const QueryOptions& options) {
  OT_RETURN_IF_ERROR(CheckRange(start_ms, end_ms, step_ms));
  return Run(conn, query, MakeRange(start_ms, end_ms, step_ms, options), false, options);
}

Result<std::string> ExplainQuery(std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                 const QueryOptions& options) {
  if (start_ms != end_ms) OT_RETURN_IF_ERROR(CheckRange(start_ms, end_ms, step_ms));
  OT_ASSIGN_OR_RETURN(ExprPtr expr, ParseExpr(query));
  OT_ASSIGN_OR_RETURN(Translation t,
                      Translate(*expr, MakeRange(start_ms, end_ms, step_ms, options, start_ms == end_ms)));
  return t.Explain();
}

}  // namespace overtone::promql
