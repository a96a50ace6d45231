// SQL functions that PromQL translated to SQL is written with (listed in
// promql_functions.cc and docs/PROMQL.md). Values follow Prometheus: NULL
// stands for NaN, both as argument and as result.

#ifndef OVERTONE_SQL_PROMQL_FUNCTIONS_H_
#define OVERTONE_SQL_PROMQL_FUNCTIONS_H_

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "overtone/status.h"

namespace overtone::sql {

Status RegisterPromqlFunctions(sqlite3* conn);

// Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that reads
// back as v, never in exponent form; NaN, +Inf, -Inf. (count_values' label.)
std::string FormatFloatFixed(double v);

// The functions of one value behind prom_<name>() (abs, ceil, floor, exp,
// ln, log2, log10, sqrt, sgn, deg, rad, the trigonometric ones), nullptr
// for another name: a query's root applies them to packed points
// (adapters/promql/query.cc) with the same bits as the SQL functions.
using ValueFn = double (*)(double);
ValueFn FindValueFn(std::string_view name);
// prom_round(v, to_nearest) and prom_clamp(v, min, max).
double PromRound(double v, double to_nearest);
double PromClamp(double v, double min, double max);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_PROMQL_FUNCTIONS_H_
