// How float64 sample values appear in SQL.
//
// SQLite has no NaN (it stores NaN as NULL), so values cross into SQL as:
//   ordinary numbers and ±Inf  -> REAL (SQLite keeps ±Inf; printed as Inf/-Inf)
//   any NaN, the stale marker  -> NULL, so SQL aggregates skip them
// and the hidden column `raw` carries the exact IEEE-754 bits as a signed
// 64-bit INTEGER for every row: lossless, and it tells NaN from the
// staleness marker (value_kind(raw) names which).
//
// Written values (INSERT) are read from `raw` when given, else from `value`:
// REAL or INTEGER as is, or TEXT 'NaN' (Prometheus's NaN, kNaNBits), 'Inf',
// '+Inf', '-Inf', 'stale' (any case) or a decimal number.

#ifndef OVERTONE_SQL_VALUE_REPR_H_
#define OVERTONE_SQL_VALUE_REPR_H_

#include <sqlite3.h>

#include <cstdint>
#include <string_view>

#include "overtone/status.h"

namespace overtone::sql {

void ResultValue(sqlite3_context* ctx, double v);
void ResultRaw(sqlite3_context* ctx, double v);

// "number", "inf", "-inf", "nan" or "stale".
std::string_view ValueKind(double v);

// Reads a value to write from `value` (and `raw` when not NULL).
Result<double> ValueFromSql(sqlite3_value* value, sqlite3_value* raw);

// ASCII case-insensitive equality, for the value tokens above.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parses 'NaN', 'Inf', '+Inf', '-Inf', 'stale' (any case) or a number.
Result<double> ParseValueText(std::string_view text);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_VALUE_REPR_H_
