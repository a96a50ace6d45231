// PromQL's syntax tree, as the parser (parser.h) builds it and the
// translator (translator.h) reads it.
//
// One node type with a kind, rather than a class per kind: the tree is
// small, built once and walked twice, and a flat struct keeps both walks
// plain switch statements.

#ifndef OVERTONE_ADAPTERS_PROMQL_AST_H_
#define OVERTONE_ADAPTERS_PROMQL_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "overtone/matcher.h"

namespace overtone::promql {

// Byte offsets into the query text, [start, end).
struct PosRange {
  size_t start = 0;
  size_t end = 0;
};

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
const char* ValueTypeName(ValueType t);  // "scalar", "instant vector", ...

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};
const char* BinaryOpName(BinaryOp op);  // "+", "==", "and", ...
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);
// `l op r` for two numbers as Go computes it, comparisons giving 1 or 0;
// NaN for the set operators, which take no numbers.
double ApplyScalarBinary(BinaryOp op, double l, double r);

// `vector OP number` or `number OP vector` (a comparison with or without
// `bool`), applied to the vector's values one at a time; or, with
// `function` set, a function of each value with numbers for its other
// arguments: sqrt(v) and the other functions of one value
// (sql::FindValueFn), round(v, number), clamp(v, number, number2) (also
// clamp_min, clamp_max: the other bound infinite).
struct ScalarOperation {
  enum class Function { kNone, kValue, kRound, kClamp };

  BinaryOp op = BinaryOp::kMul;
  double number = 0;
  bool number_left = false;
  bool return_bool = false;
  Function function = Function::kNone;
  std::string function_name = {};        // kValue's, as PromQL names it
  double (*value_fn)(double) = nullptr;  // kValue's
  double number2 = 0;                    // kClamp's max

  friend bool operator==(const ScalarOperation&, const ScalarOperation&) = default;
};
// Applies `op` to one value as Prometheus's vector-scalar operators and
// functions do: false when a comparison without `bool` filters the value
// out (a kept filtered value is the vector's own, whichever side the number
// is on), or clamp's max is below its min (no output at all).
bool ApplyScalarOperation(const ScalarOperation& op, double* value);
// Whether the operation removes __name__: arithmetic, `bool` comparisons
// and the functions do, a filter keeps it.
bool DropsMetricName(const ScalarOperation& op);
// How Explain shows it: "value * 2", "sqrt(value)", "clamp(value, 1, 5)".
std::string ScalarOperationText(const ScalarOperation& op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};
const char* AggregateOpName(AggregateOp op);
// Parses "sum", "topk", ...; nullopt for other words.
std::optional<AggregateOp> AggregateOpFromName(std::string_view name);
bool AggregateTakesParam(AggregateOp op);
// The aggregations that fold a step's values one at a time into a running
// state: sum avg min max count group stddev stdvar.
bool FoldsPerStep(AggregateOp op);

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // the on/ignoring list
  std::vector<std::string> include;  // group_left/group_right extra labels
};

// The `@` modifier: a fixed time, or the query's start() / end().
struct AtModifier {
  enum class Kind { kTimestamp, kStart, kEnd } kind = Kind::kTimestamp;
  int64_t ms = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kNumber,
    kString,
    kVectorSelector,
    kMatrixSelector,
    kSubquery,
    kCall,
    kAggregate,
    kBinary,
    kUnary,
    kParen,
  };
  Kind kind;
  PosRange pos;

  // kNumber
  double number = 0;
  // kString
  std::string text;

  // kVectorSelector (and the selector inside kMatrixSelector / kSubquery)
  std::string metric_name;             // "" when given only by matchers
  std::vector<LabelMatcher> matchers;  // __name__ included when named
  int64_t offset_ms = 0;
  std::optional<AtModifier> at;
  // kMatrixSelector: `args[0]` is the vector selector; kSubquery: the inner expr.
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // kSubquery

  // kCall: `text` is the function name. kAggregate: `args` = [param,] expr.
  std::vector<ExprPtr> args;

  // kAggregate
  AggregateOp agg_op = AggregateOp::kSum;
  std::vector<std::string> grouping;
  bool without = false;

  // kBinary: args = lhs, rhs. kUnary: args = operand, op is kSub or kAdd.
  BinaryOp op = BinaryOp::kAdd;
  bool return_bool = false;
  std::optional<VectorMatching> matching;  // vector-vector only

  ValueType type() const;
  const Expr& arg(size_t i) const { return *args[i]; }
};

// Prometheus's rendering of an expression, for error messages and tests.
std::string ToString(const Expr& e);
// Prometheus's pretty form (Expr.Pretty, what /api/v1/format_query
// answers): ToString when that fits in 100 characters, else split over
// lines, each level indented two spaces more; `level` is where it starts.
std::string Pretty(const Expr& e, int level = 0);
// Milliseconds as a PromQL duration: 90000 -> "1m30s".
std::string FormatDuration(int64_t ms);

}  // namespace overtone::promql

#endif  // OVERTONE_ADAPTERS_PROMQL_AST_H_
