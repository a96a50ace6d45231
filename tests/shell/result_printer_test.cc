// Exact output of every mode of the shell's ResultPrinter, and the text forms
// of single values (cell.h).

#include "shell/result_printer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "base/csv.h"

namespace overtone::shell {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// What a ResultPrinter with `options` prints for one result.
std::string Print(const PrintOptions& options, std::vector<std::string> columns,
                  std::vector<std::vector<Cell>> rows = {}) {
  std::string out;
  ResultPrinter printer(options, &out);
  printer.Begin(std::move(columns));
  for (std::vector<Cell>& row : rows) printer.AddRow(std::move(row));
  printer.End();
  return out;
}

// Two rows that exercise most rules: an integer, text with non-ASCII and
// characters special to CSV/JSON, a REAL that looks integral, and NULL.
std::string Render(OutputMode mode, bool headers, std::string null_value = "") {
  return Print({.mode = mode, .headers = headers, .null_value = std::move(null_value)},
               {"id", "name", "value", "note"},
               {{Cell::Integer(1), Cell::Text("héllo"), Cell::Real(1.0), Cell::Null()},
                {Cell::Integer(22), Cell::Text("x\"y,z"), Cell::Real(-kInf), Cell::Text("")}});
}

TEST(ShellResultPrinterTest, List) {
  EXPECT_EQ(Render(OutputMode::kList, false),
            "1|héllo|1.0|\n"
            "22|x\"y,z|-Inf|\n");
  EXPECT_EQ(Render(OutputMode::kList, true, "NULL"),
            "id|name|value|note\n"
            "1|héllo|1.0|NULL\n"
            "22|x\"y,z|-Inf|\n");
}

TEST(ShellResultPrinterTest, Tabs) {
  EXPECT_EQ(Render(OutputMode::kTabs, true),
            "id\tname\tvalue\tnote\n"
            "1\théllo\t1.0\t\n"
            "22\tx\"y,z\t-Inf\t\n");
}

TEST(ShellResultPrinterTest, CsvQuotesOnlyWhatNeedsIt) {
  // NULL is the (empty) null value; the empty string is "" so the two stay
  // apart.
  EXPECT_EQ(Render(OutputMode::kCsv, true),
            "id,name,value,note\n"
            "1,héllo,1.0,\n"
            "22,\"x\"\"y,z\",-Inf,\"\"\n");
}

TEST(ShellResultPrinterTest, CsvQuotesLineBreaksAndHeaderNames) {
  EXPECT_EQ(Print({.mode = OutputMode::kCsv, .headers = true}, {"a,b", "c"},
                  {{Cell::Text("line1\nline2"), Cell::Text("cr\r")}}),
            "\"a,b\",c\n\"line1\nline2\",\"cr\r\"\n");
}

TEST(ShellResultPrinterTest, Line) {
  EXPECT_EQ(Render(OutputMode::kLine, false, "NULL"),
            "   id = 1\n"
            " name = héllo\n"
            "value = 1.0\n"
            " note = NULL\n"
            "\n"
            "   id = 22\n"
            " name = x\"y,z\n"
            "value = -Inf\n"
            " note = \n");
}

TEST(ShellResultPrinterTest, Json) {
  // NULL is null whatever .nullvalue says; -Inf is a string.
  EXPECT_EQ(Render(OutputMode::kJson, false, "NULL"),
            "[{\"id\":1,\"name\":\"héllo\",\"value\":1.0,\"note\":null},\n"
            "{\"id\":22,\"name\":\"x\\\"y,z\",\"value\":\"-Inf\",\"note\":\"\"}]\n");
}

TEST(ShellResultPrinterTest, JsonEscapesAndSpecialNumbers) {
  EXPECT_EQ(Print({.mode = OutputMode::kJson}, {"k\"ey", "inf", "nan", "big", "blob"},
                  {{Cell::Text("a\\b\n\t\x01"), Cell::Real(kInf), Cell::Real(std::nan("")), Cell::Real(1e20),
                    Cell::Blob(std::string("\x00\xff", 2))}}),
            "[{\"k\\\"ey\":\"a\\\\b\\n\\t\\u0001\",\"inf\":\"+Inf\",\"nan\":\"NaN\","
            "\"big\":1.0e+20,\"blob\":\"X'00FF'\"}]\n");
}

TEST(ShellResultPrinterTest, JsonWithoutRowsIsAnEmptyArray) {
  EXPECT_EQ(Print({.mode = OutputMode::kJson}, {"a"}), "[]\n");
}

TEST(ShellResultPrinterTest, OtherModesPrintNothingWithoutRows) {
  for (OutputMode mode : {OutputMode::kList, OutputMode::kTabs, OutputMode::kCsv, OutputMode::kLine,
                          OutputMode::kTable, OutputMode::kBox}) {
    EXPECT_EQ(Print({.mode = mode, .headers = true}, {"a"}), "") << OutputModeName(mode);
  }
}

TEST(ShellResultPrinterTest, Table) {
  // Widths count code points (é is one column); numbers go right, text left,
  // headers in the middle.
  EXPECT_EQ(Render(OutputMode::kTable, true),
            "+----+-------+-------+------+\n"
            "| id | name  | value | note |\n"
            "+----+-------+-------+------+\n"
            "|  1 | héllo |   1.0 |      |\n"
            "| 22 | x\"y,z |  -Inf |      |\n"
            "+----+-------+-------+------+\n");
  EXPECT_EQ(Render(OutputMode::kTable, false),
            "+----+-------+------+--+\n"
            "|  1 | héllo |  1.0 |  |\n"
            "| 22 | x\"y,z | -Inf |  |\n"
            "+----+-------+------+--+\n");
}

TEST(ShellResultPrinterTest, Box) {
  EXPECT_EQ(Render(OutputMode::kBox, true, "NULL"),
            "┌────┬───────┬───────┬──────┐\n"
            "│ id │ name  │ value │ note │\n"
            "├────┼───────┼───────┼──────┤\n"
            "│  1 │ héllo │   1.0 │ NULL │\n"
            "│ 22 │ x\"y,z │  -Inf │      │\n"
            "└────┴───────┴───────┴──────┘\n");
}

TEST(ShellResultPrinterTest, BoxSplitsLinesAndExpandsTabs) {
  EXPECT_EQ(Print({.mode = OutputMode::kBox, .headers = true}, {"text", "n"},
                  {{Cell::Text("one\r\ntwo\tX\x07"), Cell::Integer(5)}}),
            "┌────────────┬───┐\n"
            "│    text    │ n │\n"
            "├────────────┼───┤\n"
            "│ one        │ 5 │\n"
            "│ two     X? │   │\n"
            "└────────────┴───┘\n");
}

TEST(ShellResultPrinterTest, ParsesModeNames) {
  for (const char* name : {"list", "tabs", "csv", "line", "json", "table", "box"}) {
    auto mode = ParseOutputMode(name);
    ASSERT_TRUE(mode.has_value()) << name;
    EXPECT_STREQ(OutputModeName(*mode), name);
  }
  EXPECT_FALSE(ParseOutputMode("column").has_value());
  EXPECT_FALSE(ParseOutputMode("").has_value());
}

TEST(ShellCellTest, RealsPrintShortestRoundTrip) {
  EXPECT_EQ(FormatReal(1.0), "1.0");
  EXPECT_EQ(FormatReal(-2.0), "-2.0");
  EXPECT_EQ(FormatReal(0.0), "0.0");
  EXPECT_EQ(FormatReal(2.5), "2.5");
  EXPECT_EQ(FormatReal(0.1), "0.1");
  EXPECT_EQ(FormatReal(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatReal(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatReal(1e20), "1.0e+20");
  EXPECT_EQ(FormatReal(1e-7), "1.0e-07");
  EXPECT_EQ(FormatReal(123456789.123), "123456789.123");
  EXPECT_EQ(FormatReal(9007199254740992.0), "9007199254740992.0");
  EXPECT_EQ(FormatReal(kInf), "Inf");
  EXPECT_EQ(FormatReal(-kInf), "-Inf");
  EXPECT_EQ(FormatReal(std::nan("")), "NaN");
}

TEST(ShellCellTest, RealsRoundTripBitExactly) {
  const double values[] = {0.1,  1.0 / 3, 2.0 / 3,  1e-300,       5e-324, 1.7976931348623157e308,
                           -0.0, 3.14159, 1e15 + 1, 6.02214076e23};
  for (double v : values) {
    std::string text = FormatReal(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
}

TEST(ShellCellTest, TextForms) {
  EXPECT_EQ(CellText(Cell::Integer(-12), ""), "-12");
  EXPECT_EQ(CellText(Cell::Null(), "NULL"), "NULL");
  EXPECT_EQ(CellText(Cell::Blob(std::string("\x0a\x1b", 2)), ""), "X'0A1B'");
  EXPECT_EQ(CellText(Cell::Text("héllo"), ""), "héllo");
  EXPECT_EQ(DisplayWidth("héllo"), 5u);
  EXPECT_EQ(DisplayWidth("│─"), 2u);
  EXPECT_EQ(CsvField("plain", CsvQuoting::kWhenNeededOrEmpty), "plain");
  EXPECT_EQ(CsvField("", CsvQuoting::kWhenNeededOrEmpty), "\"\"");
  EXPECT_EQ(CsvField("a\"b", CsvQuoting::kWhenNeededOrEmpty), "\"a\"\"b\"");
  EXPECT_EQ(JsonQuote("é\x7f"), "\"é\\u007f\"");
}

}  // namespace
}  // namespace overtone::shell
