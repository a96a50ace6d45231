// Binary operators: scalar/scalar, vector/scalar, vector/vector with
// one-to-one and group_left/group_right matching, and the set operators.
//
// Vector matching (vector/vector operators and the set operators) is one
// call of the table function vector_match() (sql/vector_match_vtab.cc) over
// both operands packed by prom_vector(): the label signatures are computed
// once per series and the steps walked in C++, never per row in SQL.
// Prometheus's cardinality errors come from there, with its messages.

#include <cmath>
#include <optional>

#include "adapters/promql/functions.h"
#include "adapters/promql/translator_internal.h"
#include "overtone/types.h"
#include "sql/promql_functions.h"

namespace overtone::promql {

namespace {

const char* OpHint(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "add";
    case BinaryOp::kSub: return "sub";
    case BinaryOp::kMul: return "mul";
    case BinaryOp::kDiv: return "div";
    case BinaryOp::kMod: return "mod";
    case BinaryOp::kPow: return "pow";
    case BinaryOp::kAtan2: return "atan2";
    case BinaryOp::kEql: return "eq";
    case BinaryOp::kNeq: return "ne";
    case BinaryOp::kGtr: return "gt";
    case BinaryOp::kLss: return "lt";
    case BinaryOp::kGte: return "ge";
    case BinaryOp::kLte: return "le";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
    case BinaryOp::kUnless: return "unless";
  }
  return "op";
}

// The value of a scalar expression made of number literals only, as
// Scalar() folds it; nullopt for one that needs the step (time(), ...).
std::optional<double> ConstantNumber(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kNumber: return e.number;
    case Expr::Kind::kParen: return ConstantNumber(e.arg(0));
    case Expr::Kind::kUnary: {
      std::optional<double> v = ConstantNumber(e.arg(0));
      if (v && e.op == BinaryOp::kSub) return -*v;
      return v;
    }
    case Expr::Kind::kBinary: {
      if (IsSetOperator(e.op)) return std::nullopt;
      std::optional<double> l = ConstantNumber(e.arg(0));
      std::optional<double> r = l ? ConstantNumber(e.arg(1)) : std::nullopt;
      if (!r) return std::nullopt;
      return ApplyScalarBinary(e.op, *l, *r);
    }
    default: return std::nullopt;
  }
}

}  // namespace

// The operation a function of one value with numbers for its other
// arguments is (sqrt(v), round(v, 5), clamp_min(v, 0)), nullopt for any
// other call.
std::optional<ScalarOperation> ValueFunctionOperation(const Expr& call) {
  using Function = ScalarOperation::Function;
  const FunctionInfo* f = FindFunction(call.text);
  if (f == nullptr || !f->supported || call.args.empty() || call.arg(0).type() != ValueType::kVector) {
    return std::nullopt;
  }
  std::vector<double> numbers;
  for (size_t i = 1; i < call.args.size(); ++i) {
    std::optional<double> n = ConstantNumber(call.arg(i));
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  ScalarOperation op;
  const std::string& name = call.text;
  if (numbers.empty()) {
    if (name == "round") {
      op.function = Function::kRound;
      op.number = 1;
      return op;
    }
    op.value_fn = ::overtone::sql::FindValueFn(name);
    if (op.value_fn == nullptr) return std::nullopt;
    op.function = Function::kValue;
    op.function_name = name;
    return op;
  }
  if (name == "round" && numbers.size() == 1) {
    op.function = Function::kRound;
    op.number = numbers[0];
    return op;
  }
  op.function = Function::kClamp;
  if (name == "clamp" && numbers.size() == 2) {
    op.number = numbers[0];
    op.number2 = numbers[1];
  } else if (name == "clamp_min" && numbers.size() == 1) {
    op.number = numbers[0];
    op.number2 = INFINITY;
  } else if (name == "clamp_max" && numbers.size() == 1) {
    op.number = -INFINITY;
    op.number2 = numbers[0];
  } else {
    return std::nullopt;
  }
  return op;
}

const Expr& PeelScalarOperations(const Expr& e, std::vector<ScalarOperation>* ops) {
  const Expr& x = Unparen(e);
  // `+v` is v. `-v` stays on the rows: SQL computes it as 0 - v, which
  // makes 0 of -0 where Go's negation gives -0, and the packed points must
  // answer as the rows do.
  if (x.kind == Expr::Kind::kUnary && x.op == BinaryOp::kAdd && x.arg(0).type() == ValueType::kVector) {
    return PeelScalarOperations(x.arg(0), ops);
  }
  if (x.kind == Expr::Kind::kCall) {
    std::optional<ScalarOperation> op = ValueFunctionOperation(x);
    if (!op) return x;
    const Expr& inner = PeelScalarOperations(x.arg(0), ops);
    ops->push_back(std::move(*op));
    return inner;
  }
  if (x.kind != Expr::Kind::kBinary || IsSetOperator(x.op) || x.matching) return x;
  bool number_left = x.arg(0).type() == ValueType::kScalar;
  if (number_left == (x.arg(1).type() == ValueType::kScalar)) return x;  // one scalar, one vector
  std::optional<double> number = ConstantNumber(x.arg(number_left ? 0 : 1));
  if (!number) return x;
  const Expr& inner = PeelScalarOperations(x.arg(number_left ? 1 : 0), ops);
  ops->push_back(ScalarOperation{x.op, *number, number_left, x.return_bool});
  return inner;
}

SqlExpr Arithmetic(BinaryOp op, SqlExpr lhs, SqlExpr rhs) {
  switch (op) {
    case BinaryOp::kAdd: return Bin("+", lhs, rhs);
    case BinaryOp::kSub: return Bin("-", lhs, rhs);
    case BinaryOp::kMul: return Bin("*", lhs, rhs);
    // SQLite's / and % give NULL for a zero divisor and % truncates to
    // integers: Go's float semantics need functions.
    case BinaryOp::kDiv: return Fn("prom_div", {lhs, rhs});
    case BinaryOp::kMod: return Fn("prom_mod", {lhs, rhs});
    case BinaryOp::kPow: return Fn("prom_pow", {lhs, rhs});
    case BinaryOp::kAtan2: return Fn("prom_atan2", {lhs, rhs});
    default: return Comparison(op, lhs, rhs);
  }
}

SqlExpr Comparison(BinaryOp op, SqlExpr lhs, SqlExpr rhs) {
  switch (op) {
    case BinaryOp::kEql: return Bin("=", lhs, rhs);
    // NaN (NULL) != x holds in Go; NULL <> x is NULL in SQL.
    case BinaryOp::kNeq: return Bin("IS NOT", Bin("=", lhs, rhs), Int(1));
    case BinaryOp::kGtr: return Bin(">", lhs, rhs);
    case BinaryOp::kLss: return Bin("<", lhs, rhs);
    case BinaryOp::kGte: return Bin(">=", lhs, rhs);
    case BinaryOp::kLte: return Bin("<=", lhs, rhs);
    default: return Arithmetic(op, lhs, rhs);
  }
}

SqlExpr BoolValue(SqlExpr condition) { return Fn("IIF", {std::move(condition), Real(1), Real(0)}); }

Result<ScalarValue> Translator::ScalarBinary(const Expr& e) {
  OT_ASSIGN_OR_RETURN(ScalarValue l, Scalar(e.arg(0)));
  OT_ASSIGN_OR_RETURN(ScalarValue r, Scalar(e.arg(1)));
  if (l.constant && r.constant) {
    double v = ApplyScalarBinary(e.op, *l.constant, *r.constant);
    return ScalarValue{[v](const SqlExpr&) { return Real(v); }, v};
  }
  BinaryOp op = e.op;
  auto lat = l.at, rat = r.at;
  return ScalarValue{[op, lat, rat](const SqlExpr& ts) {
                       return IsComparison(op) ? BoolValue(Comparison(op, lat(ts), rat(ts)))
                                               : Arithmetic(op, lat(ts), rat(ts));
                     },
                     std::nullopt};
}

Result<std::string> Translator::VectorScalarBinary(const Expr& e) {
  bool vector_left = e.arg(0).type() == ValueType::kVector;
  OT_ASSIGN_OR_RETURN(std::string input, Vector(e.arg(vector_left ? 0 : 1)));
  OT_ASSIGN_OR_RETURN(ScalarValue scalar, Scalar(e.arg(vector_left ? 1 : 0)));
  SqlExpr v = Col("v", "value"), s_at = scalar.at(Col("v", "ts"));
  SqlExpr lhs = vector_left ? v : s_at, rhs = vector_left ? s_at : v;
  SelectPtr s;
  if (!IsComparison(e.op)) {
    s = VectorSelect(Col("v", "labelset"), Int(1), Col("v", "ts"), Arithmetic(e.op, lhs, rhs));
  } else if (e.return_bool) {
    s = VectorSelect(Col("v", "labelset"), Int(1), Col("v", "ts"), BoolValue(Comparison(e.op, lhs, rhs)));
  } else {
    // A filter keeps the vector's own value, whichever side it is on.
    s = VectorSelect(Col("v", "labelset"), Col("v", "drop_name"), Col("v", "ts"), v);
    s->where = Comparison(e.op, lhs, rhs);
  }
  s->from = {Ref(input, "v")};
  return Add(OpHint(e.op), s);
}

Result<std::string> Translator::VectorVectorBinary(const Expr& e) { return VectorMatch(e); }

Result<std::string> Translator::SetOperation(const Expr& e) { return VectorMatch(e); }

Result<std::string> Translator::VectorMatch(const Expr& e) {
  OT_ASSIGN_OR_RETURN(std::vector<SqlExpr> args, VectorMatchArgs(e));
  SelectPtr s = VectorSelect(Col("labelset"), Col("drop_name"), Col("ts"), Col("value"));
  s->from = {TableFunction("vector_match", std::move(args))};
  return Add(OpHint(e.op), s);
}

Result<std::vector<SqlExpr>> Translator::VectorMatchArgs(const Expr& e) {
  const VectorMatching& m = *e.matching;
  // Each operand packed into one value: its series and points. A selector
  // or a range function of one comes packed from the engine
  // (vector_source(), sql/vector_series_vtab.cc), its points never rows.
  auto packed = [&](const Expr& operand) -> Result<SqlExpr> {
    auto s = std::make_shared<Select>();
    if (std::optional<std::vector<SqlExpr>> source = AggregateSource(operand)) {
      s->columns = {{Col("vector"), ""}};
      s->from = {TableFunction("vector_source", std::move(*source))};
      return Subquery(s);
    }
    OT_ASSIGN_OR_RETURN(std::string input, Vector(operand));
    s->columns = {{Fn("prom_vector", {Col("labelset"), Col("drop_name"), Col("ts"), Col("value")}), ""}};
    s->from = {Ref(input)};
    return Subquery(s);
  };
  OT_ASSIGN_OR_RETURN(SqlExpr lhs, packed(e.arg(0)));
  OT_ASSIGN_OR_RETURN(SqlExpr rhs, packed(e.arg(1)));
  auto names = [](const std::vector<std::string>& list) {
    std::string out;
    for (const std::string& n : list) out += (out.empty() ? "" : ",") + n;
    return out;
  };
  // Set operators match many-to-many; the card argument is not read for them.
  const char* card = m.card == Cardinality::kManyToOne   ? "many_to_one"
                     : m.card == Cardinality::kOneToMany ? "one_to_many"
                                                         : "one_to_one";
  return std::vector<SqlExpr>{
      Text(OpHint(e.op)),    Int(e.return_bool ? 1 : 0), Text(card), Text(m.on ? "on" : "ignoring"),
      Text(names(m.labels)), Text(names(m.include)),     lhs,        rhs};
}

bool IsVectorMatching(const Expr& e) {
  const Expr& x = Unparen(e);
  return x.kind == Expr::Kind::kBinary && (IsSetOperator(x.op) || (x.arg(0).type() == ValueType::kVector &&
                                                                   x.arg(1).type() == ValueType::kVector));
}

}  // namespace overtone::promql
