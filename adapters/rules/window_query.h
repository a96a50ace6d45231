// Rule queries over `*_over_time` windows, answered by the database
// straight from its standing windows, without PromQL's translation to SQL.
//
//   QueryFunc q = AnswerWindowCallsDirectly(db, make_promql_query());
//   q("avg_over_time(node_load1{job=\"node\"}[1h])", t);        // Database::EvaluateOverTime
//   q("max by (job) (avg_over_time(cpu[5m])) * 100 > 90", t);  // the same, then C++
//   q("sum(rate(x[5m]))", t);                                  // the PromQL engine
//
// Why: a rule such as avg_over_time(x[1h]) evaluated every 15 s costs,
// through PromQL, a parse, a translation to SQL and an sqlite3_prepare
// every round: about half a millisecond, many times the window's own work
// once the window stands (engine/standing_windows.h). Most window rules
// are such a call, alone or under what alerting rules put on top of it, so
// they skip all that: the expression is parsed once (the answer kept per
// expression text) and each evaluation is one EvaluateOverTime call,
// served from the standing window when there is one, then the operations
// above it in C++.
//
// A plain window call: FN_over_time(name{matchers}[range]) with a function
// a standing window serves (StandingWindowServes), quantile's q a number
// literal other than NaN, a metric name (so that dropping it cannot make
// two series collide) and no offset or `@`. A window expression: a plain
// window call, optionally inside one aggregation `AGG [by|without (...)]`
// (sum avg min max count group stddev stdvar; `by` not naming __name__),
// with any number of arithmetic (+ - * /) and comparison (== != > < >= <=,
// with or without `bool`) operations with a number literal on either side
// on top (parentheses anywhere). The answer is what the PromQL engine gives
// for it (tests compare them on random data): the series' labels without
// __name__ (kept by last_over_time and first_over_time and by comparisons
// without `bool`, as the engine keeps it), the groups folded with the
// engine's own fold (sql/group_fold.h) over the series in the order the
// engine sees them (the selector's, by series id), a comparison keeping the
// vector's value, a NaN as the engine's quiet NaN, series in Prometheus's
// label order. Anything else goes to `fallback`.

#ifndef OVERTONE_ADAPTERS_RULES_WINDOW_QUERY_H_
#define OVERTONE_ADAPTERS_RULES_WINDOW_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/promql/ast.h"
#include "adapters/rules/alerting_rule.h"
#include "overtone/database.h"
#include "overtone/over_time.h"

namespace overtone::rules {

struct PlainWindowCall {
  std::vector<LabelMatcher> matchers;
  OverTimeFn fn = OverTimeFn::kAvg;
  double param = 0;  // quantile's q
  int64_t range = 0;
  bool keeps_name = false;  // last_over_time, first_over_time
};

// An aggregation over a window call's series.
struct WindowAggregation {
  promql::AggregateOp op = promql::AggregateOp::kSum;
  bool without = false;
  std::vector<std::string> labels;  // of by / without
};

// `vector OP number` or `number OP vector`.
using ScalarOperation = promql::ScalarOperation;

struct WindowExpr {
  PlainWindowCall call;
  std::optional<WindowAggregation> aggregation;  // applied first
  std::vector<ScalarOperation> operations;       // then these, innermost first
};

// The call `expr` is, when it is a plain window call; nullopt otherwise
// (including when it does not parse).
std::optional<PlainWindowCall> AsPlainWindowCall(std::string_view expr);
// The window expression `expr` is; nullopt otherwise.
std::optional<WindowExpr> AsWindowExpr(std::string_view expr);

// The instant vector of `call` at time_ms, as the PromQL engine gives it.
Result<promql::QueryResult> EvaluatePlainWindowCall(Database* db, const PlainWindowCall& call,
                                                    int64_t time_ms);
Result<promql::QueryResult> EvaluateWindowExpr(Database* db, const WindowExpr& expr, int64_t time_ms);

// A query function answering window expressions with EvaluateWindowExpr
// and everything else with `fallback`.
// REQUIRES: db outlives the function and its copies.
QueryFunc AnswerWindowCallsDirectly(Database* db, QueryFunc fallback);

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_WINDOW_QUERY_H_
