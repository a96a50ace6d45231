// One value of a result row, copied out of SQLite, and the text forms the
// shell prints it in.
//
// The shell copies each column into a Cell (rather than keeping
// sqlite3_value pointers) because box and table modes must buffer every row
// to measure column widths, and SQLite's values die with the next step.
//
// Text forms:
//   INTEGER  decimal, "-12"
//   REAL     the shortest of %.15g/%.16g/%.17g that reads back to the same
//            double, with ".0" added when it would look like an integer, as
//            sqlite3 does ("1.0", "1.0e+20", "0.1"); ±Inf as "Inf"/"-Inf"
//   TEXT     as stored
//   BLOB     an SQL literal, X'0A1B', so binary never reaches the terminal
//   NULL     the shell's .nullvalue (JSON: null)

#ifndef OVERTONE_SHELL_CELL_H_
#define OVERTONE_SHELL_CELL_H_

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace overtone::shell {

struct Cell {
  enum class Type { kNull, kInteger, kReal, kText, kBlob };

  Type type = Type::kNull;
  int64_t integer = 0;  // kInteger
  double real = 0;      // kReal
  std::string bytes;    // kText (UTF-8) and kBlob

  static Cell Null() { return Cell(); }
  static Cell Integer(int64_t v) {
    Cell c;
    c.type = Type::kInteger;
    c.integer = v;
    return c;
  }
  static Cell Real(double v) {
    Cell c;
    c.type = Type::kReal;
    c.real = v;
    return c;
  }
  static Cell Text(std::string_view s) {
    Cell c;
    c.type = Type::kText;
    c.bytes = s;
    return c;
  }
  static Cell Blob(std::string_view b) {
    Cell c;
    c.type = Type::kBlob;
    c.bytes = b;
    return c;
  }

  bool is_number() const { return type == Type::kInteger || type == Type::kReal; }
};

// Column `i` of the current row of `stmt`.
// REQUIRES: the last sqlite3_step(stmt) returned SQLITE_ROW.
Cell CellFromColumn(sqlite3_stmt* stmt, int i);

// The shortest text that reads back (strtod) as exactly `v`, sqlite3-style:
// "1.0", "2.5", "1.0e-07", "Inf", "-Inf", "NaN".
std::string FormatReal(double v);

// The cell as text modes print it; NULL becomes `null_value`.
std::string CellText(const Cell& cell, std::string_view null_value);

// Terminal columns `s` occupies: one per UTF-8 code point. (Wide East Asian
// characters are counted as one; good enough for labels and metric names.)
size_t DisplayWidth(std::string_view s);

// `s` as a JSON string literal, quotes included, with ", \ and control
// characters escaped. Other bytes pass through unchanged.
std::string JsonQuote(std::string_view s);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_CELL_H_
