#include "adapters/promql/ast.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "adapters/promql/functions.h"
#include "base/text.h"
#include "overtone/types.h"
#include "sql/promql_functions.h"

namespace overtone::promql {
namespace {

using V = ValueType;
constexpr V kS = V::kScalar, kV = V::kVector, kM = V::kMatrix, kStr = V::kString;

const FunctionInfo kFunctions[] = {
    // Range-vector functions.
    {"rate", {kM}, 0, kV, true},
    {"irate", {kM}, 0, kV, true},
    {"increase", {kM}, 0, kV, true},
    {"delta", {kM}, 0, kV, true},
    {"idelta", {kM}, 0, kV, true},
    {"resets", {kM}, 0, kV, true},
    {"changes", {kM}, 0, kV, true},
    {"deriv", {kM}, 0, kV, true},
    {"predict_linear", {kM, kS}, 0, kV, true},
    {"double_exponential_smoothing", {kM, kS, kS}, 0, kV, true},
    {"holt_winters", {kM, kS, kS}, 0, kV, true},  // Prometheus 2.x's name for it
    {"avg_over_time", {kM}, 0, kV, true},
    {"sum_over_time", {kM}, 0, kV, true},
    {"count_over_time", {kM}, 0, kV, true},
    {"min_over_time", {kM}, 0, kV, true},
    {"max_over_time", {kM}, 0, kV, true},
    {"stddev_over_time", {kM}, 0, kV, true},
    {"stdvar_over_time", {kM}, 0, kV, true},
    {"last_over_time", {kM}, 0, kV, true},
    {"first_over_time", {kM}, 0, kV, true},
    {"present_over_time", {kM}, 0, kV, true},
    {"absent_over_time", {kM}, 0, kV, true},
    {"quantile_over_time", {kS, kM}, 0, kV, true},
    {"mad_over_time", {kM}, 0, kV, true},
    {"ts_of_min_over_time", {kM}, 0, kV, true},
    {"ts_of_max_over_time", {kM}, 0, kV, true},
    {"ts_of_last_over_time", {kM}, 0, kV, true},
    {"ts_of_first_over_time", {kM}, 0, kV, true},
    // overtone's PromSketch extensions (over_time() computes them).
    {"entropy_over_time", {kM}, 0, kV, true},
    {"distinct_over_time", {kM}, 0, kV, true},
    {"l1_over_time", {kM}, 0, kV, true},
    {"l2_over_time", {kM}, 0, kV, true},
    {"quantile_sketch_over_time", {kS, kM}, 0, kV, true},  // relative error 1%
    // Instant-vector functions.
    {"abs", {kV}, 0, kV, true},
    {"ceil", {kV}, 0, kV, true},
    {"floor", {kV}, 0, kV, true},
    {"exp", {kV}, 0, kV, true},
    {"ln", {kV}, 0, kV, true},
    {"log2", {kV}, 0, kV, true},
    {"log10", {kV}, 0, kV, true},
    {"sqrt", {kV}, 0, kV, true},
    {"sgn", {kV}, 0, kV, true},
    {"deg", {kV}, 0, kV, true},
    {"rad", {kV}, 0, kV, true},
    {"sin", {kV}, 0, kV, true},
    {"cos", {kV}, 0, kV, true},
    {"tan", {kV}, 0, kV, true},
    {"asin", {kV}, 0, kV, true},
    {"acos", {kV}, 0, kV, true},
    {"atan", {kV}, 0, kV, true},
    {"sinh", {kV}, 0, kV, true},
    {"cosh", {kV}, 0, kV, true},
    {"tanh", {kV}, 0, kV, true},
    {"asinh", {kV}, 0, kV, true},
    {"acosh", {kV}, 0, kV, true},
    {"atanh", {kV}, 0, kV, true},
    {"round", {kV, kS}, 1, kV, true},
    {"clamp", {kV, kS, kS}, 0, kV, true},
    {"clamp_min", {kV, kS}, 0, kV, true},
    {"clamp_max", {kV, kS}, 0, kV, true},
    {"absent", {kV}, 0, kV, true},
    {"timestamp", {kV}, 0, kV, true},
    {"sort", {kV}, 0, kV, true},
    {"sort_desc", {kV}, 0, kV, true},
    {"label_replace", {kV, kStr, kStr, kStr, kStr}, 0, kV, true},
    {"label_join", {kV, kStr, kStr, kStr}, -1, kV, true},
    {"vector", {kS}, 0, kV, true},
    {"scalar", {kV}, 0, kS, true},
    {"time", {}, 0, kS, true},
    {"pi", {}, 0, kS, true},
    {"step", {}, 0, kS, true},
    {"range", {}, 0, kS, true},
    {"start", {}, 0, kS, true},
    {"end", {}, 0, kS, true},
    {"min_of", {kS, kS}, 0, kS, true},
    {"max_of", {kS, kS}, 0, kS, true},
    {"minute", {kV}, 1, kV, true},
    {"hour", {kV}, 1, kV, true},
    {"day_of_month", {kV}, 1, kV, true},
    {"day_of_week", {kV}, 1, kV, true},
    {"day_of_year", {kV}, 1, kV, true},
    {"days_in_month", {kV}, 1, kV, true},
    {"month", {kV}, 1, kV, true},
    {"year", {kV}, 1, kV, true},
    // Histograms: classic ones (translator_histogram.cc); overtone stores no native ones.
    {"histogram_quantile", {kS, kV}, 0, kV, true},
    {"histogram_count", {kV}, 0, kV, true},
    {"histogram_sum", {kV}, 0, kV, true},
    {"histogram_avg", {kV}, 0, kV, true},
    {"histogram_fraction", {kS, kS, kV}, 0, kV, true},
    {"histogram_stddev", {kV}, 0, kV, true},
    {"histogram_stdvar", {kV}, 0, kV, true},
    // Known to Prometheus, not evaluated by overtone.
    {"histogram_quantiles", {kV, kStr, kS, kS}, -1, kV, false},
    {"sort_by_label", {kV, kStr}, -1, kV, true},
    {"sort_by_label_desc", {kV, kStr}, -1, kV, true},
    {"info", {kV, kV}, 1, kV, false},
};

}  // namespace

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& f : kFunctions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone: return "none";
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "?";
}

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kPow: return "^";
    case BinaryOp::kAtan2: return "atan2";
    case BinaryOp::kEql: return "==";
    case BinaryOp::kNeq: return "!=";
    case BinaryOp::kGtr: return ">";
    case BinaryOp::kLss: return "<";
    case BinaryOp::kGte: return ">=";
    case BinaryOp::kLte: return "<=";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
    case BinaryOp::kUnless: return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEql || op == BinaryOp::kNeq || op == BinaryOp::kGtr || op == BinaryOp::kLss ||
         op == BinaryOp::kGte || op == BinaryOp::kLte;
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

double ApplyScalarBinary(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd: return l + r;
    case BinaryOp::kSub: return l - r;
    case BinaryOp::kMul: return l * r;
    case BinaryOp::kDiv: return l / r;
    case BinaryOp::kMod: return std::fmod(l, r);
    case BinaryOp::kPow: return std::pow(l, r);
    case BinaryOp::kAtan2: return std::atan2(l, r);
    case BinaryOp::kEql: return l == r ? 1 : 0;
    case BinaryOp::kNeq: return l != r ? 1 : 0;
    case BinaryOp::kGtr: return l > r ? 1 : 0;
    case BinaryOp::kLss: return l < r ? 1 : 0;
    case BinaryOp::kGte: return l >= r ? 1 : 0;
    case BinaryOp::kLte: return l <= r ? 1 : 0;
    default: return std::nan("");
  }
}

bool ApplyScalarOperation(const ScalarOperation& op, double* value) {
  switch (op.function) {
    case ScalarOperation::Function::kNone: break;
    case ScalarOperation::Function::kValue: *value = op.value_fn(*value); return true;
    case ScalarOperation::Function::kRound: *value = sql::PromRound(*value, op.number); return true;
    case ScalarOperation::Function::kClamp:
      if (op.number2 < op.number) return false;  // as Prometheus: no output when max < min
      *value = sql::PromClamp(*value, op.number, op.number2);
      return true;
  }
  double result = op.number_left ? ApplyScalarBinary(op.op, op.number, *value)
                                 : ApplyScalarBinary(op.op, *value, op.number);
  if (IsComparison(op.op) && !op.return_bool) return result != 0;
  *value = result;
  return true;
}

bool DropsMetricName(const ScalarOperation& op) {
  return op.function != ScalarOperation::Function::kNone || !IsComparison(op.op) || op.return_bool;
}

std::string ScalarOperationText(const ScalarOperation& op) {
  auto number = [](double v) { return sql::FormatFloatFixed(v); };
  switch (op.function) {
    case ScalarOperation::Function::kNone: break;
    case ScalarOperation::Function::kValue: return op.function_name + "(value)";
    case ScalarOperation::Function::kRound: return "round(value, " + number(op.number) + ")";
    case ScalarOperation::Function::kClamp:
      return "clamp(value, " + number(op.number) + ", " + number(op.number2) + ")";
  }
  std::string name = BinaryOpName(op.op);
  if (op.return_bool) name += " bool";
  return op.number_left ? number(op.number) + " " + name + " value"
                        : "value " + name + " " + number(op.number);
}

namespace {
struct AggName {
  AggregateOp op;
  const char* name;
};
constexpr AggName kAggNames[] = {
    {AggregateOp::kSum, "sum"},           {AggregateOp::kAvg, "avg"},
    {AggregateOp::kCount, "count"},       {AggregateOp::kMin, "min"},
    {AggregateOp::kMax, "max"},           {AggregateOp::kGroup, "group"},
    {AggregateOp::kStddev, "stddev"},     {AggregateOp::kStdvar, "stdvar"},
    {AggregateOp::kTopk, "topk"},         {AggregateOp::kBottomk, "bottomk"},
    {AggregateOp::kQuantile, "quantile"}, {AggregateOp::kCountValues, "count_values"},
    {AggregateOp::kLimitk, "limitk"},     {AggregateOp::kLimitRatio, "limit_ratio"},
};
}  // namespace

const char* AggregateOpName(AggregateOp op) {
  for (const AggName& a : kAggNames) {
    if (a.op == op) return a.name;
  }
  return "?";
}

std::optional<AggregateOp> AggregateOpFromName(std::string_view name) {
  for (const AggName& a : kAggNames) {
    if (name == a.name) return a.op;
  }
  return std::nullopt;
}

bool AggregateTakesParam(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk || op == AggregateOp::kQuantile ||
         op == AggregateOp::kCountValues || op == AggregateOp::kLimitk || op == AggregateOp::kLimitRatio;
}

bool FoldsPerStep(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
    case AggregateOp::kAvg:
    case AggregateOp::kMin:
    case AggregateOp::kMax:
    case AggregateOp::kCount:
    case AggregateOp::kGroup:
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: return true;
    default: return false;
  }
}

ValueType Expr::type() const {
  switch (kind) {
    case Kind::kNumber: return ValueType::kScalar;
    case Kind::kString: return ValueType::kString;
    case Kind::kVectorSelector: return ValueType::kVector;
    case Kind::kMatrixSelector:
    case Kind::kSubquery: return ValueType::kMatrix;
    case Kind::kCall: {
      const FunctionInfo* f = FindFunction(text);
      return f ? f->returns : ValueType::kNone;
    }
    case Kind::kAggregate: return ValueType::kVector;
    case Kind::kBinary:
      return arg(0).type() == ValueType::kScalar && arg(1).type() == ValueType::kScalar ? ValueType::kScalar
                                                                                        : ValueType::kVector;
    case Kind::kUnary:
    case Kind::kParen: return arg(0).type();
  }
  return ValueType::kNone;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out = ms < 0 ? "-" : "";
  uint64_t v = ms < 0 ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  struct Unit {
    const char* name;
    uint64_t ms;
  };
  // Prometheus prints weeks and years only when they divide exactly.
  constexpr Unit kUnits[] = {
      {"y", 365ull * 86400000}, {"w", 7ull * 86400000}, {"d", 86400000ull}, {"h", 3600000ull},
      {"m", 60000ull},          {"s", 1000ull},         {"ms", 1ull}};
  for (const Unit& u : kUnits) {
    if (v >= u.ms) {
      out += std::to_string(v / u.ms) + u.name;
      v %= u.ms;
    }
  }
  return out;
}

namespace {

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip
  return std::string(buf, r.ptr);
}

std::string Modifiers(const Expr& e) {
  std::string out;
  if (e.at) {
    switch (e.at->kind) {
      case AtModifier::Kind::kStart: out += " @ start()"; break;
      case AtModifier::Kind::kEnd: out += " @ end()"; break;
      default: {  // seconds with three decimals, as Prometheus prints them
        char buf[48];
        std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(e.at->ms) / 1000);
        out += buf;
      }
    }
  }
  if (e.offset_ms != 0) out += " offset " + FormatDuration(e.offset_ms);
  return out;
}

// A label name as written in a query: quoted when it is not a plain name
// ({"service.name"="x"}, by ("a b")), which the parser accepts.
std::string LabelNameText(const std::string& name) { return IsValidLabelName(name) ? name : QuoteGo(name); }

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + LabelNameText(n);
  return out;
}

// `name{matchers}` without the matcher the name stands for, the matchers
// sorted as text and joined by commas, as Prometheus prints them; a metric
// name that is not a plain name goes first inside the braces, quoted.
std::string SelectorText(const Expr& vs) {
  std::vector<std::string> parts;
  bool plain_name = IsValidMetricName(vs.metric_name);
  for (const LabelMatcher& m : vs.matchers) {
    if (m.name == "__name__" && m.type == MatchType::kEqual && m.value == vs.metric_name) continue;
    parts.push_back(LabelNameText(m.name) + std::string(MatchOpText(m.type)) + QuoteGo(m.value));
  }
  std::sort(parts.begin(), parts.end());
  if (!vs.metric_name.empty() && !plain_name) parts.insert(parts.begin(), QuoteGo(vs.metric_name));
  std::string out = plain_name ? vs.metric_name : "";
  if (!plain_name || !parts.empty()) {
    out += "{";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
    out += "}";
  }
  return out;
}

// "sum", "sum by (job) ", "sum without (a, b) ": what comes before the
// arguments' parenthesis.
std::string AggregatePrefix(const Expr& e) {
  std::string out = AggregateOpName(e.agg_op);
  if (e.without || !e.grouping.empty())
    out += std::string(e.without ? " without" : " by") + " (" + Joined(e.grouping) + ") ";
  return out;
}

// The operator of a binary expression with its bool and vector matching:
// "/ on (job) group_left ()".
std::string BinaryOpText(const Expr& e) {
  std::string op = BinaryOpName(e.op);
  if (e.return_bool) op += " bool";
  if (e.matching) {
    const VectorMatching& m = *e.matching;
    if (m.on || !m.labels.empty())
      op += std::string(m.on ? " on" : " ignoring") + " (" + Joined(m.labels) + ")";
    if (m.card == Cardinality::kManyToOne) op += " group_left (" + Joined(m.include) + ")";
    if (m.card == Cardinality::kOneToMany) op += " group_right (" + Joined(m.include) + ")";
  }
  return op;
}

}  // namespace

std::string ToString(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kNumber: return FormatNumber(e.number);
    case Expr::Kind::kString: return QuoteGo(e.text);
    case Expr::Kind::kVectorSelector: return SelectorText(e) + Modifiers(e);
    case Expr::Kind::kMatrixSelector: {
      const Expr& vs = e.arg(0);
      return SelectorText(vs) + "[" + FormatDuration(e.range_ms) + "]" + Modifiers(vs);
    }
    case Expr::Kind::kSubquery:
      return ToString(e.arg(0)) + "[" + FormatDuration(e.range_ms) + ":" +
             (e.step_ms ? FormatDuration(e.step_ms) : "") + "]" + Modifiers(e);
    case Expr::Kind::kCall: {
      std::string out = e.text + "(";
      for (size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + ToString(e.arg(i));
      return out + ")";
    }
    case Expr::Kind::kAggregate: {
      std::string out = AggregatePrefix(e) + "(";
      for (size_t i = 0; i < e.args.size(); ++i) out += (i ? ", " : "") + ToString(e.arg(i));
      return out + ")";
    }
    case Expr::Kind::kBinary: return ToString(e.arg(0)) + " " + BinaryOpText(e) + " " + ToString(e.arg(1));
    case Expr::Kind::kUnary: return std::string(e.op == BinaryOp::kSub ? "-" : "+") + ToString(e.arg(0));
    case Expr::Kind::kParen: return "(" + ToString(e.arg(0)) + ")";
  }
  return "?";
}

// Prometheus's prettier (promql/parser/prettier.go): a node whose one-line
// form is longer than 100 characters is split, its operands or arguments
// indented two spaces a level deeper.
std::string Pretty(const Expr& e, int level) {
  constexpr size_t kMaxLine = 100;
  const std::string indent(2 * static_cast<size_t>(level), ' ');
  std::string line = ToString(e);
  if (line.size() <= kMaxLine) return e.kind == Expr::Kind::kSubquery ? line : indent + line;
  auto args = [&](size_t from) {
    std::string out;
    for (size_t i = from; i < e.args.size(); ++i)
      out += (i > from ? ",\n" : "") + Pretty(e.arg(i), level + 1);
    return out;
  };
  switch (e.kind) {
    case Expr::Kind::kAggregate: return indent + AggregatePrefix(e) + "(\n" + args(0) + "\n" + indent + ")";
    case Expr::Kind::kCall: return indent + e.text + "(\n" + args(0) + "\n" + indent + ")";
    case Expr::Kind::kParen: return indent + "(\n" + args(0) + "\n" + indent + ")";
    case Expr::Kind::kBinary:
      return Pretty(e.arg(0), level + 1) + "\n" + indent + BinaryOpText(e) + "\n" +
             Pretty(e.arg(1), level + 1);
    case Expr::Kind::kSubquery:
      return Pretty(e.arg(0), level) + "[" + FormatDuration(e.range_ms) + ":" +
             (e.step_ms ? FormatDuration(e.step_ms) : "") + "]" + Modifiers(e);
    case Expr::Kind::kUnary: {
      std::string child = Pretty(e.arg(0), level);
      size_t first = child.find_first_not_of(" \n\t");
      size_t last = child.find_last_not_of(" \n\t");
      child = first == std::string::npos ? "" : child.substr(first, last - first + 1);
      return indent + (e.op == BinaryOp::kSub ? "-" : "+") + child;
    }
    default: return indent + line;  // selectors and literals are never split
  }
}

}  // namespace overtone::promql
