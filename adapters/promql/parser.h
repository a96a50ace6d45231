// PromQL parser: text -> syntax tree (ast.h), type-checked as Prometheus's
// parser does (argument types, operand types, modifiers).
//
//   Result<ExprPtr> e = ParseExpr("sum by (job) (rate(http_requests_total[5m]))");
//
// Errors read like Prometheus's, with the position:
//   "1:8: parse error: unexpected \"}\" in label matching, expected string".

#ifndef OVERTONE_ADAPTERS_PROMQL_PARSER_H_
#define OVERTONE_ADAPTERS_PROMQL_PARSER_H_

#include <string_view>

#include "adapters/promql/ast.h"
#include "overtone/status.h"

namespace overtone::promql {

Result<ExprPtr> ParseExpr(std::string_view query);

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_PARSER_H_
