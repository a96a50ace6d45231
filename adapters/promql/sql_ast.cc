#include "adapters/promql/sql_ast.h"

#include <strings.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace overtone::promql::sql {
namespace {

// SQLite's binding strength, loosest first; a child binding looser than its
// parent gets parentheses.
int Precedence(const Expr& e) {
  if (e.kind == Expr::Kind::kUnary) return e.name == "NOT" ? 3 : 9;
  if (e.kind != Expr::Kind::kBinary) return 10;
  const std::string& op = e.name;
  if (op == "OR") return 1;
  if (op == "AND") return 2;
  if (op == "=" || op == "<>" || op == "IS" || op == "IS NOT") return 4;
  if (op == "<" || op == "<=" || op == ">" || op == ">=") return 5;
  if (op == "+" || op == "-") return 6;
  if (op == "*" || op == "/" || op == "%") return 7;
  if (op == "||") return 8;
  return 0;
}

bool IsPlainIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  // Words SQLite reserves that our column names could collide with.
  static const char* kReserved[] = {"end",   "range",  "offset", "start", "order",
                                    "group", "select", "from",   "where"};
  for (const char* r : kReserved) {
    if (strcasecmp(s.c_str(), r) == 0) return false;
  }
  return true;
}

std::string Identifier(const std::string& s) {
  if (IsPlainIdentifier(s) || s == "*") return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// Text inside /* */: what would end the comment (or the statement) is
// broken up.
std::string Comment(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\0') {
      out += "\\x00";
      continue;
    }
    if (c == '/' && !out.empty() && out.back() == '*') out.push_back(' ');
    out.push_back(c);
  }
  return out;
}

// SQLite's tokenizer ends the statement at a NUL byte, which PromQL strings
// may hold ("a\x00b"): each NUL is spliced in as char(0), and the whole put
// in parentheses to stay one operand.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\0') {
      out += "'||char(0)||'";
      continue;
    }
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out += "'";
  return s.find('\0') == std::string::npos ? out : "(" + out + ")";
}

std::string RealText(double v) {
  if (std::isnan(v)) return "NULL";
  if (std::isinf(v)) return v > 0 ? "9e999" : "-9e999";
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip
  std::string s(buf, r.ptr);
  // Keep it a REAL for SQLite: 2 would be an INTEGER (and 1/2 = 0).
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

class Printer {
 public:
  std::string out;
  // Set: integer literals become parameters (PrintParameterized).
  std::vector<int64_t>* integers = nullptr;
  int first_parameter = 1;

  void PrintInteger(int64_t v) {
    if (integers == nullptr) {
      out += std::to_string(v);
      return;
    }
    // One parameter per occurrence, equal values too: were they shared, the
    // text would depend on which of a query's numbers happen to coincide
    // (a start that equals a range), and such queries would not share it.
    integers->push_back(v);
    out += "?" + std::to_string(first_parameter + static_cast<int>(integers->size()) - 1);
  }

  // An ORDER BY or GROUP BY term: a bare integer there is a column
  // position, so it stays a literal.
  void PrintTerm(const Expr& e, int indent) {
    if (e.kind == Expr::Kind::kInteger) {
      out += std::to_string(e.integer);
    } else {
      PrintExpr(e, indent);
    }
  }

  void Line(int indent) {
    out.push_back('\n');
    out.append(static_cast<size_t>(indent) * 2, ' ');
  }

  void PrintExpr(const Expr& e, int indent) {
    switch (e.kind) {
      case Expr::Kind::kColumn:
        if (!e.qualifier.empty()) out += Identifier(e.qualifier) + ".";
        out += Identifier(e.name);
        return;
      case Expr::Kind::kInteger: PrintInteger(e.integer); return;
      case Expr::Kind::kReal: out += RealText(e.real); return;
      case Expr::Kind::kText: out += Quote(e.text); return;
      case Expr::Kind::kNull: out += "NULL"; return;
      case Expr::Kind::kParameter:
        out += "?" + std::to_string(e.integer) + " /* " + Comment(e.text) + " */";
        return;
      case Expr::Kind::kFunction: {
        out += e.name + "(";
        for (size_t i = 0; i < e.args.size(); ++i) {
          if (i) out += ", ";
          PrintExpr(*e.args[i], indent);
        }
        out += ")";
        if (e.window) {
          out += " OVER (";
          if (!e.partition_by.empty()) {
            out += "PARTITION BY ";
            for (size_t i = 0; i < e.partition_by.size(); ++i) {
              if (i) out += ", ";
              PrintTerm(*e.partition_by[i], indent);
            }
          }
          if (!e.window_order.empty()) {
            out += e.partition_by.empty() ? "ORDER BY " : " ORDER BY ";
            PrintOrder(e.window_order, indent);
          }
          out += ")";
        }
        return;
      }
      case Expr::Kind::kBinary: {
        int p = Precedence(e);
        PrintChild(*e.args[0], p, false, indent);
        out += " " + e.name + " ";
        PrintChild(*e.args[1], p, true, indent);
        return;
      }
      case Expr::Kind::kUnary: {
        out += e.name == "NOT" ? "NOT " : e.name;
        size_t operand = out.size();
        PrintChild(*e.args[0], Precedence(e), true, indent);
        // "--" starts an SQL comment: the minus of -(-x) or -(-1) needs a space.
        if (e.name == "-" && operand < out.size() && out[operand] == '-') out.insert(operand, " ");
        return;
      }
      case Expr::Kind::kCase: {
        out += "CASE";
        size_t pairs = (e.args.size() - (e.case_has_else ? 1 : 0)) / 2;
        for (size_t i = 0; i < pairs; ++i) {
          out += " WHEN ";
          PrintExpr(*e.args[2 * i], indent);
          out += " THEN ";
          PrintExpr(*e.args[2 * i + 1], indent);
        }
        if (e.case_has_else) {
          out += " ELSE ";
          PrintExpr(*e.args.back(), indent);
        }
        out += " END";
        return;
      }
      case Expr::Kind::kSubquery:
      case Expr::Kind::kExists:
        out += e.kind == Expr::Kind::kExists ? "EXISTS (" : "(";
        PrintSelect(*e.select, indent + 1, true);
        out += ")";
        return;
    }
  }

  void PrintChild(const Expr& child, int parent_prec, bool right, int indent) {
    int p = Precedence(child);
    // Comparisons chain left to right in SQLite ("a = b IS NOT 1"), which
    // nobody reads correctly: parenthesize them whenever they nest.
    bool comparison = p == 4 || p == 5;
    bool parens =
        p < parent_prec || (p == parent_prec && child.kind == Expr::Kind::kBinary && (right || comparison));
    if (parens) out += "(";
    PrintExpr(child, indent);
    if (parens) out += ")";
  }

  void PrintOrder(const std::vector<OrderTerm>& terms, int indent) {
    for (size_t i = 0; i < terms.size(); ++i) {
      if (i) out += ", ";
      PrintTerm(*terms[i].expr, indent);
      if (terms[i].desc) out += " DESC";
    }
  }

  void PrintTableRef(const TableRef& t, int indent) {
    switch (t.kind) {
      case TableRef::Kind::kTable: out += Identifier(t.name); break;
      case TableRef::Kind::kFunction:
        out += t.name + "(";
        for (size_t i = 0; i < t.args.size(); ++i) {
          if (i) out += ", ";
          PrintExpr(*t.args[i], indent);
        }
        out += ")";
        break;
      case TableRef::Kind::kSubquery:
        out += "(";
        PrintSelect(*t.select, indent + 1, true);
        out += ")";
        break;
    }
    if (!t.alias.empty()) out += " AS " + Identifier(t.alias);
  }

  // `nested`: inside parentheses, starting on a new line.
  void PrintSelect(const Select& s, int indent, bool nested) {
    if (nested) Line(indent);
    out += "SELECT ";
    for (size_t i = 0; i < s.columns.size(); ++i) {
      if (i) out += ", ";
      PrintExpr(*s.columns[i].expr, indent);
      const SelectItem& c = s.columns[i];
      bool same_name = c.expr->kind == Expr::Kind::kColumn && c.expr->name == c.alias;
      if (!c.alias.empty() && !same_name) out += " AS " + Identifier(c.alias);
    }
    for (size_t i = 0; i < s.from.size(); ++i) {
      const TableRef& t = s.from[i];
      if (i == 0) {
        Line(indent);
        out += "FROM ";
      } else {
        switch (t.join) {
          case TableRef::Join::kFirst:
          case TableRef::Join::kCross:
            Line(indent);
            out += "CROSS JOIN ";
            break;
          case TableRef::Join::kInner:
            Line(indent);
            out += "JOIN ";
            break;
          case TableRef::Join::kLeft:
            Line(indent);
            out += "LEFT JOIN ";
            break;
        }
      }
      PrintTableRef(t, indent);
      if (t.on && (t.join == TableRef::Join::kInner || t.join == TableRef::Join::kLeft)) {
        out += " ON ";
        PrintExpr(*t.on, indent);
      }
    }
    if (s.where) {
      Line(indent);
      out += "WHERE ";
      PrintExpr(*s.where, indent);
    }
    if (!s.group_by.empty()) {
      Line(indent);
      out += "GROUP BY ";
      for (size_t i = 0; i < s.group_by.size(); ++i) {
        if (i) out += ", ";
        PrintTerm(*s.group_by[i], indent);
      }
    }
    if (s.union_all) {
      Line(indent);
      out += "UNION ALL";
      Line(indent);
      PrintSelect(*s.union_all, indent, false);
    }
    if (!s.order_by.empty()) {
      Line(indent);
      out += "ORDER BY ";
      PrintOrder(s.order_by, indent);
    }
  }
};

ExprPtr Make(Expr e) { return std::make_shared<const Expr>(std::move(e)); }

ExprPtr Unary(std::string op, ExprPtr x) {
  Expr e;
  e.kind = Expr::Kind::kUnary;
  e.name = std::move(op);
  e.args = {std::move(x)};
  return Make(std::move(e));
}

ExprPtr SelectExpr(Expr::Kind kind, SelectPtr s) {
  Expr e;
  e.kind = kind;
  e.select = std::move(s);
  return Make(std::move(e));
}

std::string PrintStatement(const Statement& st, Printer* p) {
  if (!st.ctes.empty()) {
    p->out += st.recursive ? "WITH RECURSIVE" : "WITH";
    for (size_t i = 0; i < st.ctes.size(); ++i) {
      const Cte& c = st.ctes[i];
      p->out += i ? ",\n" : "\n";
      p->out += Identifier(c.name);
      if (!c.columns.empty()) {
        p->out += "(";
        for (size_t k = 0; k < c.columns.size(); ++k) p->out += (k ? ", " : "") + Identifier(c.columns[k]);
        p->out += ")";
      }
      p->out += c.materialized ? " AS MATERIALIZED (" : " AS (";
      p->PrintSelect(*c.select, 1, true);
      p->out += ")";
    }
    p->out += "\n";
  }
  p->PrintSelect(*st.body, 0, false);
  return p->out;
}

}  // namespace

std::string Print(const Expr& expr) {
  Printer p;
  p.PrintExpr(expr, 0);
  return p.out;
}

std::string Print(const Statement& st) {
  Printer p;
  return PrintStatement(st, &p);
}

std::string PrintParameterized(const Statement& st, int first_parameter, std::vector<int64_t>* integers) {
  Printer p;
  p.integers = integers;
  p.first_parameter = first_parameter;
  return PrintStatement(st, &p);
}

ExprPtr Col(std::string name) { return Col("", std::move(name)); }

ExprPtr Col(std::string qualifier, std::string name) {
  Expr e;
  e.kind = Expr::Kind::kColumn;
  e.qualifier = std::move(qualifier);
  e.name = std::move(name);
  return Make(std::move(e));
}

ExprPtr Int(int64_t v) {
  Expr e;
  e.kind = Expr::Kind::kInteger;
  e.integer = v;
  return Make(std::move(e));
}

ExprPtr Real(double v) {
  Expr e;
  e.kind = std::isnan(v) ? Expr::Kind::kNull : Expr::Kind::kReal;
  e.real = v;
  return Make(std::move(e));
}

ExprPtr Text(std::string v) {
  Expr e;
  e.kind = Expr::Kind::kText;
  e.text = std::move(v);
  return Make(std::move(e));
}

ExprPtr Null() { return Make(Expr{}); }

ExprPtr Param(int64_t number, std::string note) {
  Expr e;
  e.kind = Expr::Kind::kParameter;
  e.integer = number;
  e.text = std::move(note);
  return Make(std::move(e));
}

ExprPtr Fn(std::string name, std::vector<ExprPtr> args) {
  Expr e;
  e.kind = Expr::Kind::kFunction;
  e.name = std::move(name);
  e.args = std::move(args);
  return Make(std::move(e));
}

ExprPtr Window(std::string name, std::vector<ExprPtr> args, std::vector<ExprPtr> partition_by,
               std::vector<OrderTerm> order) {
  Expr e;
  e.kind = Expr::Kind::kFunction;
  e.name = std::move(name);
  e.args = std::move(args);
  e.window = true;
  e.partition_by = std::move(partition_by);
  e.window_order = std::move(order);
  return Make(std::move(e));
}

ExprPtr Bin(std::string op, ExprPtr lhs, ExprPtr rhs) {
  Expr e;
  e.kind = Expr::Kind::kBinary;
  e.name = std::move(op);
  e.args = {std::move(lhs), std::move(rhs)};
  return Make(std::move(e));
}

ExprPtr And(ExprPtr lhs, ExprPtr rhs) {
  if (!lhs) return rhs;
  if (!rhs) return lhs;
  return Bin("AND", std::move(lhs), std::move(rhs));
}

ExprPtr Or(ExprPtr lhs, ExprPtr rhs) { return Bin("OR", std::move(lhs), std::move(rhs)); }

ExprPtr Not(ExprPtr x) { return Unary("NOT", std::move(x)); }

// SQLite computes a unary minus as 0 - x, which makes +0 of 0 where PromQL's
// negation (and IEEE's) makes -0: a product with -1 flips the sign bit.
ExprPtr Neg(ExprPtr x) { return Bin("*", std::move(x), Real(-1)); }

ExprPtr Case(std::vector<ExprPtr> when_then, ExprPtr otherwise) {
  Expr e;
  e.kind = Expr::Kind::kCase;
  e.args = std::move(when_then);
  if (otherwise) {
    e.args.push_back(std::move(otherwise));
    e.case_has_else = true;
  }
  return Make(std::move(e));
}

ExprPtr Subquery(SelectPtr s) { return SelectExpr(Expr::Kind::kSubquery, std::move(s)); }

ExprPtr Exists(SelectPtr s) { return SelectExpr(Expr::Kind::kExists, std::move(s)); }

TableRef Table(std::string name, std::string alias) {
  TableRef t;
  t.kind = TableRef::Kind::kTable;
  t.name = std::move(name);
  t.alias = std::move(alias);
  return t;
}

TableRef TableFunction(std::string name, std::vector<ExprPtr> args, std::string alias) {
  TableRef t = Table(std::move(name), std::move(alias));
  t.kind = TableRef::Kind::kFunction;
  t.args = std::move(args);
  return t;
}

TableRef DerivedTable(SelectPtr s, std::string alias) {
  TableRef t = Table("", std::move(alias));
  t.kind = TableRef::Kind::kSubquery;
  t.select = std::move(s);
  return t;
}

}  // namespace overtone::promql::sql
