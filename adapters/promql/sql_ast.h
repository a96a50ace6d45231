// A small SQL syntax tree for the SQLite dialect the PromQL translator
// emits, and its printer. Queries are built as trees and printed once, so
// quoting, parenthesization and layout live in one place (print) rather
// than in string concatenation scattered over the translator.
//
//   auto s = std::make_shared<Select>();
//   s->columns = {{Col("labelset")}, {Fn("prom_sum", {Col("value")}), "value"}};
//   s->from.push_back(Table("sel1"));
//   Print(Statement{.body = s});   // SELECT labelset, prom_sum(value) AS value FROM sel1

#ifndef OVERTONE_ADAPTERS_PROMQL_SQL_AST_H_
#define OVERTONE_ADAPTERS_PROMQL_SQL_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace overtone::promql::sql {

struct Expr;
struct Select;
using ExprPtr = std::shared_ptr<const Expr>;
using SelectPtr = std::shared_ptr<Select>;

struct OrderTerm {
  ExprPtr expr;
  bool desc = false;
};

struct Expr {
  enum class Kind {
    kColumn,  // [qualifier.]name
    kInteger,
    kReal,
    kText,
    kNull,
    kParameter,  // ?integer, followed by `text` as a comment: what the parameter stands for
    kFunction,   // name(args) [OVER (PARTITION BY ... ORDER BY ...)]
    kBinary,     // args[0] op args[1]; op is an SQL operator: + = AND IS NOT ...
    kUnary,      // op args[0]: - or NOT
    kCase,       // CASE WHEN args[0] THEN args[1] ... [ELSE args.back()] END
    kSubquery,   // (SELECT ...)
    kExists,     // EXISTS (SELECT ...)
  };
  Kind kind = Kind::kNull;
  std::string name;       // column, function or operator
  std::string qualifier;  // column's table
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<ExprPtr> args;
  bool case_has_else = false;
  SelectPtr select;
  bool window = false;
  std::vector<ExprPtr> partition_by;
  std::vector<OrderTerm> window_order;
};

struct TableRef {
  enum class Kind { kTable, kFunction, kSubquery };
  enum class Join { kFirst, kCross, kInner, kLeft };
  Kind kind = Kind::kTable;
  std::string name;           // table or table-valued function
  std::vector<ExprPtr> args;  // table-valued function arguments
  SelectPtr select;           // kSubquery
  std::string alias;
  Join join = Join::kFirst;  // how it joins the refs before it
  ExprPtr on;                // kInner / kLeft
};

struct SelectItem {
  ExprPtr expr;
  std::string alias;  // empty: none
};

struct Select {
  std::vector<SelectItem> columns;
  std::vector<TableRef> from;
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  std::vector<OrderTerm> order_by;
  SelectPtr union_all;  // the next SELECT of a UNION ALL chain
};

struct Cte {
  std::string name;
  std::vector<std::string> columns;  // empty: the SELECT's own names
  SelectPtr select;
  bool materialized = false;
};

struct Statement {
  std::vector<Cte> ctes;
  bool recursive = false;
  SelectPtr body;
};

// SQL text, one clause per line, CTEs separated by blank-free newlines.
std::string Print(const Statement& statement);
std::string Print(const Expr& expr);
// The statement with its integer literals as parameters, numbered from
// `first_parameter` on, one per literal; the values are appended to
// `*integers` in parameter order. Queries that differ only in their times
// (and other integers) print the same text, so one prepared statement can
// serve them all, re-bound. A bare integer in ORDER BY or GROUP BY stays a
// literal: there it would name a column position.
std::string PrintParameterized(const Statement& statement, int first_parameter,
                               std::vector<int64_t>* integers);

// Builders.
ExprPtr Col(std::string name);
ExprPtr Col(std::string qualifier, std::string name);
ExprPtr Int(int64_t v);
ExprPtr Real(double v);  // NaN prints as NULL (SQLite's NaN), ±Inf as ±9e999
ExprPtr Text(std::string v);
ExprPtr Null();
// The statement's parameter `number` (1-based), with `note` printed after
// it as a comment for the reader.
ExprPtr Param(int64_t number, std::string note);
ExprPtr Fn(std::string name, std::vector<ExprPtr> args);
ExprPtr Window(std::string name, std::vector<ExprPtr> args, std::vector<ExprPtr> partition_by,
               std::vector<OrderTerm> order);
ExprPtr Bin(std::string op, ExprPtr lhs, ExprPtr rhs);
ExprPtr And(ExprPtr lhs, ExprPtr rhs);  // drops a null side
ExprPtr Or(ExprPtr lhs, ExprPtr rhs);
ExprPtr Not(ExprPtr e);
ExprPtr Neg(ExprPtr e);  // e * -1, which keeps the sign of a zero right
ExprPtr Case(std::vector<ExprPtr> when_then, ExprPtr otherwise);
ExprPtr Subquery(SelectPtr s);
ExprPtr Exists(SelectPtr s);

TableRef Table(std::string name, std::string alias = "");
TableRef TableFunction(std::string name, std::vector<ExprPtr> args, std::string alias = "");
TableRef DerivedTable(SelectPtr s, std::string alias);

}  // namespace overtone::promql::sql

#endif  // OVERTONE_ADAPTERS_PROMQL_SQL_AST_H_
