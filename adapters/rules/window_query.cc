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
#include "sql/group_fold.h"

namespace overtone::rules {

namespace {

using Kind = promql::Expr::Kind;
using promql::AggregateOp;
using promql::BinaryOp;

const promql::Expr& Unparen(const promql::Expr& e) {
  const promql::Expr* x = &e;
  while (x->kind == Kind::kParen) x = &x->arg(0);
  return *x;
}

std::optional<PlainWindowCall> CallOf(const promql::Expr& expr) {
  const promql::Expr& e = Unparen(expr);
  if (e.kind != Kind::kCall || !e.text.ends_with("_over_time")) return std::nullopt;
  auto fn = ParseOverTimeFn(e.text);
  if (!fn.ok() || !StandingWindowServes(*fn)) return std::nullopt;
  PlainWindowCall call;
  call.fn = *fn;
  size_t matrix = 0;
  if (OverTimeFnTakesParam(*fn)) {
    if (e.args.size() != 2 || e.arg(0).kind != Kind::kNumber || std::isnan(e.arg(0).number)) {
      return std::nullopt;
    }
    call.param = e.arg(0).number;
    matrix = 1;
  } else if (e.args.size() != 1) {
    return std::nullopt;
  }
  const promql::Expr& m = e.arg(matrix);
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

bool ServedOperation(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte: return true;
    default: return false;
  }
}

// Fills `out` from e, outermost operation first; false when e is no window
// expression.
bool Collect(const promql::Expr& expr, WindowExpr* out) {
  const promql::Expr& e = Unparen(expr);
  if (e.kind == Kind::kBinary) {
    if (!ServedOperation(e.op) || e.matching) return false;
    const promql::Expr& l = Unparen(e.arg(0));
    const promql::Expr& r = Unparen(e.arg(1));
    bool number_left = l.kind == Kind::kNumber;
    if (number_left == (r.kind == Kind::kNumber)) return false;  // one number, one vector
    out->operations.push_back(
        ScalarOperation{e.op, number_left ? l.number : r.number, number_left, e.return_bool});
    return Collect(number_left ? r : l, out);
  }
  if (e.kind == Kind::kAggregate) {
    if (!promql::FoldsPerStep(e.agg_op) || e.args.size() != 1) return false;
    if (!e.without && std::find(e.grouping.begin(), e.grouping.end(), kMetricNameLabel) != e.grouping.end()) {
      return false;
    }
    out->aggregation = WindowAggregation{e.agg_op, e.without, e.grouping};
    std::optional<PlainWindowCall> call = CallOf(e.arg(0));
    if (!call) return false;
    out->call = std::move(*call);
    return true;
  }
  std::optional<PlainWindowCall> call = CallOf(e);
  if (!call) return false;
  out->call = std::move(*call);
  return true;
}

struct Point {
  Labels labels;  // with __name__
  double value;
};

// The group key of `labels` under `a`, as vector_aggregate() keys it.
Labels GroupKey(const WindowAggregation& a, const Labels& labels) {
  Labels key;
  for (const Label& l : labels) {
    bool listed = std::find(a.labels.begin(), a.labels.end(), l.name) != a.labels.end() ||
                  (a.without && l.name == kMetricNameLabel);
    if (listed != a.without) key.push_back(l);
  }
  return key;
}

// Prometheus's aggregation of one step, as sql/vector_aggregate.cc's
// Aggregator folds it: the points in the order given, one fold per group.
std::vector<Point> Aggregate(const WindowAggregation& a, std::vector<Point> points) {
  std::map<Labels, size_t> index;
  std::vector<Point> groups;
  std::vector<sql::GroupState> states;
  for (Point& p : points) {
    Labels key = GroupKey(a, p.labels);
    auto [it, inserted] = index.emplace(std::move(key), groups.size());
    if (inserted) {
      groups.push_back(Point{it->first, 0});
      states.push_back(sql::GroupState{});
    }
    sql::GroupState* s = &states[it->second];
    double f = p.value;
    switch (a.op) {
      case AggregateOp::kSum: sql::GroupFold<sql::Identity, sql::SumAdd>(s, f); break;
      case AggregateOp::kAvg: sql::GroupFold<sql::Identity, sql::AvgAdd>(s, f); break;
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar: sql::GroupFold<sql::VarianceFirst, sql::VarianceAdd>(s, f); break;
      case AggregateOp::kMin:
      case AggregateOp::kMax: {
        bool better = a.op == AggregateOp::kMin ? f < s->value : f > s->value;
        if (!s->seen || std::isnan(s->value) || better) s->value = f;
        s->seen = true;
        break;
      }
      default:  // count, group
        s->count = s->seen ? s->count + 1 : 1;
        s->seen = true;
        break;
    }
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const sql::GroupState& s = states[g];
    switch (a.op) {
      case AggregateOp::kSum: groups[g].value = sql::SumResult(s); break;
      case AggregateOp::kAvg: groups[g].value = sql::AvgResult(s); break;
      case AggregateOp::kStddev: groups[g].value = sql::StddevResult(s); break;
      case AggregateOp::kStdvar: groups[g].value = sql::StdvarResult(s); break;
      case AggregateOp::kCount: groups[g].value = s.count; break;
      case AggregateOp::kGroup: groups[g].value = 1; break;
      default: groups[g].value = s.value; break;  // min, max
    }
  }
  return groups;
}

}  // namespace

std::optional<PlainWindowCall> AsPlainWindowCall(std::string_view expr) {
  auto parsed = promql::ParseExpr(expr);
  if (!parsed.ok()) return std::nullopt;
  return CallOf(**parsed);
}

std::optional<WindowExpr> AsWindowExpr(std::string_view expr) {
  auto parsed = promql::ParseExpr(expr);
  if (!parsed.ok()) return std::nullopt;
  WindowExpr out;
  if (!Collect(**parsed, &out)) return std::nullopt;
  std::reverse(out.operations.begin(), out.operations.end());
  return out;
}

Result<promql::QueryResult> EvaluatePlainWindowCall(Database* db, const PlainWindowCall& call,
                                                    int64_t time_ms) {
  return EvaluateWindowExpr(db, WindowExpr{call, std::nullopt, {}}, time_ms);
}

Result<promql::QueryResult> EvaluateWindowExpr(Database* db, const WindowExpr& expr, int64_t time_ms) {
  const PlainWindowCall& call = expr.call;
  OverTimeQuery q;
  q.fn = call.fn;
  q.param = call.param;
  q.start = q.end = time_ms;
  q.range = call.range;
  // The series in the engine's order: aggregations fold in it.
  std::vector<Point> points;
  Status s = db->EvaluateOverTime(call.matchers, q, [&](const SeriesInfo& series, int64_t, double v) {
    points.push_back(Point{series.labels, v});
    return Status::OK();
  });
  if (!s.ok()) return s;
  bool keeps_name = call.keeps_name;
  if (expr.aggregation) {
    points = Aggregate(*expr.aggregation, std::move(points));
    keeps_name = false;
  }
  for (const ScalarOperation& op : expr.operations) {
    // A filter keeps the vector's own value, and its name.
    size_t kept = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      if (!promql::ApplyScalarOperation(op, &points[i].value)) continue;
      if (kept != i) points[kept] = std::move(points[i]);
      ++kept;
    }
    points.resize(kept);
    if (promql::DropsMetricName(op)) keeps_name = false;
  }
  promql::QueryResult out;
  out.type = promql::ValueType::kVector;
  for (Point& p : points) {
    if (!keeps_name) {
      std::erase_if(p.labels, [](const Label& l) { return l.name == kMetricNameLabel; });
    }
    // The engine's values pass through SQLite, where a NaN is NULL.
    if (std::isnan(p.value)) p.value = std::numeric_limits<double>::quiet_NaN();
    out.series.push_back(promql::Series{std::move(p.labels), {promql::Point{time_ms, p.value}}});
  }
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
    std::map<std::string, std::shared_ptr<const WindowExpr>, std::less<>> by_expr;
  };
  constexpr size_t kMaxRemembered = 100'000;
  auto calls = std::make_shared<Calls>();
  return [db, calls, fallback = std::move(fallback)](const std::string& expr,
                                                     int64_t t) -> Result<promql::QueryResult> {
    std::shared_ptr<const WindowExpr> call;
    {
      std::lock_guard lock(calls->mu);
      auto it = calls->by_expr.find(expr);
      if (it == calls->by_expr.end()) {
        if (calls->by_expr.size() >= kMaxRemembered) calls->by_expr.clear();
        std::optional<WindowExpr> parsed = AsWindowExpr(expr);
        it = calls->by_expr
                 .emplace(expr, parsed ? std::make_shared<const WindowExpr>(std::move(*parsed)) : nullptr)
                 .first;
      }
      call = it->second;
    }
    if (!call) return fallback(expr, t);
    return EvaluateWindowExpr(db, *call, t);
  };
}

}  // namespace overtone::rules
