#include "shell/plot_data.h"

#include <sqlite3.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>
#include <optional>
#include <string>

#include "adapters/promql/query.h"
#include "overtone/types.h"
#include "sql/statement.h"

namespace overtone::shell {
namespace {

// ms since the epoch from 1973 on; smaller numbers in a time column are seconds.
constexpr double kSmallestMs = 1e11;

struct Cell {
  std::optional<double> number;  // INTEGER or REAL
  std::string text;              // TEXT (and BLOB), empty for numbers and NULL
  bool null = false;
};

bool IsTimeName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name == "ts" || name == "time" || name == "timestamp";
}

// Sorts the points of `s` by x, keeping equal x in row order.
void SortByX(PlotSeries* s) {
  std::vector<size_t> order(s->x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [s](size_t a, size_t b) { return s->x[a] < s->x[b]; });
  PlotSeries sorted{s->name, {}, {}};
  for (size_t i : order) sorted.x.push_back(s->x[i]), sorted.y.push_back(s->y[i]);
  *s = std::move(sorted);
}

}  // namespace

PlotOptions PlotOptionsFor(FILE* out) {
  PlotOptions options;
  struct winsize size;
  const bool terminal = isatty(fileno(out)) == 1;
  if (terminal && ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) {
    options.width = size.ws_col;
  } else if (const char* columns = std::getenv("COLUMNS"); columns && std::atoi(columns) >= 20) {
    options.width = std::atoi(columns);
  }
  options.color = terminal;
  return options;
}

Result<PlotData> PlotDataFromSql(sqlite3* conn, std::string_view sql) {
  OT_ASSIGN_OR_RETURN(sql::Statement st, sql::Statement::Prepare(conn, sql));
  const int columns = sqlite3_column_count(st.get());
  if (columns < 2) return Status::InvalidArgument("a plot needs two columns: x and a value");
  std::vector<std::string> names(columns);
  for (int c = 0; c < columns; ++c) names[c] = sqlite3_column_name(st.get(), c);

  std::vector<std::vector<Cell>> rows;
  std::vector<bool> has_text(columns, false);
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    std::vector<Cell>& row = rows.emplace_back(columns);
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(st.get(), c)) {
        case SQLITE_INTEGER: row[c].number = static_cast<double>(sqlite3_column_int64(st.get(), c)); break;
        case SQLITE_FLOAT: row[c].number = sqlite3_column_double(st.get(), c); break;
        case SQLITE_NULL: row[c].null = true; break;
        default:
          row[c].text = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), c));
          has_text[c] = true;
      }
    }
  }
  if (rc != SQLITE_DONE) return Status::InvalidArgument(sqlite3_errmsg(conn));
  if (rows.empty()) return Status::InvalidArgument("nothing to plot: the query returned no rows");

  int x_column = -1;
  for (int c = 0; c < columns && x_column < 0; ++c) {
    if (IsTimeName(names[c])) x_column = c;
  }
  if (x_column < 0 && !has_text[0]) x_column = 0;
  if (x_column < 0 || has_text[x_column]) {
    return Status::InvalidArgument("no x column: name one ts, time or timestamp, or put a number first");
  }
  std::vector<int> value_columns, key_columns;
  for (int c = 0; c < columns; ++c) {
    if (c == x_column) continue;
    (has_text[c] ? key_columns : value_columns).push_back(c);
  }
  if (value_columns.empty()) return Status::InvalidArgument("no numeric column to plot");

  PlotData data;
  double largest_x = 0;
  for (const auto& row : rows) {
    if (row[x_column].number) largest_x = std::max(largest_x, std::abs(*row[x_column].number));
  }
  data.x_is_time = largest_x >= kSmallestMs || IsTimeName(names[x_column]);
  const double x_scale = data.x_is_time && largest_x < kSmallestMs ? 1000 : 1;

  std::map<std::string, size_t> index;  // series name -> position in data.series
  for (const auto& row : rows) {
    if (!row[x_column].number) continue;  // no x, no point
    std::string key;
    for (int c : key_columns) {
      if (!key.empty()) key += ", ";
      key += key_columns.size() == 1 ? row[c].text : names[c] + "=" + row[c].text;
    }
    for (int c : value_columns) {
      std::string name = key.empty() ? names[c] : value_columns.size() == 1 ? key : key + " " + names[c];
      auto [it, added] = index.emplace(name, data.series.size());
      if (added) data.series.push_back(PlotSeries{name, {}, {}});
      PlotSeries& s = data.series[it->second];
      s.x.push_back(*row[x_column].number * x_scale);
      s.y.push_back(row[c].number ? *row[c].number : std::nan(""));
    }
  }
  for (PlotSeries& s : data.series) SortByX(&s);
  return data;
}

Result<PlotData> PlotDataFromPromql(sqlite3* conn, std::string_view expr, int64_t range_ms, int64_t end_ms,
                                    int points) {
  if (range_ms <= 0) return Status::InvalidArgument("the range must be positive");
  int64_t step_ms = std::max<int64_t>(1000, range_ms / std::max(1, points));
  step_ms = (step_ms + 999) / 1000 * 1000;
  OT_ASSIGN_OR_RETURN(promql::QueryResult result,
                      promql::RunRangeQuery(conn, expr, end_ms - range_ms, end_ms, step_ms));
  PlotData data;
  data.x_is_time = true;
  for (const promql::Series& s : result.series) {
    PlotSeries& out = data.series.emplace_back();
    out.name = s.labels.empty() ? "{}" : LabelsToString(s.labels);
    for (const promql::Point& p : s.points) {
      out.x.push_back(static_cast<double>(p.ts));
      out.y.push_back(p.value);
    }
  }
  if (data.series.empty()) return Status::InvalidArgument("nothing to plot: the query returned no series");
  return data;
}

}  // namespace overtone::shell
