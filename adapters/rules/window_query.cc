#include "adapters/rules/window_query.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "adapters/promql/parser.h"

namespace overtone::rules {

std::optional<PlainWindowCall> AsPlainWindowCall(std::string_view expr) {
  using Kind = promql::Expr::Kind;
  auto parsed = promql::ParseExpr(expr);
  if (!parsed.ok()) return std::nullopt;
  const promql::Expr* e = parsed->get();
  while (e->kind == Kind::kParen) e = &e->arg(0);
  if (e->kind != Kind::kCall || !e->text.ends_with("_over_time")) return std::nullopt;
  auto fn = ParseOverTimeFn(e->text);
  if (!fn.ok() || !StandingWindowServes(*fn)) return std::nullopt;
  PlainWindowCall call;
  call.fn = *fn;
  size_t matrix = 0;
  if (OverTimeFnTakesParam(*fn)) {
    if (e->args.size() != 2 || e->arg(0).kind != Kind::kNumber || std::isnan(e->arg(0).number)) {
      return std::nullopt;
    }
    call.param = e->arg(0).number;
    matrix = 1;
  } else if (e->args.size() != 1) {
    return std::nullopt;
  }
  const promql::Expr& m = e->arg(matrix);
  if (m.kind != Kind::kMatrixSelector || m.range_ms <= 0) return std::nullopt;
  const promql::Expr& sel = m.arg(0);
  if (sel.kind != Kind::kVectorSelector || sel.metric_name.empty() || sel.at || sel.offset_ms != 0) {
    return std::nullopt;
  }
  call.matchers = sel.matchers;
  call.range = m.range_ms;
  call.keeps_name = *fn == OverTimeFn::kLast || *fn == OverTimeFn::kFirst;
  return call;
}

Result<promql::QueryResult> EvaluatePlainWindowCall(Database* db, const PlainWindowCall& call,
                                                    int64_t time_ms) {
  OverTimeQuery q;
  q.fn = call.fn;
  q.param = call.param;
  q.start = q.end = time_ms;
  q.range = call.range;
  promql::QueryResult out;
  out.type = promql::ValueType::kVector;
  Status s = db->EvaluateOverTime(call.matchers, q, [&](const SeriesInfo& series, int64_t ts, double v) {
    Labels labels = series.labels;
    if (!call.keeps_name) {
      std::erase_if(labels, [](const Label& l) { return l.name == kMetricNameLabel; });
    }
    // The engine's values pass through SQLite, where a NaN is NULL.
    if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
    out.series.push_back(promql::Series{std::move(labels), {promql::Point{ts, v}}});
    return Status::OK();
  });
  if (!s.ok()) return s;
  std::sort(out.series.begin(), out.series.end(), [](const promql::Series& a, const promql::Series& b) {
    return promql::LabelsLess(a.labels, b.labels);
  });
  return out;
}

QueryFunc AnswerWindowCallsDirectly(Database* db, QueryFunc fallback) {
  // Per expression text, its call or null: rules ask the same expressions
  // every round. Copies of the function share it; bounded, in case a caller
  // asks ever new expressions.
  struct Calls {
    std::mutex mu;
    std::map<std::string, std::shared_ptr<const PlainWindowCall>, std::less<>> by_expr;
  };
  constexpr size_t kMaxRemembered = 100'000;
  auto calls = std::make_shared<Calls>();
  return [db, calls, fallback = std::move(fallback)](const std::string& expr,
                                                     int64_t t) -> Result<promql::QueryResult> {
    std::shared_ptr<const PlainWindowCall> call;
    {
      std::lock_guard lock(calls->mu);
      auto it = calls->by_expr.find(expr);
      if (it == calls->by_expr.end()) {
        if (calls->by_expr.size() >= kMaxRemembered) calls->by_expr.clear();
        std::optional<PlainWindowCall> parsed = AsPlainWindowCall(expr);
        it =
            calls->by_expr
                .emplace(expr, parsed ? std::make_shared<const PlainWindowCall>(std::move(*parsed)) : nullptr)
                .first;
      }
      call = it->second;
    }
    if (!call) return fallback(expr, t);
    return EvaluatePlainWindowCall(db, *call, t);
  };
}

}  // namespace overtone::rules
