// Binary operators: scalar/scalar, vector/scalar, vector/vector with
// one-to-one and group_left/group_right matching, and the set operators.
//
// Vector matching joins the two sides on (ts, match_key), where match_key is
// the label set reduced as on(...) / ignoring(...) say (ignoring always
// ignores __name__), precomputed in a CTE per side so that SQLite can index
// it. Prometheus's cardinality errors are raised by prom_error() from the
// WHERE clause, with its messages.

#include <cmath>

#include "adapters/promql/translator_internal.h"
#include "overtone/types.h"

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

SqlExpr Concat(std::vector<SqlExpr> parts) {
  SqlExpr out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out = Bin("||", out, parts[i]);
  return out;
}

// The label set that on(...) / ignoring(...) compare.
SqlExpr MatchKey(const VectorMatching& m, SqlExpr labelset) {
  if (m.on) return m.labels.empty() ? Text("{}") : StringList("labels_keep", std::move(labelset), m.labels);
  std::vector<std::string> drop = {std::string(kMetricNameLabel)};
  drop.insert(drop.end(), m.labels.begin(), m.labels.end());
  return StringList("labels_drop", std::move(labelset), drop);
}

SelectPtr Keyed(const VectorMatching& m, sql::TableRef input) {
  auto s = std::make_shared<Select>();
  s->columns = {{Col("labelset"), ""},
                {Col("drop_name"), ""},
                {Col("ts"), ""},
                {Col("value"), ""},
                {MatchKey(m, Col("labelset")), "match_key"}};
  s->from = {std::move(input)};
  return s;
}

}  // namespace

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

double ScalarBinop(BinaryOp op, double l, double r) {
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

Result<ScalarValue> Translator::ScalarBinary(const Expr& e) {
  OT_ASSIGN_OR_RETURN(ScalarValue l, Scalar(e.arg(0)));
  OT_ASSIGN_OR_RETURN(ScalarValue r, Scalar(e.arg(1)));
  if (l.constant && r.constant) {
    double v = ScalarBinop(e.op, *l.constant, *r.constant);
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

Result<std::string> Translator::VectorVectorBinary(const Expr& e) {
  const VectorMatching& m = *e.matching;
  OT_ASSIGN_OR_RETURN(std::string lhs_in, Vector(e.arg(0)));
  OT_ASSIGN_OR_RETURN(std::string rhs_in, Vector(e.arg(1)));
  // Each side keyed, with how many of its series share a key at a step.
  auto side = [&](const std::string& input, const char* hint) {
    auto s = std::make_shared<Select>();
    std::vector<SqlExpr> partition = {Col("ts"), Col("match_key")};
    s->columns = {{Col("*"), ""},
                  {Window("count", {Col("*")}, partition, {}), "matches"},
                  {Window("min", {Col("labelset")}, partition, {}), "first_labelset"},
                  {Window("max", {Col("labelset")}, partition, {}), "last_labelset"}};
    s->from = {DerivedTable(Keyed(m, Ref(input)), "k")};
    return Add(hint, s);
  };
  std::string l = side(lhs_in, "lhs"), r = side(rhs_in, "rhs");
  bool arithmetic = !IsComparison(e.op);
  SqlExpr labels;
  if (m.card == Cardinality::kOneToOne) {
    SqlExpr base = Col("l", "labelset");
    std::vector<std::string> names;
    if (m.on) {
      for (const std::string& n : m.labels) {
        if (!(arithmetic && n == kMetricNameLabel)) names.push_back(n);
      }
      labels = names.empty() ? Text("{}") : StringList("labels_keep", base, names);
    } else {
      if (arithmetic) names.push_back(std::string(kMetricNameLabel));
      names.insert(names.end(), m.labels.begin(), m.labels.end());
      labels = names.empty() ? base : StringList("labels_drop", base, names);
    }
  } else {
    // The "many" side's labels, plus group_x(...) labels from the "one" side.
    bool left_many = m.card == Cardinality::kManyToOne;
    labels = Col(left_many ? "l" : "r", "labelset");
    if (arithmetic) labels = StringList("labels_drop", labels, {std::string(kMetricNameLabel)});
    for (const std::string& n : m.include) {
      labels = Fn("labels_set",
                  {labels, Text(n), Fn("label_value", {Col(left_many ? "r" : "l", "labelset"), Text(n)})});
    }
  }
  SqlExpr lv = Col("l", "value"), rv = Col("r", "value");
  SqlExpr value = e.return_bool ? BoolValue(Comparison(e.op, lv, rv))
                  : arithmetic  ? Arithmetic(e.op, lv, rv)
                                : lv;
  SelectPtr s = VectorSelect(labels, Int(e.return_bool ? 1 : 0), Col("l", "ts"), value);
  s->from = {Ref(l, "l"), Ref(r, "r")};
  s->from[1].join = TableRef::Join::kInner;
  s->from[1].on =
      And(Bin("=", Col("r", "ts"), Col("l", "ts")), Bin("=", Col("r", "match_key"), Col("l", "match_key")));
  // The "one" side must have one series per key; one-to-one both sides.
  const char* one = m.card == Cardinality::kOneToMany ? "l" : "r";
  SqlExpr duplicate_one =
      Fn("prom_error",
         {Concat({Text("found duplicate series for the match group "),
                  Fn("labelset_text", {Col(one, "match_key")}),
                  Text(std::string(" on the ") + (*one == 'l' ? "left" : "right") +
                       " hand-side of the operation: ["),
                  Fn("labelset_text", {Col(one, "first_labelset")}), Text(", "),
                  Fn("labelset_text", {Col(one, "last_labelset")}),
                  Text("];many-to-many matching not allowed: matching labels must be unique on one side")})});
  // A CASE, so that the checks run in Prometheus's order.
  std::vector<SqlExpr> checks = {Bin(">", Col(one, "matches"), Int(1)), duplicate_one};
  if (m.card == Cardinality::kOneToOne) {
    checks.push_back(Bin(">", Col("l", "matches"), Int(1)));
    checks.push_back(
        Fn("prom_error", {Text("multiple matches for labels: many-to-one matching must be explicit "
                               "(group_left/group_right)")}));
  }
  SqlExpr where = sql::Case(checks, Int(1));
  if (!arithmetic && !e.return_bool) where = And(where, Comparison(e.op, lv, rv));
  s->where = where;
  return Add(OpHint(e.op), s);
}

Result<std::string> Translator::SetOperation(const Expr& e) {
  const VectorMatching& m = *e.matching;
  OT_ASSIGN_OR_RETURN(std::string lhs_in, Vector(e.arg(0)));
  OT_ASSIGN_OR_RETURN(std::string rhs_in, Vector(e.arg(1)));
  std::string l = Add("lhs", Keyed(m, Ref(lhs_in))), r = Add("rhs", Keyed(m, Ref(rhs_in)));
  // Whether a series of `probe_side` has the same key at the same step.
  auto matched = [&](const std::string& probe_side, const std::string& outer) {
    auto probe = std::make_shared<Select>();
    probe->columns = {{Int(1), ""}};
    probe->from = {Ref(probe_side, "", 2)};
    probe->where = And(Bin("=", Col(probe_side, "ts"), Col(outer, "ts")),
                       Bin("=", Col(probe_side, "match_key"), Col(outer, "match_key")));
    return Exists(probe);
  };
  auto columns = [](const std::string& t) {
    return VectorSelect(Col(t, "labelset"), Col(t, "drop_name"), Col(t, "ts"), Col(t, "value"));
  };
  SelectPtr s;
  switch (e.op) {
    case BinaryOp::kAnd:
    case BinaryOp::kUnless: {
      s = columns(l);
      s->from = {Ref(l)};
      s->where = e.op == BinaryOp::kAnd ? matched(r, l) : Not(matched(r, l));
      break;
    }
    default: {  // or: all of the left, and the right where the left has no match
      s = columns(l);
      s->from = {Ref(l)};
      SelectPtr right = columns(r);
      right->from = {Ref(r)};
      right->where = Not(matched(l, r));
      s->union_all = right;
      break;
    }
  }
  return Add(OpHint(e.op), s);
}

}  // namespace overtone::promql
