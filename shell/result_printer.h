// Renders the rows of one SQL statement in one of the shell's output modes.
//
//   ResultPrinter printer(options, &out);
//   printer.Begin({"metric", "value"});
//   printer.AddRow({Cell::Text("up"), Cell::Real(1)});
//   printer.End();          // out == "up|1.0\n" in list mode
//
// Modes (as in sqlite3 where sqlite3 has them):
//   list   values separated by '|', one row a line
//   tabs   values separated by TAB
//   csv    RFC 4180 fields separated by ',' (lines end in "\n", not CRLF)
//   line   one "name = value" line per column, a blank line between rows
//   json   an array of objects, one per line; numbers as numbers, NULL as
//          null, ±Inf (not JSON numbers) as the strings "+Inf" and "-Inf"
//   table  ASCII +---+ grid          box  Unicode ┌─┬─┐ grid
// list, tabs, csv, line and json stream each row as it comes; table and box
// keep the rows until End() because every width must be known first. In
// table and box, headers are centred, numbers right-aligned, other values
// left-aligned; a value with newlines spans several lines and a TAB is
// expanded to the next multiple of 8.
//
// Headers: printed by list, tabs, csv, table and box when `headers` is on;
// line and json always name the columns. A statement that returns no rows
// prints nothing, except json, which prints "[]" so that its output is always
// a JSON document.

#ifndef OVERTONE_SHELL_RESULT_PRINTER_H_
#define OVERTONE_SHELL_RESULT_PRINTER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shell/cell.h"

namespace overtone::shell {

enum class OutputMode { kList, kTabs, kCsv, kLine, kJson, kTable, kBox };

// "list", "box", ...; std::nullopt for an unknown name.
std::optional<OutputMode> ParseOutputMode(std::string_view name);
const char* OutputModeName(OutputMode mode);

struct PrintOptions {
  OutputMode mode = OutputMode::kList;
  bool headers = false;
  std::string null_value;  // how NULL appears in every mode but json
};

class ResultPrinter {
 public:
  // Appends to *out, which the caller may drain (write out and clear)
  // between calls.
  ResultPrinter(const PrintOptions& options, std::string* out) : options_(options), out_(out) {}

  void Begin(std::vector<std::string> column_names);
  // REQUIRES: row.size() == number of columns given to Begin().
  void AddRow(std::vector<Cell> row);
  // Finishes the output (closing bracket, bottom border, buffered rows).
  void End();

  size_t rows() const { return rows_; }

 private:
  void AddSeparatedRow(const std::vector<Cell>& row, std::string_view sep, bool csv);
  void AddLineRow(const std::vector<Cell>& row);
  void AddJsonRow(const std::vector<Cell>& row);
  void RenderGrid();

  const PrintOptions options_;
  std::string* const out_;
  std::vector<std::string> names_;
  size_t rows_ = 0;
  std::vector<std::vector<Cell>> buffered_;  // table and box only
};

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_RESULT_PRINTER_H_
