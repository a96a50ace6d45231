// SQL functions that PromQL translated to SQL is written with (listed in
// promql_functions.cc and docs/PROMQL.md). Values follow Prometheus: NULL
// stands for NaN, both as argument and as result.

#ifndef OVERTONE_SQL_PROMQL_FUNCTIONS_H_
#define OVERTONE_SQL_PROMQL_FUNCTIONS_H_

#include <sqlite3.h>

#include <string>

#include "overtone/status.h"

namespace overtone::sql {

Status RegisterPromqlFunctions(sqlite3* conn);

// Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that reads
// back as v, never in exponent form; NaN, +Inf, -Inf. (count_values' label.)
std::string FormatFloatFixed(double v);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_PROMQL_FUNCTIONS_H_
