// The terminal line chart (shell/plot.h) and how .plot reads SQL results
// into series (shell/plot_data.h), on their own: data in, text out.

#include "shell/plot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <string>
#include <vector>

#include "shell/plot_data.h"

namespace overtone::shell {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  EXPECT_EQ(start, text.size()) << "the last line has no newline";
  return lines;
}

size_t Columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The braille dots of the code point at column `col` of `line` (0 for a space).
int DotsAt(const std::string& line, size_t col) {
  size_t seen = 0;
  for (size_t i = 0; i < line.size();) {
    unsigned char c = line[i];
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (seen == col) {
      if (len != 3 || c != 0xE2 || (static_cast<unsigned char>(line[i + 1]) & 0xFC) != 0xA0) return 0;
      return ((line[i + 1] & 0x03) << 6) | (line[i + 2] & 0x3F);
    }
    ++seen;
    i += len;
  }
  return 0;
}

std::string Render(const std::vector<PlotSeries>& series, PlotOptions options) {
  Result<std::string> chart = RenderPlot(series, options);
  EXPECT_TRUE(chart.ok()) << chart.status().ToString();
  return chart.ok() ? *chart : "";
}

TEST(NiceTicks, RoundNumbersCoveringTheRange) {
  EXPECT_THAT(NiceTicks(0, 100, 5, false), ElementsAre(0, 20, 40, 60, 80, 100));
  EXPECT_THAT(NiceTicks(3, 17, 3, false), ElementsAre(5, 10, 15));
  EXPECT_THAT(NiceTicks(-1, 1, 4, false), ElementsAre(-1, -0.5, 0, 0.5, 1));
  EXPECT_THAT(NiceTicks(7, 7, 4, false), ElementsAre(7));
}

TEST(NiceTicks, TimeStepsAreWholeUnits) {
  // 10:00:00 .. 12:00:00 on 2023-11-14, about four ticks: every 30 minutes.
  const double ten = 1699956000000;
  EXPECT_THAT(NiceTicks(ten, ten + 7'200'000, 4, true),
              ElementsAre(ten, ten + 1'800'000, ten + 3'600'000, ten + 5'400'000, ten + 7'200'000));
  // Five minutes in about five ticks: every minute, from the first whole one.
  EXPECT_THAT(NiceTicks(ten + 30'000, ten + 330'000, 5, true),
              ElementsAre(ten + 60'000, ten + 120'000, ten + 180'000, ten + 240'000, ten + 300'000));
}

TEST(TickLabel, DigitsTheStepNeedsAndUnits) {
  EXPECT_EQ(TickLabel(57.5, 2.5, 10, false), "57.5");
  EXPECT_EQ(TickLabel(60, 2.5, 10, false), "60.0");
  EXPECT_EQ(TickLabel(40, 20, 100, false), "40");
  EXPECT_EQ(TickLabel(1'500'000, 500'000, 3e6, false), "1.5M");
  EXPECT_EQ(TickLabel(2e9, 1e9, 5e9, false), "2G");
  EXPECT_EQ(TickLabel(0.00002, 0.00001, 0.0001, false), "2e-05");
  const double ten = 1699956000000;  // 2023-11-14T10:00:00Z
  EXPECT_EQ(TickLabel(ten, 1'800'000, 7'200'000, true), "10:00");
  EXPECT_EQ(TickLabel(ten + 15'000, 15'000, 120'000, true), "10:00:15");
  EXPECT_EQ(TickLabel(ten, 21'600'000, 3 * 86'400'000.0, true), "11-14 10:00");
}

TEST(RenderPlot, ARisingLineRunsFromBottomLeftToTopRight) {
  PlotOptions options;
  options.width = 30;
  options.height = 4;
  std::string chart = Render({{"up", {0, 10}, {0, 10}}}, options);
  std::vector<std::string> lines = Lines(chart);
  ASSERT_EQ(lines.size(), 4u + 3u);  // canvas, axis, tick labels, legend
  // The canvas starts after the labels and " ┤"; y runs 0..10 exactly.
  size_t first =
      lines[0].find("┤") == std::string::npos ? 0 : Columns(lines[0].substr(0, lines[0].find("┤"))) + 1;
  ASSERT_GT(first, 1u);
  EXPECT_EQ(DotsAt(lines[3], first) & 0x40, 0x40) << chart;  // bottom-left dot of the first cell
  size_t last_col = 0;
  for (size_t c = first; c < Columns(lines[0]); ++c) {
    if (DotsAt(lines[0], c)) last_col = c;
  }
  EXPECT_EQ(DotsAt(lines[0], last_col) & 0x08, 0x08) << chart;  // top-right dot of the last cell
  EXPECT_EQ(Columns(lines[0]), 30u) << "the line reaches the right edge: " << chart;
  EXPECT_THAT(lines.back(), HasSubstr("up"));
}

TEST(RenderPlot, LinesFitTheWidthAndTheLegendWraps) {
  PlotOptions options;
  options.width = 40;
  options.height = 6;
  std::vector<PlotSeries> series;
  for (int i = 0; i < 5; ++i) {
    series.push_back(
        {"series_" + std::to_string(i) + "{host=\"h\"}", {0, 1, 2, 3}, {1.0 * i, 2.0 * i, 0, 5}});
  }
  std::vector<std::string> lines = Lines(Render(series, options));
  for (const std::string& line : lines) EXPECT_LE(Columns(line), 40u) << line;
  std::string legend;
  for (size_t i = options.height + 2; i < lines.size(); ++i) legend += lines[i] + "\n";
  for (const PlotSeries& s : series) EXPECT_THAT(legend, HasSubstr(s.name));
  EXPECT_GT(lines.size(), options.height + 3u) << "five names do not fit on one 40-column line";
}

TEST(RenderPlot, NanBreaksTheLine) {
  PlotOptions options;
  options.width = 40;
  options.height = 2;
  const double nan = std::nan("");
  std::vector<std::string> joined = Lines(Render({{"a", {0, 1, 2, 3}, {1, 1, 1, 1}}}, options));
  std::vector<std::string> broken = Lines(Render({{"a", {0, 1, 2, 3}, {1, 1, nan, 1}}}, options));
  auto lit = [](const std::vector<std::string>& lines) {
    int n = 0;
    for (int row = 0; row < 2; ++row) {
      for (size_t c = 0; c < Columns(lines[row]); ++c) n += DotsAt(lines[row], c) != 0;
    }
    return n;
  };
  EXPECT_LT(lit(broken), lit(joined));
}

TEST(RenderPlot, ColourMarksEachSeries) {
  PlotOptions options;
  options.width = 40;
  options.height = 4;
  options.color = true;
  std::string chart = Render({{"a", {0, 1}, {0, 1}}, {"b", {0, 1}, {1, 0}}}, options);
  EXPECT_THAT(chart, HasSubstr("\x1b[34m"));
  EXPECT_THAT(chart, HasSubstr("\x1b[31m"));
  options.color = false;
  EXPECT_EQ(Render({{"a", {0, 1}, {0, 1}}}, options).find('\x1b'), std::string::npos);
}

TEST(RenderPlot, ClearErrors) {
  PlotOptions options;
  EXPECT_FALSE(RenderPlot({}, options).ok());
  EXPECT_THAT(RenderPlot({{"a", {0}, {std::nan("")}}}, options).status().message(),
              HasSubstr("nothing to plot"));
  options.width = 10;
  EXPECT_FALSE(RenderPlot({{"a", {0, 1}, {0, 1}}}, options).ok());
}

TEST(RenderPlot, GoldenTimeSeries) {
  // Locks the layout: three hours of a wave at 15-minute points.
  PlotOptions options;
  options.width = 48;
  options.height = 4;
  options.x_is_time = true;
  PlotSeries s{"cpu{host=\"a\"}", {}, {}};
  for (int i = 0; i <= 12; ++i) {
    s.x.push_back(1699956000000.0 + i * 900'000.0);
    s.y.push_back(50 + 10 * std::sin(i / 2.0));
  }
  EXPECT_EQ(Render({s}, options), R"(60 ┤    ⢀⡠⠤⠒⠒⠊⠉⠉⠉⠒⠒⠢⠤⢄⣀
50 ┤⣀⠤⠒⠉⠁              ⠉⠒⠢⢄⡀
   │                       ⠈⠑⠢⢄⡀              ⣀⠤
40 ┤                           ⠈⠑⠒⠤⠤⣀⣀⣀⣀⣀⡠⠤⠔⠒⠉
   └┬────────────────────────────┬──────────────
    10:00                        12:00
⣿ cpu{host="a"}
)");
}

class PlotDataSql : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override { sqlite3_close(db_); }
  sqlite3* db_ = nullptr;
};

TEST_F(PlotDataSql, WideResultsGiveOneSeriesPerNumericColumn) {
  auto data = PlotDataFromSql(
      db_, "SELECT column1 AS x, column2 AS a, column3 AS b FROM (VALUES (2, 20, 200), (1, 10, NULL))");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->series.size(), 2u);
  EXPECT_FALSE(data->x_is_time);
  EXPECT_THAT(data->series[0].x, ElementsAre(1, 2));  // sorted by x
  EXPECT_THAT(data->series[0].y, ElementsAre(10, 20));
  EXPECT_TRUE(std::isnan(data->series[1].y[0]));  // NULL is a gap
  EXPECT_EQ(data->series[1].y[1], 200);
}

TEST_F(PlotDataSql, TextColumnsNameTheSeries) {
  auto data =
      PlotDataFromSql(db_,
                      "SELECT column1 AS ts, column2 AS host, column3 AS value FROM "
                      "(VALUES (1700000000000, 'a', 1), (1700000000000, 'b', 2), (1700000015000, 'a', 3))");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(data->x_is_time);
  ASSERT_EQ(data->series.size(), 2u);
  EXPECT_EQ(data->series[0].name, "a");
  EXPECT_THAT(data->series[0].y, ElementsAre(1, 3));
  EXPECT_EQ(data->series[1].name, "b");
}

TEST_F(PlotDataSql, SecondsInATimeColumnBecomeMs) {
  auto data = PlotDataFromSql(db_, "SELECT 1700000000 AS time, 5 AS v");
  ASSERT_TRUE(data.ok());
  EXPECT_TRUE(data->x_is_time);
  EXPECT_THAT(data->series[0].x, ElementsAre(1700000000000.0));
}

TEST_F(PlotDataSql, ClearErrors) {
  EXPECT_THAT(PlotDataFromSql(db_, "SELECT 1").status().message(), HasSubstr("two columns"));
  EXPECT_THAT(PlotDataFromSql(db_, "SELECT 'x', 'y'").status().message(), HasSubstr("no x column"));
  EXPECT_THAT(PlotDataFromSql(db_, "SELECT 1, 'y'").status().message(), HasSubstr("no numeric column"));
  EXPECT_THAT(PlotDataFromSql(db_, "SELECT 1, 2 WHERE 0").status().message(), HasSubstr("no rows"));
  EXPECT_FALSE(PlotDataFromSql(db_, "SELEC 1, 2").ok());
}

}  // namespace
}  // namespace overtone::shell
