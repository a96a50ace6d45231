#include "shell/result_printer.h"

#include <algorithm>
#include <utility>

#include "base/csv.h"

namespace overtone::shell {

namespace {

struct ModeName {
  OutputMode mode;
  const char* name;
};
constexpr ModeName kModeNames[] = {
    {OutputMode::kList, "list"}, {OutputMode::kTabs, "tabs"}, {OutputMode::kCsv, "csv"},
    {OutputMode::kLine, "line"}, {OutputMode::kJson, "json"}, {OutputMode::kTable, "table"},
    {OutputMode::kBox, "box"},
};

// The characters that draw a grid: corners and joints for the top, middle
// and bottom rules, the horizontal and the vertical stroke.
struct GridStyle {
  const char* top[3];  // left, joint, right
  const char* mid[3];
  const char* bottom[3];
  const char* horizontal;
  const char* vertical;
};
constexpr GridStyle kAsciiGrid = {{"+", "+", "+"}, {"+", "+", "+"}, {"+", "+", "+"}, "-", "|"};
constexpr GridStyle kBoxGrid = {{"┌", "┬", "┐"}, {"├", "┼", "┤"}, {"└", "┴", "┘"}, "─", "│"};

// Splits a value into the lines a grid cell shows: one per '\n' (a "\r\n"
// pair counts as one), TABs expanded to the next multiple of 8 columns, and
// other control characters shown as '?' so they cannot move the cursor.
std::vector<std::string> GridLines(std::string_view text) {
  std::vector<std::string> lines(1);
  size_t column = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n') {
      lines.emplace_back();
      column = 0;
    } else if (c == '\t') {
      do {
        lines.back() += ' ';
      } while (++column % 8 != 0);
    } else if (c < 0x20 || c == 0x7F) {
      lines.back() += '?';
      ++column;
    } else {
      lines.back() += static_cast<char>(c);
      if ((c & 0xC0) != 0x80) ++column;
    }
  }
  return lines;
}

enum class Align { kLeft, kCenter, kRight };

void AppendPadded(std::string* out, std::string_view text, size_t width, Align align) {
  size_t w = DisplayWidth(text);
  size_t pad = width > w ? width - w : 0;
  size_t left = align == Align::kRight ? pad : align == Align::kCenter ? pad / 2 : 0;
  out->append(left, ' ');
  out->append(text);
  out->append(pad - left, ' ');
}

void AppendRule(std::string* out, const GridStyle& style, const char* const (&ends)[3],
                const std::vector<size_t>& widths) {
  *out += ends[0];
  for (size_t c = 0; c < widths.size(); ++c) {
    if (c > 0) *out += ends[1];
    for (size_t i = 0; i < widths[c] + 2; ++i) *out += style.horizontal;
  }
  *out += ends[2];
  *out += '\n';
}

// One grid row: each cell already split into lines; the row is as tall as
// its tallest cell.
void AppendGridRow(std::string* out, const GridStyle& style,
                   const std::vector<std::vector<std::string>>& cells, const std::vector<Align>& aligns,
                   const std::vector<size_t>& widths) {
  size_t height = 0;
  for (const auto& lines : cells) height = std::max(height, lines.size());
  for (size_t line = 0; line < height; ++line) {
    *out += style.vertical;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) *out += style.vertical;
      *out += ' ';
      std::string_view text = line < cells[c].size() ? cells[c][line] : std::string_view();
      AppendPadded(out, text, widths[c], aligns[c]);
      *out += ' ';
    }
    *out += style.vertical;
    *out += '\n';
  }
}

std::string JsonValue(const Cell& cell) {
  switch (cell.type) {
    case Cell::Type::kNull: return "null";
    case Cell::Type::kInteger: return std::to_string(cell.integer);
    case Cell::Type::kReal: {
      // JSON has no Inf or NaN: give them as strings, in Prometheus's
      // spelling, so a reader can still tell them apart from NULL.
      std::string text = FormatReal(cell.real);
      if (text == "Inf") return "\"+Inf\"";
      if (text == "-Inf" || text == "NaN") return "\"" + text + "\"";
      return text;
    }
    case Cell::Type::kText: return JsonQuote(cell.bytes);
    case Cell::Type::kBlob: return JsonQuote(CellText(cell, ""));
  }
  return "null";
}

}  // namespace

std::optional<OutputMode> ParseOutputMode(std::string_view name) {
  for (const auto& m : kModeNames) {
    if (name == m.name) return m.mode;
  }
  return std::nullopt;
}

const char* OutputModeName(OutputMode mode) {
  for (const auto& m : kModeNames) {
    if (mode == m.mode) return m.name;
  }
  return "?";
}

void ResultPrinter::Begin(std::vector<std::string> column_names) {
  names_ = std::move(column_names);
  rows_ = 0;
  buffered_.clear();
}

void ResultPrinter::AddRow(std::vector<Cell> row) {
  switch (options_.mode) {
    case OutputMode::kList: AddSeparatedRow(row, "|", false); break;
    case OutputMode::kTabs: AddSeparatedRow(row, "\t", false); break;
    case OutputMode::kCsv: AddSeparatedRow(row, ",", true); break;
    case OutputMode::kLine: AddLineRow(row); break;
    case OutputMode::kJson: AddJsonRow(row); break;
    case OutputMode::kTable:
    case OutputMode::kBox: buffered_.push_back(std::move(row)); break;
  }
  ++rows_;
}

void ResultPrinter::End() {
  switch (options_.mode) {
    case OutputMode::kJson: *out_ += rows_ == 0 ? "[]\n" : "]\n"; break;
    case OutputMode::kTable:
    case OutputMode::kBox:
      if (!buffered_.empty()) RenderGrid();
      buffered_.clear();
      break;
    default: break;
  }
}

void ResultPrinter::AddSeparatedRow(const std::vector<Cell>& row, std::string_view sep, bool csv) {
  // The header goes out with the first row, as in sqlite3: an empty result
  // prints nothing at all.
  if (rows_ == 0 && options_.headers) {
    for (size_t c = 0; c < names_.size(); ++c) {
      if (c > 0) *out_ += sep;
      *out_ += csv ? CsvField(names_[c], CsvQuoting::kWhenNeededOrEmpty) : names_[c];
    }
    *out_ += '\n';
  }
  for (size_t c = 0; c < row.size(); ++c) {
    if (c > 0) *out_ += sep;
    const Cell& cell = row[c];
    bool quote = csv && (cell.type == Cell::Type::kText || cell.type == Cell::Type::kBlob);
    std::string text = CellText(cell, options_.null_value);
    *out_ += quote ? CsvField(text, CsvQuoting::kWhenNeededOrEmpty) : text;
  }
  *out_ += '\n';
}

void ResultPrinter::AddLineRow(const std::vector<Cell>& row) {
  size_t width = 0;
  for (const auto& name : names_) width = std::max(width, DisplayWidth(name));
  if (rows_ > 0) *out_ += '\n';
  for (size_t c = 0; c < row.size(); ++c) {
    AppendPadded(out_, names_[c], width, Align::kRight);
    *out_ += " = ";
    *out_ += CellText(row[c], options_.null_value);
    *out_ += '\n';
  }
}

void ResultPrinter::AddJsonRow(const std::vector<Cell>& row) {
  *out_ += rows_ == 0 ? "[{" : ",\n{";
  for (size_t c = 0; c < row.size(); ++c) {
    if (c > 0) *out_ += ',';
    *out_ += JsonQuote(names_[c]);
    *out_ += ':';
    *out_ += JsonValue(row[c]);
  }
  *out_ += '}';
}

void ResultPrinter::RenderGrid() {
  const GridStyle& style = options_.mode == OutputMode::kBox ? kBoxGrid : kAsciiGrid;
  const size_t ncol = names_.size();

  std::vector<std::vector<std::string>> header(ncol);
  std::vector<size_t> widths(ncol, 0);
  for (size_t c = 0; c < ncol; ++c) {
    header[c] = GridLines(names_[c]);
    if (!options_.headers) continue;  // unseen names take no room
    for (const auto& line : header[c]) widths[c] = std::max(widths[c], DisplayWidth(line));
  }
  std::vector<std::vector<std::vector<std::string>>> rows;
  rows.reserve(buffered_.size());
  for (const auto& row : buffered_) {
    auto& cells = rows.emplace_back(ncol);
    for (size_t c = 0; c < ncol; ++c) {
      cells[c] = GridLines(CellText(row[c], options_.null_value));
      for (const auto& line : cells[c]) widths[c] = std::max(widths[c], DisplayWidth(line));
    }
  }

  AppendRule(out_, style, style.top, widths);
  if (options_.headers) {
    AppendGridRow(out_, style, header, std::vector<Align>(ncol, Align::kCenter), widths);
    AppendRule(out_, style, style.mid, widths);
  }
  std::vector<Align> aligns(ncol);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < ncol; ++c) {
      aligns[c] = buffered_[r][c].is_number() ? Align::kRight : Align::kLeft;
    }
    AppendGridRow(out_, style, rows[r], aligns, widths);
  }
  AppendRule(out_, style, style.bottom, widths);
}

}  // namespace overtone::shell
