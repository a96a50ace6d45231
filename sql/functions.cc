// SQL functions registered with the virtual tables:
//
//   value_kind(raw)              'number' | 'inf' | '-inf' | 'nan' | 'stale'
//   value_text(raw)              the value as Prometheus prints it: 1.5, NaN,
//                                +Inf, -Inf; 'stale' for the staleness marker
//   raw_bits(x)                  the IEEE-754 bits of a number (the `raw` form)
//   delete_samples(selector, start_ts, end_ts)
//                                deletes the selected series' samples with
//                                start_ts <= ts <= end_ts; returns the number
//                                of series it touched
//   delete_series(selector)      deletes the selected series and all their
//                                samples; returns how many
//   compact([seal_before_ts])    seals every window that ended by then (by
//                                default now) into segments; returns the
//                                number of samples sealed

#include "sql/functions.h"

#include <sqlite3.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "overtone/database.h"
#include "sql/callback_guard.h"
#include "sql/series_filter.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"

namespace overtone::sql {
namespace {

void ResultStatus(sqlite3_context* ctx, const Status& s) {
  sqlite3_result_error(ctx, s.message().c_str(), -1);
  sqlite3_result_error_code(ctx, ToSqliteCode(s) == SQLITE_CONSTRAINT ? SQLITE_ERROR : ToSqliteCode(s));
}

bool RawArg(sqlite3_context* ctx, sqlite3_value* v, double* out) {
  if (sqlite3_value_type(v) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return false;
  }
  if (sqlite3_value_type(v) != SQLITE_INTEGER) {
    sqlite3_result_error(ctx, "expects the raw INTEGER bits of a value (the samples.raw column)", -1);
    return false;
  }
  *out = std::bit_cast<double>(sqlite3_value_int64(v));
  return true;
}

void ValueKindFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  double v;
  if (!RawArg(ctx, argv[0], &v)) return;
  std::string_view k = ValueKind(v);
  sqlite3_result_text(ctx, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
}

void ValueTextFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  double v;
  if (!RawArg(ctx, argv[0], &v)) return;
  std::string text;
  if (IsStaleNaN(v)) {
    text = "stale";
  } else if (std::isnan(v)) {
    text = "NaN";
  } else if (std::isinf(v)) {
    text = v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    // The shortest %g form that reads back as the same double.
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    text = buf;
  }
  ResultText(ctx, text);
}

void RawBitsFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto v = ValueFromSql(argv[0], nullptr);
  if (!v.ok()) return ResultStatus(ctx, v.status());
  sqlite3_result_int64(ctx, std::bit_cast<int64_t>(*v));
}

Result<std::vector<SeriesInfo>> SelectedSeries(Database* db, sqlite3_value* selector) {
  if (sqlite3_value_type(selector) != SQLITE_TEXT) {
    return Status::InvalidArgument("the selector must be text such as '{job=\"api\"}'");
  }
  SeriesFilter filter;
  OT_RETURN_IF_ERROR(ReadSelectorConstraint(selector, &filter));
  return ResolveSeries(db, filter);
}

void DeleteSamplesFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* db = static_cast<Database*>(sqlite3_user_data(ctx));
  for (int i : {1, 2}) {
    if (sqlite3_value_numeric_type(argv[i]) != SQLITE_INTEGER) {
      return ResultStatus(ctx, Status::InvalidArgument("start_ts and end_ts must be integers (ms)"));
    }
  }
  auto series = SelectedSeries(db, argv[0]);
  if (!series.ok()) return ResultStatus(ctx, series.status());
  int64_t lo = sqlite3_value_int64(argv[1]), hi = sqlite3_value_int64(argv[2]);
  for (const SeriesInfo& s : *series) {
    Status st = db->DeleteRange(s.id, lo, hi);
    if (!st.ok() && !st.IsNotFound()) return ResultStatus(ctx, st);
  }
  sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(series->size()));
}

void DeleteSeriesFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* db = static_cast<Database*>(sqlite3_user_data(ctx));
  auto series = SelectedSeries(db, argv[0]);
  if (!series.ok()) return ResultStatus(ctx, series.status());
  int64_t deleted = 0;
  for (const SeriesInfo& s : *series) {
    Status st = db->DeleteSeries(s.id);
    if (st.ok())
      ++deleted;
    else if (!st.IsNotFound())
      return ResultStatus(ctx, st);
  }
  sqlite3_result_int64(ctx, deleted);
}

void CompactFn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* db = static_cast<Database*>(sqlite3_user_data(ctx));
  int64_t seal_before;
  if (argc == 1) {
    if (sqlite3_value_numeric_type(argv[0]) != SQLITE_INTEGER) {
      return ResultStatus(ctx, Status::InvalidArgument("compact() takes an integer timestamp (ms)"));
    }
    seal_before = sqlite3_value_int64(argv[0]);
  } else {
    seal_before = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  }
  auto stats = db->Compact(seal_before);
  if (!stats.ok()) return ResultStatus(ctx, stats.status());
  sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(stats->samples_sealed));
}

}  // namespace

Status RegisterFunctions(sqlite3* conn, Database* db) {
  struct Fn {
    const char* name;
    int args;
    bool deterministic;
    void (*fn)(sqlite3_context*, int, sqlite3_value**);
  };
  const Fn fns[] = {
      {"value_kind", 1, true, Guarded<ValueKindFn>},
      {"value_text", 1, true, Guarded<ValueTextFn>},
      {"raw_bits", 1, true, Guarded<RawBitsFn>},
      {"delete_samples", 3, false, Guarded<DeleteSamplesFn>},
      {"delete_series", 1, false, Guarded<DeleteSeriesFn>},
      {"compact", 0, false, Guarded<CompactFn>},
      {"compact", 1, false, Guarded<CompactFn>},
  };
  for (const Fn& f : fns) {
    int flags = SQLITE_UTF8 | (f.deterministic ? SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS : SQLITE_DIRECTONLY);
    int rc = sqlite3_create_function_v2(conn, f.name, f.args, flags, db, f.fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      return Status::Internal(std::string("registering ") + f.name + ": " + sqlite3_errmsg(conn));
    }
  }
  return Status::OK();
}

}  // namespace overtone::sql
