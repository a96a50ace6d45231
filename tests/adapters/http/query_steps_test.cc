// The query API's plan, run and render steps (adapters/http/query_plan.h,
// query_run.h, query_render.h), each on its own, on a small database.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/query_plan.h"
#include "adapters/http/query_render.h"
#include "adapters/http/query_run.h"
#include "adapters/http/status_pages.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

class QueryStepsTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    WriteBatch b;
    for (int i = 0; i <= 2; ++i) b.Add({{"__name__", "up"}, {"job", "api"}}, i * 15000, 1.0 * i);
    b.Add({{"__name__", "temp"}, {"room", "lab"}}, 1000000, 21.5);
    ASSERT_TRUE(db_->Write(b).ok());
  }

  // A planned statement, or a failed expectation.
  SqlPlan Plan(const std::string& sql, size_t max_rows = 100) {
    QueryApiOptions options;
    options.max_sql_rows = max_rows;
    Result<SqlPlan> plan = PlanSql(db_.get(), SqlRequest{sql, false, 0}, options);
    EXPECT_TRUE(plan.ok()) << sql << ": " << plan.status().ToString();
    return plan.ok() ? std::move(*plan) : SqlPlan{};
  }
  Status PlanError(const std::string& sql) {
    return PlanSql(db_.get(), SqlRequest{sql, false, 0}, {}).status();
  }
};

TEST(QueryPlanTest, PromqlPlansCarryTheServersLimits) {
  QueryApiOptions options;
  options.timeout_ms = 10000;
  options.lookback_ms = 60000;
  PromqlPlan instant = PlanPromql(InstantQueryRequest{"up", 5000, 0}, options);
  EXPECT_FALSE(instant.range);
  EXPECT_EQ(instant.start_ms, 5000);
  EXPECT_EQ(instant.end_ms, 5000);
  EXPECT_EQ(instant.options.lookback_ms, 60000);
  EXPECT_EQ(instant.options.timeout_ms, 10000);  // none asked: the server's
  PromqlPlan range = PlanPromql(RangeQueryRequest{"up", 0, 60000, 15000, 2000}, options);
  EXPECT_TRUE(range.range);
  EXPECT_EQ(range.step_ms, 15000);
  EXPECT_EQ(range.options.timeout_ms, 2000);
  EXPECT_EQ(EffectiveTimeout(99999, options), 10000);  // at most the server's
}

TEST_F(QueryStepsTest, SqlPlanAdmitsOneReadingStatementOnly) {
  EXPECT_TRUE(Plan("SELECT count(*) FROM samples").stmt);
  EXPECT_EQ(PlanError("SELEC 1").message(), "near \"SELEC\": syntax error");
  EXPECT_EQ(PlanError("UPDATE samples SET value = 1").message(),
            "read-only: only SELECT statements are allowed");
  EXPECT_EQ(PlanError("SELECT 1; SELECT 2").message(), "read-only: send one SELECT statement");
  EXPECT_EQ(PlanError("SELECT delete_series('up')").message(),
            "not authorized to use function: delete_series");
  EXPECT_EQ(PlanError("   ").message(), "no SQL statement");
  EXPECT_TRUE(PlanError("CREATE TABLE t(a)").IsInvalidArgument());
}

TEST_F(QueryStepsTest, RunSqlGivesTypedCells) {
  SqlPlan plan = Plan(
      "SELECT ts, value, NULL AS n, 'x' AS s, 1e999 AS inf FROM samples WHERE metric = 'up' ORDER BY ts");
  Result<SqlTable> table = RunSql(&plan);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->columns, (std::vector<std::string>{"ts", "value", "n", "s", "inf"}));
  ASSERT_EQ(table->rows.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(table->rows[1][0]), 15000);
  EXPECT_EQ(std::get<double>(table->rows[1][1]), 1.0);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(table->rows[1][2]));
  EXPECT_EQ(std::get<std::string>(table->rows[1][3]), "x");
  EXPECT_TRUE(std::isinf(std::get<double>(table->rows[1][4])));
}

TEST_F(QueryStepsTest, RunSqlErrorsAreExecutionOrTimeout) {
  SqlPlan many = Plan("SELECT ts FROM samples", 2);
  EXPECT_EQ(RunSql(&many).status().ToString(), Status::Aborted("more than 2 rows").ToString());
  SqlPlan bad = Plan("SELECT * FROM samples WHERE selector = '{'");
  EXPECT_EQ(RunSql(&bad).status().code(), Status::Code::kAborted);
  SqlPlan forever =
      Plan("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
  forever.timeout_ms = 50;
  EXPECT_EQ(RunSql(&forever).status().ToString(), Status::Busy("query timed out").ToString());
}

TEST_F(QueryStepsTest, RunPromqlAndFindSeriesAndLabels) {
  auto conn = QueryConnection::Open(db_.get(), false);
  ASSERT_TRUE(conn.ok());
  Result<promql::QueryResult> r =
      RunPromql((*conn)->get(), PlanPromql(InstantQueryRequest{"up", 30000, 0}, {}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points[0].value, 2.0);
  Result<promql::QueryResult> s =
      RunPromql((*conn)->get(), PlanPromql(InstantQueryRequest{"\"hi\"", 7000, 0}, {}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scalar.ts, 7000);  // a string carries the query's time

  auto up = ParseSelector("up");
  auto any = ParseSelector("{__name__=~\".+\"}");
  ASSERT_TRUE(up.ok() && any.ok());
  Result<std::vector<SeriesInfo>> series = FindSeries(db_.get(), SeriesRequest{{*any}, 0, 100000});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);  // temp has no sample in the range
  EXPECT_EQ((*series)[0].labels, (Labels{{"__name__", "up"}, {"job", "api"}}));

  Result<std::vector<std::string>> names =
      FindLabels(db_.get(), LabelsRequest{std::nullopt, {}, kMinTime, kMaxTime});
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "job", "room"}));
  Result<std::vector<std::string>> jobs =
      FindLabels(db_.get(), LabelsRequest{"__name__", {*up}, kMinTime, kMaxTime});
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs, (std::vector<std::string>{"up"}));
}

TEST(QueryRenderTest, PrometheusEnvelope) {
  promql::QueryResult vector;
  vector.series.push_back({{{"job", "a"}}, {{1500, 0.5}}});
  EXPECT_EQ(
      RenderQueryResult(vector).body,
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1.5,"0.5"]}]}})");
  promql::QueryResult matrix;
  matrix.type = promql::ValueType::kMatrix;
  matrix.series.push_back({{}, {{0, 1}, {15000, std::numeric_limits<double>::infinity()}}});
  EXPECT_EQ(
      RenderQueryResult(matrix).body,
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"1"],[15,"+Inf"]]}]}})");
  EXPECT_EQ(RenderStrings({"a", "b"}).body, R"({"status":"success","data":["a","b"]})");
  EXPECT_EQ(RenderMetadata({}, MetadataRequest{}).body, R"({"status":"success","data":{}})");
  HttpReply error = RenderError(ApiError{"bad_data", 405, "use POST", "POST"});
  EXPECT_EQ(error.status, 405);
  EXPECT_EQ(error.content_type, "application/json");
  EXPECT_EQ(error.body, R"({"status":"error","errorType":"bad_data","error":"use POST"})");
  ASSERT_EQ(error.headers.size(), 1u);
  EXPECT_EQ(error.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));
}

// Vectors and matrices are written without building nlohmann values: the
// text must be what nlohmann::json prints for the same answer.
TEST(QueryRenderTest, SeriesTextIsWhatTheJsonLibraryPrints) {
  promql::QueryResult m;
  m.type = promql::ValueType::kMatrix;
  m.series.push_back(
      {{{"__name__", "up"}, {"q", "say \"hi\"\\"}, {"t", "tab\there"}, {"u", "h\xc3\xa9 \xff"}},
       {{-1500, -0.0}, {1700000000123, std::nan("")}, {7, -std::numeric_limits<double>::infinity()}}});
  m.series.push_back({{},
                      {{0, 1e300},
                       {1000, std::numeric_limits<double>::max()},
                       {2000, std::numeric_limits<double>::denorm_min()},
                       {3000, -0.1},
                       {4000, 123456.789},
                       {5000, 1.0 / 3}}});
  // Integers take a faster path: at and past 2^53, negative, zero.
  m.series.push_back({{{"ints", "1"}},
                      {{0, 0.0},
                       {1000, 1},
                       {2000, -42},
                       {3000, 1e15},
                       {4000, 9007199254740991.0},
                       {5000, 9007199254740992.0},
                       {6000, 123456789012345678.0},
                       {7000, -9007199254740994.0},
                       {8000, 1e22},
                       {9000, 4.5}}});
  nlohmann::ordered_json result = nlohmann::ordered_json::array();
  for (const auto& s : m.series) {
    nlohmann::ordered_json e, metric = nlohmann::ordered_json::object(),
                              values = nlohmann::ordered_json::array();
    for (const auto& l : s.labels) metric[l.name] = l.value;
    for (const auto& p : s.points) {
      nlohmann::ordered_json ts = p.ts % 1000 == 0 ? nlohmann::ordered_json(p.ts / 1000)
                                                   : nlohmann::ordered_json(static_cast<double>(p.ts) / 1000);
      values.push_back(nlohmann::ordered_json::array({ts, promql::FormatValue(p.value)}));
    }
    e["metric"] = metric;
    e["values"] = values;
    result.push_back(e);
  }
  nlohmann::ordered_json body;
  body["status"] = "success";
  body["data"]["resultType"] = "matrix";
  body["data"]["result"] = result;
  EXPECT_EQ(RenderQueryResult(m).body,
            body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

// Past the threshold the answer comes in parts (each series whole, parts of
// a few hundred KiB) that join into the text rendered at once; vectors too.
TEST(QueryRenderTest, ALargeAnswerComesInPartsThatJoinIntoTheSameText) {
  for (promql::ValueType type : {promql::ValueType::kMatrix, promql::ValueType::kVector}) {
    promql::QueryResult r;
    r.type = type;
    for (int s = 0; s < 300; ++s) {
      promql::Series series{{{"__name__", "m"}, {"i", std::to_string(s)}}, {}};
      for (int64_t t = 0; t < 1000; ++t) series.points.push_back({t * 15000 + s, s + t / 7.0});
      r.series.push_back(std::move(series));
    }
    const HttpReply whole = RenderQueryResult(r, /*stream_past_points=*/SIZE_MAX);
    EXPECT_FALSE(whole.body_parts);
    const HttpReply parted = RenderQueryResult(r, /*stream_past_points=*/0);
    ASSERT_TRUE(parted.body_parts);
    EXPECT_TRUE(parted.body.empty());
    EXPECT_EQ(parted.content_type, "application/json");
    std::string joined, part;
    int parts = 0;
    for (bool more = true; more; ++parts) {
      part.clear();
      more = parted.body_parts(&part);
      EXPECT_FALSE(part.empty());
      joined += part;
    }
    EXPECT_EQ(joined, whole.body);
    EXPECT_GT(parts, type == promql::ValueType::kMatrix ? 10 : 0);
  }
  // The default threshold: a matrix of more than 65,536 points is parted.
  promql::QueryResult big;
  big.type = promql::ValueType::kMatrix;
  big.series.push_back({{}, std::vector<promql::Point>(kStreamedAnswerPoints + 1, promql::Point{0, 1})});
  EXPECT_TRUE(RenderQueryResult(big).body_parts);
  big.series[0].points.pop_back();
  EXPECT_FALSE(RenderQueryResult(big).body_parts);
}

TEST(QueryRenderTest, SqlAsJsonAndCsv) {
  SqlTable t{{"a", "b,c"},
             {{int64_t{1}, 2.5},
              {std::monostate{}, std::string("say \"hi\"")},
              {-std::numeric_limits<double>::infinity(), 3.0}}};
  EXPECT_EQ(
      RenderSqlJson(t).body,
      R"({"status":"success","data":{"columns":["a","b,c"],"rows":[[1,2.5],[null,"say \"hi\""],["-Inf",3.0]]}})");
  HttpReply csv = RenderSqlCsv(t);
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body, "a,\"b,c\"\n1,2.5\n,\"say \"\"hi\"\"\"\n-Inf,3\n");
}

}  // namespace
}  // namespace overtone::adapters
