// selector_aggregate(): the aggregation of a selector, a range function or
// an `*_over_time` function evaluated in one call gives, bit for bit, what
// vector_aggregate() gives over the packed rows of instant_vector(),
// range_function() and over_time(); with a quantile, what the GROUP BY over
// prom_histogram_quantile() gives; and bad arguments are named.
// vector_series(): the same sources a series a row, the points packed (their
// bytes golden), equal to those tables' rows.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "overtone/sql.h"
#include "sql/packed_points.h"
#include "sql/statement.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using Row = std::vector<std::string>;

class SelectorAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqlSession::Open(Options{}, dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    // Counters with resets and gauges with NaN, over three roles and two
    // regions, and a histogram's buckets per host; 15 s scrapes for an hour.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    WriteBatch b;
    const char* roles[] = {"api", "db", "web"};
    const char* les[] = {"0.1", "0.5", "1", "+Inf"};
    for (int h = 0; h < 9; ++h) {
      Labels base = {
          {"host", "h" + std::to_string(h)}, {"region", h % 2 ? "eu" : "us"}, {"role", roles[h % 3]}};
      double counter = 0;
      std::vector<double> buckets(4, 0);
      for (int64_t ts = 0; ts < 3600000; ts += 15000) {
        counter = u(rng) < 0.01 ? 0 : counter + 100 * u(rng);
        Labels c = base, g = base;
        c.insert(c.begin(), {"__name__", "requests_total"});
        g.insert(g.begin(), {"__name__", "cpu"});
        b.Add(c, ts, counter);
        b.Add(g, ts, u(rng) < 0.02 ? std::nan("") : 100 * u(rng));
        double seen = 0;
        for (int i = 0; i < 4; ++i) {
          seen += 10 * u(rng);
          buckets[i] += seen;
          Labels l = base;
          l.insert(l.begin(), {"__name__", "latency_bucket"});
          l.push_back({"le", les[i]});
          b.Add(l, ts, buckets[i]);
        }
      }
    }
    ASSERT_TRUE(session_->db()->Write(b).ok());
  }

  std::vector<Row> Query(const std::string& sql) {
    std::vector<Row> rows;
    sql::Statement st;
    const char* tail = nullptr;
    if (st.Compile(session_->conn(), sql.c_str(), &tail) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(session_->conn()) << "\n" << sql;
      return rows;
    }
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      Row r;
      for (int i = 0; i < sqlite3_column_count(st.get()); ++i) {
        const unsigned char* t = sqlite3_column_text(st.get(), i);
        r.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      rows.push_back(r);
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(session_->conn()) << "\n" << sql;
    return rows;
  }
  // (label set, ts, the value's bits with any NaN as one) of each row, or
  // of each packed point of a vector_series() row.
  using Point = std::tuple<std::string, int64_t, uint64_t>;
  static uint64_t Bits(double v) { return std::bit_cast<uint64_t>(std::isnan(v) ? std::nan("") : v); }
  std::vector<Point> Points(const std::string& sql, bool packed) {
    std::vector<Point> out;
    sql::Statement st;
    const char* tail = nullptr;
    if (st.Compile(session_->conn(), sql.c_str(), &tail) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(session_->conn()) << "\n" << sql;
      return out;
    }
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      std::string labelset = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
      if (!packed) {
        double v = sqlite3_column_type(st.get(), 2) == SQLITE_NULL ? std::nan("")
                                                                   : sqlite3_column_double(st.get(), 2);
        out.emplace_back(labelset, sqlite3_column_int64(st.get(), 1), Bits(v));
        continue;
      }
      std::string_view bytes(static_cast<const char*>(sqlite3_column_blob(st.get(), 1)),
                             static_cast<size_t>(sqlite3_column_bytes(st.get(), 1)));
      size_t count = 0;
      EXPECT_TRUE(sql::PackedPointCount(bytes, &count));
      EXPECT_GT(count, 0u);
      for (size_t i = 0; i < count; ++i) {
        int64_t ts;
        double v;
        sql::PackedPointAt(bytes, i, &ts, &v);
        if (i > 0) {
          EXPECT_GT(ts, std::get<1>(out.back())) << "by time";
        }
        out.emplace_back(labelset, ts, Bits(v));
      }
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(session_->conn()) << "\n" << sql;
    return out;
  }
  std::string Error(const std::string& sql) {
    sql::Statement st;
    const char* tail = nullptr;
    if (st.Compile(session_->conn(), sql.c_str(), &tail) != SQLITE_OK)
      return sqlite3_errmsg(session_->conn());
    while (st.Step() == SQLITE_ROW) {
    }
    return sqlite3_errmsg(session_->conn());
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
};

// Every value to the last bit, in a fixed order.
const char* const kColumns = "labelset, drop_name, ts, printf('%!.17g', value)";

TEST_F(SelectorAggregateTest, SameBitsAsTheAggregationOfThePackedRows) {
  struct Source {
    const char* fn;
    const char* rows;  // the same points as rows of a table function
  };
  const Source sources[] = {
      {"'instant', 'cpu', 60000, 3600000, 60000, 300000, 0, NULL",
       "SELECT labelset, 0 AS drop_name, ts, value FROM instant_vector('cpu', 60000, 3600000, 60000, 300000, "
       "0)"},
      {"'instant', 'cpu', 60000, 3600000, 60000, 300000, 120000, NULL",
       "SELECT labelset, 0 AS drop_name, ts, value FROM instant_vector('cpu', 60000, 3600000, 60000, 300000, "
       "120000)"},
      {"'rate', 'requests_total', 60000, 3600000, 60000, 300000, 0, NULL",
       "SELECT labelset, 1 AS drop_name, ts, value FROM range_function('rate', 'requests_total', 60000, "
       "3600000, "
       "60000, 300000)"},
      {"'increase', 'requests_total', 60000, 3600000, 30000, 3600000, 60000, NULL",
       "SELECT labelset, 1 AS drop_name, ts, value FROM range_function('increase', 'requests_total', 60000, "
       "3600000, 30000, 3600000, 60000)"},
      {"'avg_over_time', 'cpu{role!=\"db\"}', 60000, 3600000, 60000, 600000, 0, NULL",
       "SELECT labelset, 1 AS drop_name, ts, value FROM over_time('avg', 'cpu{role!=\"db\"}', 60000, "
       "3600000, "
       "60000, 600000)"},
      {"'quantile_over_time', 'cpu', 60000, 3600000, 60000, 600000, 300000, 0.9",
       "SELECT labelset, 1 AS drop_name, ts + 300000 AS ts, value FROM over_time('quantile', 'cpu', -240000, "
       "3300000, 60000, 600000, 0.9)"},
      {"'last_over_time', 'cpu', 60000, 3600000, 60000, 60000, 0, NULL",
       "SELECT labelset, 0 AS drop_name, ts, value FROM over_time('last', 'cpu', 60000, 3600000, 60000, "
       "60000)"},
  };
  const char* const aggregations[] = {
      "'sum', 'by', 'role', 0",    "'avg', 'without', 'host', 0",     "'max', 'by', 'region', 0",
      "'min', 'by', '', 0",        "'count', 'by', 'role', 0",        "'stddev', 'by', 'region,role', 0",
      "'topk', 'by', 'region', 2", "'bottomk', 'without', 'host', 1", "'group', 'by', '__name__', 0"};
  for (const Source& src : sources) {
    for (const char* agg : aggregations) {
      SCOPED_TRACE(std::string(src.fn) + " / " + agg);
      std::vector<Row> pushed = Query(std::string("SELECT ") + kColumns + " FROM selector_aggregate(" + agg +
                                      ", " + src.fn + ") ORDER BY labelset, drop_name, ts");
      std::vector<Row> packed = Query(std::string("SELECT ") + kColumns + " FROM vector_aggregate(" + agg +
                                      ", (SELECT prom_vector(labelset, drop_name, ts, value) FROM (" +
                                      src.rows + "))) ORDER BY labelset, drop_name, ts");
      EXPECT_FALSE(pushed.empty());
      EXPECT_EQ(pushed, packed);
    }
  }
}

TEST_F(SelectorAggregateTest, HistogramQuantileOfTheAggregation) {
  for (const char* by : {"le", "le,role", "host"}) {
    SCOPED_TRACE(by);
    std::string agg = std::string("'sum', 'by', '") + by +
                      "', 0, 'rate', 'latency_bucket', 60000, 3600000, 60000, 300000, 0, NULL";
    std::vector<Row> pushed = Query(std::string("SELECT ") + kColumns + " FROM selector_aggregate(" + agg +
                                    ", 0.9) ORDER BY labelset, ts");
    std::vector<Row> grouped = Query(
        std::string("SELECT ") + kColumns +
        " FROM (SELECT labels_drop(labelset, 'le') AS labelset, 1 AS drop_name, ts, "
        "prom_from_raw(prom_histogram_quantile(0.9, label_value(labelset, 'le'), value)) AS value, "
        "prom_histogram_quantile(0.9, label_value(labelset, 'le'), value) AS raw FROM selector_aggregate(" +
        agg + ") GROUP BY 1, ts) WHERE raw IS NOT NULL ORDER BY labelset, ts");
    EXPECT_EQ(pushed, grouped);
    // Without `le` no series has a bucket: no histogram at all.
    EXPECT_EQ(pushed.empty(), std::string(by) == "host");
  }
}

TEST_F(SelectorAggregateTest, BadArgumentsAreNamed) {
  EXPECT_NE(Error("SELECT * FROM selector_aggregate('sum', 'by', '', 0, 'rate', 'cpu', 0, 60000, 1000)")
                .find("range is missing"),
            std::string::npos);
  EXPECT_NE(
      Error("SELECT * FROM selector_aggregate('sum', 'by', '', 0, 'median', 'cpu', 0, 60000, 1000, 1000)")
          .find("median"),
      std::string::npos);
  EXPECT_NE(
      Error("SELECT * FROM selector_aggregate('sum', 'by', '', 0, 'quantile_over_time', 'cpu', 0, 60000, "
            "1000, 1000)")
          .find("param"),
      std::string::npos);
  EXPECT_NE(
      Error("SELECT * FROM selector_aggregate('sum', 'by', '', 0, 'rate', 'cpu', 0, 60000, 1000, 1000, 0, 2)")
          .find("param"),
      std::string::npos);
  EXPECT_NE(Error("SELECT * FROM selector_aggregate('sum', 'by', '', 0, 'rate', 'cpu', 0, 60000, 0, 1000)")
                .find("step"),
            std::string::npos);
  EXPECT_NE(
      Error("SELECT * FROM selector_aggregate('sum', 'across', '', 0, 'rate', 'cpu', 0, 60000, 1000, 1000)")
          .find("grouping"),
      std::string::npos);
  EXPECT_NE(
      Error("SELECT * FROM selector_aggregate('sum', 'by', '', 0, 'rate', 'cpu{', 0, 60000, 1000, 1000)")
          .find("selector"),
      std::string::npos);
}

TEST(PackedPointsTest, GoldenBytes) {
  std::string bytes;
  sql::AppendPackedPoint(&bytes, 1714521600000, -1.5);
  sql::AppendPackedPoint(&bytes, -1, INFINITY);
  auto hex = [](std::string_view b) {
    std::string out;
    for (unsigned char c : b) {
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
    return out;
  };
  EXPECT_EQ(hex(bytes), "007073318f010000000000000000f8bfffffffffffffffff000000000000f07f");
  size_t count = 0;
  ASSERT_TRUE(sql::PackedPointCount(bytes, &count));
  ASSERT_EQ(count, 2u);
  int64_t ts;
  double v;
  sql::PackedPointAt(bytes, 1, &ts, &v);
  EXPECT_EQ(ts, -1);
  EXPECT_EQ(v, INFINITY);
  // A staleness marker keeps its bits.
  bytes.clear();
  sql::AppendPackedPoint(&bytes, 0, StaleNaN());
  sql::PackedPointAt(bytes, 0, &ts, &v);
  EXPECT_EQ(std::bit_cast<uint64_t>(v), std::bit_cast<uint64_t>(StaleNaN()));
  EXPECT_FALSE(sql::PackedPointCount(bytes.substr(1), &count));
}

TEST_F(SelectorAggregateTest, VectorSeriesIsTheTableFunctionsRowsASeriesARow) {
  struct Source {
    const char* args;
    const char* rows;  // the same points as rows of a table function, the name dropped where PromQL does
  };
  const Source sources[] = {
      {"'instant', 'cpu', 60000, 3600000, 60000, 300000",
       "SELECT labelset, ts, value FROM instant_vector('cpu', 60000, 3600000, 60000, 300000)"},
      {"'instant', 'cpu', 60000, 3600000, 60000, 300000, 120000, NULL",
       "SELECT labelset, ts, value FROM instant_vector('cpu', 60000, 3600000, 60000, 300000, 120000)"},
      {"'rate', 'requests_total', 60000, 3600000, 60000, 300000",
       "SELECT labels_drop(labelset, '__name__'), ts, value FROM range_function('rate', 'requests_total', "
       "60000, 3600000, 60000, 300000)"},
      {"'increase', 'requests_total', 60000, 3600000, 30000, 3600000, 60000",
       "SELECT labels_drop(labelset, '__name__'), ts, value FROM range_function('increase', "
       "'requests_total', "
       "60000, 3600000, 30000, 3600000, 60000)"},
      {"'predict_linear', 'cpu', 60000, 3600000, 60000, 600000, 0, 300",
       "SELECT labels_drop(labelset, '__name__'), ts, value FROM range_function('predict_linear', 'cpu', "
       "60000, 3600000, 60000, 600000, 0, 300)"},
      {"'avg_over_time', 'cpu{role!=\"db\"}', 60000, 3600000, 60000, 600000",
       "SELECT labels_drop(labelset, '__name__'), ts, value FROM over_time('avg', 'cpu{role!=\"db\"}', "
       "60000, "
       "3600000, 60000, 600000)"},
      {"'quantile_over_time', 'cpu', 60000, 3600000, 60000, 600000, 300000, 0.9",
       "SELECT labels_drop(labelset, '__name__'), ts + 300000 AS ts, value FROM over_time('quantile', 'cpu', "
       "-240000, 3300000, 60000, 600000, 0.9)"},
      {"'last_over_time', 'cpu', 60000, 3600000, 60000, 60000",
       "SELECT labelset, ts, value FROM over_time('last', 'cpu', 60000, 3600000, 60000, 60000)"},
  };
  for (const Source& src : sources) {
    SCOPED_TRACE(src.args);
    std::vector<Point> packed =
        Points(std::string("SELECT labelset, points FROM vector_series(") + src.args + ")", true);
    std::vector<Point> rows = Points(src.rows, false);
    std::sort(packed.begin(), packed.end());
    std::sort(rows.begin(), rows.end());
    EXPECT_FALSE(packed.empty());
    EXPECT_EQ(packed, rows);
  }
  // One row per series.
  EXPECT_EQ(Query("SELECT count(*) FROM vector_series('rate', 'requests_total', 0, 3600000, 60000, 300000)"),
            (std::vector<Row>{{"9"}}));
}

TEST_F(SelectorAggregateTest, VectorSourceIsWhatPromVectorMakesOfTheRows) {
  const char* const pairs[][2] = {
      {"'instant', 'cpu', 60000, 3600000, 60000, 300000, 120000",
       "SELECT labelset, 0 AS drop_name, ts, value FROM instant_vector('cpu', 60000, 3600000, 60000, 300000, "
       "120000)"},
      {"'irate', 'requests_total', 60000, 3600000, 60000, 300000",
       "SELECT labelset, 1 AS drop_name, ts, value FROM range_function('irate', 'requests_total', 60000, "
       "3600000, 60000, "
       "300000)"},
      {"'last_over_time', 'cpu', 60000, 3600000, 60000, 60000",
       "SELECT labelset, 0 AS drop_name, ts, value FROM over_time('last', 'cpu', 60000, 3600000, 60000, "
       "60000)"},
  };
  for (const auto& [args, rows] : pairs) {
    SCOPED_TRACE(args);
    std::vector<Row> same = Query(std::string("SELECT (SELECT vector FROM vector_source(") + args +
                                  ")) = (SELECT prom_vector(labelset, drop_name, ts, value) FROM (" + rows +
                                  ")), length((SELECT vector FROM vector_source(" + args + "))) > 1000");
    EXPECT_EQ(same, (std::vector<Row>{{"1", "1"}}));
  }
  EXPECT_NE(Error("SELECT * FROM vector_source('rate', 'cpu', 0, 60000, 1000)").find("vector_source"),
            std::string::npos);
}

TEST_F(SelectorAggregateTest, VectorSeriesBadArgumentsAreNamed) {
  EXPECT_NE(Error("SELECT * FROM vector_series('rate', 'cpu', 0, 60000, 1000)").find("range is missing"),
            std::string::npos);
  EXPECT_NE(Error("SELECT * FROM vector_series('median', 'cpu', 0, 60000, 1000, 1000)").find("median"),
            std::string::npos);
  EXPECT_NE(
      Error("SELECT * FROM vector_series('quantile_over_time', 'cpu', 0, 60000, 1000, 1000)").find("param"),
      std::string::npos);
  EXPECT_NE(Error("SELECT * FROM vector_series('rate', 'cpu', 0, 60000, 0, 1000)").find("step"),
            std::string::npos);
  EXPECT_NE(Error("SELECT * FROM vector_series('rate', 'cpu', 0, 60000, 'x', 1000)").find("step must be"),
            std::string::npos);
  EXPECT_NE(Error("SELECT * FROM vector_series('rate', 'cpu{', 0, 60000, 1000, 1000)").find("selector"),
            std::string::npos);
}

}  // namespace
}  // namespace overtone
