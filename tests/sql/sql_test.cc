#include "overtone/sql.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <bit>
#include <cmath>
#include <filesystem>

#include "sql/statement.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using Row = std::vector<std::string>;

class SqlTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    session_.reset();
    auto s = SqlSession::Open(Options{}, dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
  }
  sqlite3* conn() { return session_->conn(); }
  Database* db() { return session_->db(); }

  // Runs `sql`, returning rows as text ("NULL" for NULL); fails the test on error.
  std::vector<Row> Query(const std::string& sql) {
    std::vector<Row> rows;
    std::string err = Run(sql, &rows);
    EXPECT_EQ(err, "") << sql;
    return rows;
  }
  // Runs `sql` and returns its error message ("" when it succeeded).
  std::string Run(const std::string& sql, std::vector<Row>* rows = nullptr) {
    const char* tail = sql.c_str();
    while (*tail) {
      ::overtone::sql::Statement stmt;
      if (stmt.Compile(conn(), tail, &tail) != SQLITE_OK) return sqlite3_errmsg(conn());
      if (!stmt) break;
      int rc;
      while ((rc = stmt.Step()) == SQLITE_ROW) {
        Row r;
        for (int i = 0; i < sqlite3_column_count(stmt.get()); ++i) {
          const unsigned char* t = sqlite3_column_text(stmt.get(), i);
          r.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
        }
        if (rows) rows->push_back(r);
      }
      if (rc != SQLITE_DONE) return sqlite3_errmsg(conn());
    }
    return "";
  }
  std::string One(const std::string& sql) {
    auto rows = Query(sql);
    EXPECT_EQ(rows.size(), 1u) << sql;
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlSession> session_;
};

TEST_F(SqlTest, InsertThenSelectRoundTrips) {
  Query(R"(INSERT INTO samples(metric, labels, ts, value) VALUES ('up', '{"job":"a"}', 1000, 1))");
  EXPECT_EQ(Query("SELECT metric, labels, ts, value FROM samples"),
            (std::vector<Row>{{"up", R"({"job":"a"})", "1000", "1.0"}}));
  EXPECT_EQ(One("SELECT json_extract(labels, '$.job') FROM samples"), "a");
  EXPECT_EQ(Query("SELECT series_id, metric, labels FROM series"),
            (std::vector<Row>{{"1", "up", R"({"job":"a"})"}}));
}

TEST_F(SqlTest, LabelsJsonIsSortedAndExcludesName) {
  Query(
      R"(INSERT INTO samples(metric, labels, ts, value) VALUES ('m', '{"z":"1","a":"q\"x","e":""}', 1, 1))");
  EXPECT_EQ(One("SELECT labels FROM series"), R"({"a":"q\"x","z":"1"})");
}

TEST_F(SqlTest, SpecialValuesAreNullWithDistinguishableRawBits) {
  Query(R"(INSERT INTO samples(metric, ts, value) VALUES
           ('v', 1, 'NaN'), ('v', 2, 'stale'), ('v', 3, '+Inf'), ('v', 4, '-Inf'), ('v', 5, 2.5), ('v', 6, '-0.125'))");
  auto rows = Query("SELECT ts, value, value_kind(raw), value_text(raw) FROM samples ORDER BY ts");
  EXPECT_EQ(rows, (std::vector<Row>{{"1", "NULL", "nan", "NaN"},
                                    {"2", "NULL", "stale", "stale"},
                                    {"3", "Inf", "inf", "+Inf"},
                                    {"4", "-Inf", "-inf", "-Inf"},
                                    {"5", "2.5", "number", "2.5"},
                                    {"6", "-0.125", "number", "-0.125"}}));
  // raw is lossless: the staleness marker's bits, exactly.
  EXPECT_EQ(One("SELECT raw FROM samples WHERE ts = 2"), std::to_string(static_cast<int64_t>(kStaleNaNBits)));
  // Aggregates skip NaN, as NULL.
  EXPECT_EQ(One("SELECT count(value) FROM samples WHERE metric = 'v'"), "4");
}

TEST_F(SqlTest, RawBitsInsertIsBitExact) {
  const uint64_t payload_nan = 0x7ff8000000000abcull;
  Query("INSERT INTO samples(metric, ts, raw) VALUES ('p', 1, " +
        std::to_string(static_cast<int64_t>(payload_nan)) + ")");
  auto series = db()->Select({});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  auto it = db()->Scan((*series)[0].id, kMinTime, kMaxTime);
  ASSERT_TRUE(it.ok() && (*it)->Valid());
  EXPECT_EQ(std::bit_cast<uint64_t>((*it)->sample().value), payload_nan);
  EXPECT_EQ(One("SELECT raw_bits(1.5)"), std::to_string(std::bit_cast<int64_t>(1.5)));
  EXPECT_EQ(One("SELECT raw_bits('stale') = raw FROM samples"), "0");
}

TEST_F(SqlTest, TimeRangeConstraints) {
  WriteBatch b;
  for (int64_t t = 0; t <= 100; t += 10) b.Add({{"__name__", "m"}}, t, static_cast<double>(t));
  ASSERT_TRUE(db()->Write(b).ok());
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts BETWEEN 20 AND 50"), "4");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts > 20 AND ts < 50"), "2");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts >= 20 AND ts <= 50"), "4");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts = 30"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts = 35"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts > 19.5 AND ts < 50.5"), "4");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts = 30.0"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts > NULL"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts > 9223372036854775807"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts < -9223372036854775808"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE ts > 80 AND ts < 20"), "0");
  EXPECT_EQ(One("SELECT group_concat(ts) FROM samples WHERE ts >= 90"), "90,100");
}

TEST_F(SqlTest, SeriesAndTimeRangeQueryReadsOnlyThatRange) {
  WriteBatch b;
  for (int s = 0; s < 20; ++s) {
    for (int64_t t = 0; t < 36000; ++t) b.Add({{"__name__", "m"}, {"s", std::to_string(s)}}, t * 1000, 1.0);
  }
  ASSERT_TRUE(db()->Write(b).ok());
  std::string id = One(R"(SELECT series_id FROM series WHERE selector = 'm{s="7"}')");
  uint64_t before = db()->GetStats().samples_scanned;
  EXPECT_EQ(
      One("SELECT count(*) FROM samples WHERE series_id = " + id + " AND ts >= 3600000 AND ts < 7200000"),
      "3600");
  EXPECT_EQ(db()->GetStats().samples_scanned - before, 3600u);

  before = db()->GetStats().samples_scanned;
  EXPECT_EQ(One(R"(SELECT count(*) FROM samples WHERE selector = 'm{s=~"1|2"}' AND ts BETWEEN 0 AND 9000)"),
            "20");
  EXPECT_EQ(db()->GetStats().samples_scanned - before, 20u);

  before = db()->GetStats().samples_scanned;
  EXPECT_EQ(One(R"(SELECT count(*) FROM samples s JOIN series USING (series_id)
                   WHERE series.labels = '{"s":"3"}' AND s.ts < 5000)"),
            "5");
  EXPECT_LE(db()->GetStats().samples_scanned - before, 20u * 5);
}

TEST_F(SqlTest, MetricAndSelectorPushdown) {
  Query(R"(INSERT INTO samples(metric, labels, ts, value) VALUES
           ('up', '{"job":"api"}', 1, 1), ('up', '{"job":"db"}', 1, 0), ('down', '{"job":"api"}', 1, 1))");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE metric = 'up'"), "2");
  EXPECT_EQ(One(R"(SELECT count(*) FROM samples WHERE selector = '{job="api"}')"), "2");
  EXPECT_EQ(One(R"(SELECT count(*) FROM samples WHERE metric = 'up' AND selector = '{job="api"}')"), "1");
  EXPECT_EQ(One(R"(SELECT count(*) FROM series WHERE selector = '{__name__=~"up|down"}')"), "3");
  EXPECT_EQ(One("SELECT count(*) FROM series WHERE series_id IN (1, 3)"), "2");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE series_id IN (1, 3, 99)"), "2");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE series_id = 2 AND metric = 'down'"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE metric = 'nope'"), "0");
  std::string err = Run(R"(SELECT * FROM samples WHERE selector = 'up{job=')");
  EXPECT_NE(err.find("selector"), std::string::npos) << err;
}

TEST_F(SqlTest, OrderByIsHonoured) {
  Query(
      R"(INSERT INTO samples(metric, ts, value) VALUES ('b', 2, 1), ('a', 3, 1), ('b', 1, 1), ('a', 1, 1))");
  EXPECT_EQ(Query("SELECT series_id, ts FROM samples ORDER BY series_id, ts"),
            (std::vector<Row>{{"1", "1"}, {"1", "2"}, {"2", "1"}, {"2", "3"}}));
  EXPECT_EQ(Query("SELECT metric, ts FROM samples ORDER BY ts DESC, metric LIMIT 2"),
            (std::vector<Row>{{"a", "3"}, {"b", "2"}}));
}

TEST_F(SqlTest, BadInsertsGetClearErrorsAndWriteNothing) {
  EXPECT_NE(Run(R"(INSERT INTO samples(metric, labels, ts, value) VALUES ('m', '{bad', 1, 1))").find("JSON"),
            std::string::npos);
  EXPECT_NE(
      Run(R"(INSERT INTO samples(metric, labels, ts, value) VALUES ('m', '{"a-b":"x"}', 1, 1))").find("a-b"),
      std::string::npos);
  EXPECT_NE(
      Run(R"(INSERT INTO samples(metric, labels, ts, value) VALUES ('m', '{"a":1}', 1, 1))").find("string"),
      std::string::npos);
  EXPECT_NE(Run("INSERT INTO samples(metric, ts, value) VALUES ('m', 1, NULL)").find("NULL"),
            std::string::npos);
  EXPECT_NE(Run("INSERT INTO samples(metric, ts, value) VALUES ('m', 1, 'abc')").find("abc"),
            std::string::npos);
  EXPECT_NE(Run("INSERT INTO samples(metric, ts, value) VALUES ('m', 1.5, 1)").find("ts"), std::string::npos);
  EXPECT_NE(Run("INSERT INTO samples(metric, ts, value) VALUES ('9m', 1, 1)").find("metric name"),
            std::string::npos);
  EXPECT_NE(Run("INSERT INTO samples(ts, value) VALUES (1, 1)").find("metric"), std::string::npos);
  // A statement that fails half way writes none of its rows.
  EXPECT_NE(Run("INSERT INTO samples(metric, ts, value) VALUES ('ok', 1, 1), ('ok', 2, 'bad')"), "");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "0");
  EXPECT_EQ(db()->GetStats().series, 0u);
}

TEST_F(SqlTest, UpdateAndDeleteAreRefusedWithAHint) {
  Query("INSERT INTO samples(metric, ts, value) VALUES ('m', 1, 1)");
  EXPECT_NE(Run("DELETE FROM samples WHERE ts = 1").find("delete_samples"), std::string::npos);
  EXPECT_NE(Run("UPDATE samples SET value = 2").find("INSERT only"), std::string::npos);
  EXPECT_NE(Run("INSERT INTO series(metric) VALUES ('x')"), "");
  EXPECT_EQ(One("SELECT value FROM samples"), "1.0");
}

// Each message names what is wrong and what was expected; none writes.
TEST_F(SqlTest, BadArgumentsNameWhatIsWrong) {
  Query("INSERT INTO samples(metric, ts, value) VALUES ('m', 1, 1)");
  const std::pair<const char*, const char*> cases[] = {
      {"UPDATE series SET metric = 'x'", "table series may not be modified"},
      {"DELETE FROM series", "table series may not be modified"},
      {"INSERT INTO samples(metric, ts, value) VALUES ('m', 2, x'00')", "value must be a number, not a BLOB"},
      {"INSERT INTO samples(metric, ts, value) VALUES ('m', 'abc', 1)",
       "ts must be an integer number of milliseconds"},
      {R"(INSERT INTO samples(metric, labels, ts, value) VALUES ('m', '{"__name__":"n"}', 2, 1))",
       "metric 'm' disagrees with labels.__name__ 'n'"},
      {R"(SELECT * FROM samples WHERE selector = 'up{job=~"("}')",
       R"(invalid regular expression in job=~"(": missing ): ^(?:()$)"},
      {R"(SELECT * FROM samples WHERE selector = '{job=~".*"}')",
       "selector must contain at least one matcher that does not match the empty string"},
      {"SELECT * FROM over_time('avg', 'm', 1000, 0, 1000, 60000)", "start must not be after end"},
      {"SELECT * FROM over_time('avg', 'm', 0, 100000000, 1, 60000)",
       "too many evaluation steps: more than 11000 points per series; use a larger step"},
      {"SELECT * FROM over_time('avg', 'm', 'a', 1, 1, 1)",
       "over_time: start must be an integer (milliseconds)"},
      {"SELECT value_kind('x')", "expects the raw INTEGER bits of a value (the samples.raw column)"},
      {"SELECT raw_bits('abc')",
       "value 'abc' is not a number (use a number, 'NaN', '+Inf', '-Inf' or 'stale')"},
      {"SELECT * FROM range_function('nope', 'm', 0, 1, 1, 1)",
       "unknown range function 'nope'; known: rate, increase, delta, irate, idelta, resets, changes, deriv, "
       "predict_linear, double_exponential_smoothing, holt_winters"},
      {"SELECT * FROM range_function('double_exponential_smoothing', 'm', 0, 1, 1, 1, 0, 0.5)",
       "double_exponential_smoothing needs 2 numeric param(s)"},
      {"SELECT * FROM range_function('rate', 'm', 0, 1, 1, 1, 0, 0.5)", "rate takes 0 param(s)"},
  };
  for (const auto& [sql, message] : cases) EXPECT_EQ(Run(sql), message) << sql;
  EXPECT_EQ(Query("SELECT ts, value FROM samples"), (std::vector<Row>{{"1", "1.0"}}));
}

// `overtone serve` and `import` write the engine alone, with no user.db:
// SqlSession::Open read-only opens such a directory with an empty `main`,
// and writes nothing.
TEST(SqlReadOnlyTest, DirectoryWithoutUserDb) {
  testing::TempDir dir;
  {
    auto db = Database::Open(Options{}, dir.path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Append({{"__name__", "x"}}, 5, 0.5).ok());
  }
  Options ro;
  ro.read_only = true;
  auto session = SqlSession::Open(ro, dir.path());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  sqlite3* conn = (*session)->conn();
  {
    auto stmt = sql::Statement::Prepare(conn, "SELECT count(*) FROM samples");
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    ASSERT_EQ(stmt->Step(), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(stmt->get(), 0), 1);
  }
  EXPECT_NE(sqlite3_exec(conn, "CREATE TABLE t(a)", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_STREQ(sqlite3_errmsg(conn), "attempt to write a readonly database");
  EXPECT_NE(sqlite3_exec(conn, "INSERT INTO samples(metric, ts, value) VALUES ('x', 6, 1)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(conn, "SELECT delete_series('x')", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_STREQ(sqlite3_errmsg(conn), "the database is open read-only");
  session->reset();
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/user.db"));
}

TEST_F(SqlTest, TransactionsCommitAndRollBack) {
  Query("BEGIN; INSERT INTO samples(metric, ts, value) VALUES ('t', 1, 1); ROLLBACK;");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "0");
  Query(
      "BEGIN; INSERT INTO samples(metric, ts, value) VALUES ('t', 1, 1); "
      "INSERT INTO samples(metric, ts, value) VALUES ('t', 2, 2); COMMIT;");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "2");
}

TEST_F(SqlTest, InsertSelectCopiesBetweenSeriesAndByIdWorks) {
  Query("INSERT INTO samples(metric, ts, value) VALUES ('src', 1, 1), ('src', 2, 2)");
  Query(
      "INSERT INTO samples(metric, labels, ts, value) SELECT 'dst', '{\"from\":\"src\"}', ts, value * 10 "
      "FROM samples WHERE metric = 'src'");
  EXPECT_EQ(One("SELECT sum(value) FROM samples WHERE metric = 'dst'"), "30.0");
  Query("INSERT INTO samples(series_id, ts, value) VALUES (1, 3, 3)");
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE series_id = 1"), "3");
  EXPECT_NE(Run("INSERT INTO samples(series_id, ts, value) VALUES (42, 3, 3)"), "");
}

TEST_F(SqlTest, DeleteFunctions) {
  Query(R"(INSERT INTO samples(metric, labels, ts, value) VALUES
           ('m', '{"a":"1"}', 1, 1), ('m', '{"a":"1"}', 2, 2), ('m', '{"a":"1"}', 3, 3), ('m', '{"a":"2"}', 1, 1))");
  EXPECT_EQ(One(R"(SELECT delete_samples('m{a="1"}', 2, 3))"), "1");
  EXPECT_EQ(One("SELECT group_concat(ts) FROM samples WHERE metric = 'm' AND labels = '{\"a\":\"1\"}'"), "1");
  EXPECT_EQ(One(R"(SELECT delete_series('{a="2"}'))"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM series"), "1");
  EXPECT_NE(Run("SELECT delete_series(42)"), "");
  EXPECT_NE(Run("SELECT delete_samples('m', 'x', 2)"), "");
}

TEST_F(SqlTest, UserTablesPersistAndJoinWithMetrics) {
  Query(R"(CREATE TABLE hosts(name TEXT PRIMARY KEY, owner TEXT);
           INSERT INTO hosts VALUES ('h1', 'alice'), ('h2', 'bob');
           INSERT INTO samples(metric, labels, ts, value) VALUES
             ('cpu', '{"instance":"h1"}', 1, 10), ('cpu', '{"instance":"h2"}', 1, 20);)");
  Reopen();
  EXPECT_EQ(Query(R"(SELECT h.owner, s.value FROM samples s
                     JOIN hosts h ON h.name = json_extract(s.labels, '$.instance')
                     WHERE s.metric = 'cpu' ORDER BY h.owner)"),
            (std::vector<Row>{{"alice", "10.0"}, {"bob", "20.0"}}));
}

TEST(SqlAttachTest, RegistersOnAnyConnection) {
  testing::TempDir dir;
  auto db = Database::Open(Options{}, dir.path() + "/db");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Append({{"__name__", "x"}}, 5, 0.5).ok());
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &conn), SQLITE_OK);
  ASSERT_TRUE(RegisterSql(conn, db->get()).ok());
  {
    auto stmt = sql::Statement::Prepare(conn, "SELECT ts, value FROM samples");
    ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
    ASSERT_EQ(stmt->Step(), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(stmt->get(), 0), 5);
    EXPECT_EQ(sqlite3_column_double(stmt->get(), 1), 0.5);
  }
  sqlite3_close(conn);
  EXPECT_TRUE(RegisterSql(nullptr, db->get()).IsInvalidArgument());
}

// The metadata table: one row per family, sorted, read-only.
TEST_F(SqlTest, MetadataTableListsFamilies) {
  std::vector<MetricMetadata> entries = {{"up", "gauge", "Target up.", ""},
                                         {"a_seconds", "histogram", "A.", "seconds"}};
  ASSERT_TRUE(db()->PutMetadata(entries).ok());
  EXPECT_EQ(
      Query("SELECT metric, type, help, unit FROM metadata"),
      (std::vector<Row>{{"a_seconds", "histogram", "A.", "seconds"}, {"up", "gauge", "Target up.", ""}}));
  EXPECT_EQ(One("SELECT help FROM metadata WHERE type = 'gauge'"), "Target up.");
  EXPECT_NE(Run("DELETE FROM metadata"), "");
}

}  // namespace
}  // namespace overtone

namespace overtone {
namespace {

TEST_F(SqlTest, SegmentsTableShowsSealedData) {
  WriteBatch b;
  for (int s = 0; s < 3; ++s) {
    for (int64_t i = 0; i < 960; ++i) {  // 4 hours at 15 s
      b.Add({{"__name__", "cpu"}, {"host", "h" + std::to_string(s)}}, i * 15000,
            std::round(std::sin(i / 30.0) * 1000 + s) / 100);
    }
  }
  ASSERT_TRUE(db()->Write(b).ok());
  EXPECT_EQ(One("SELECT count(*) FROM segments"), "0");
  EXPECT_EQ(One("SELECT compact(4 * 3600 * 1000)"), "0");  // the 6-hour window is still open
  EXPECT_EQ(One("SELECT compact(6 * 3600 * 1000)"), "2880");
  EXPECT_EQ(One("SELECT count(*) FROM segments"), "3");
  EXPECT_EQ(One("SELECT sum(samples) FROM segments"), "2880");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "2880");
  EXPECT_EQ(One("SELECT group_concat(DISTINCT codec) FROM segments"), "flac");
  EXPECT_EQ(
      Query(R"(SELECT "start", "end", samples FROM segments WHERE selector = 'cpu{host="h1"}' ORDER BY 1)"),
      (std::vector<Row>{{"0", "14385000", "960"}}));
  EXPECT_EQ(One("SELECT count(*) FROM segments WHERE series_id = 1 AND metric = 'cpu'"), "1");
  EXPECT_EQ(One("SELECT bytes_per_sample < 2 FROM segments LIMIT 1"), "1");
  EXPECT_EQ(One("SELECT sum(bytes) = sum(bytes_per_sample * samples) FROM segments"), "1");
  EXPECT_NE(Run("SELECT compact('soon')"), "");
}

}  // namespace
}  // namespace overtone

namespace overtone {
namespace {

TEST_F(SqlTest, OverTimeTableFunction) {
  WriteBatch b;
  for (int i = 0; i < 10; ++i) {
    b.Add({{"__name__", "m"}, {"h", "a"}}, i * 1000, i);
    b.Add({{"__name__", "m"}, {"h", "b"}}, i * 1000, 10 * i);
  }
  ASSERT_TRUE(db()->Write(b).ok());
  EXPECT_EQ(
      Query(
          "SELECT labels, ts, value FROM over_time('avg', 'm', 5000, 9000, 4000, 5000) ORDER BY labels, ts"),
      (std::vector<Row>{{R"({"h":"a"})", "5000", "3.0"},
                        {R"({"h":"a"})", "9000", "7.0"},
                        {R"({"h":"b"})", "5000", "30.0"},
                        {R"({"h":"b"})", "9000", "70.0"}}));
  EXPECT_EQ(
      One(R"(SELECT value FROM over_time('quantile_over_time', 'm{h="a"}', 9000, 9000, 1, 10000, 0.5))"),
      "4.5");
  EXPECT_EQ(One("SELECT count(*) FROM over_time('max', 'm', 0, 9000, 1000, 1000)"), "20");
  // Joins with the catalog and the user's own tables work like any table.
  EXPECT_EQ(One("SELECT sum(o.value) FROM series s, over_time('last', 'm', 9000, 9000, 1, 1000) o "
                "WHERE o.series_id = s.series_id AND s.labels = '{\"h\":\"b\"}'"),
            "90.0");
  EXPECT_NE(Run("SELECT * FROM over_time('median', 'm', 0, 1, 1, 1)").find("unknown function"),
            std::string::npos);
  EXPECT_NE(Run("SELECT * FROM over_time('avg', 'm', 0, 1, 1)").find("range is missing"), std::string::npos);
  EXPECT_NE(Run("SELECT * FROM over_time('quantile', 'm', 0, 1, 1, 1)").find("param"), std::string::npos);
  EXPECT_NE(Run("SELECT * FROM over_time('avg', 'm', 0, 1, 0, 1)").find("step"), std::string::npos);
  EXPECT_NE(Run("SELECT * FROM over_time('avg', 'm{', 0, 1, 1, 1)").find("selector"), std::string::npos);
}

TEST_F(SqlTest, TableFunctionsHaveTheFullLabelsetHidden) {
  WriteBatch b;
  for (int i = 0; i < 10; ++i) {
    b.Add({{"__name__", "m"}, {"h", "a\"b"}, {"z", "1"}}, i * 1000, i);
    b.Add({{"__name__", "m"}, {"a", "x"}}, i * 1000, i);
  }
  ASSERT_TRUE(db()->Write(b).ok());
  for (const char* call :
       {"instant_vector('m', 0, 9000, 1000)", "range_function('rate', 'm', 5000, 9000, 1000, 5000)",
        "over_time('avg', 'm', 5000, 9000, 1000, 5000)"}) {
    SCOPED_TRACE(call);
    EXPECT_EQ(One(std::string("SELECT count(*) FROM ") + call + " WHERE labelset = labelset(metric, labels)"),
              One(std::string("SELECT count(*) FROM ") + call));
    EXPECT_EQ(One(std::string("SELECT count(DISTINCT labelset) FROM ") + call), "2");
  }
  EXPECT_EQ(One("SELECT min(labelset) FROM instant_vector('m', 0, 0, 1)"), R"({"__name__":"m","a":"x"})");
}

}  // namespace
}  // namespace overtone

namespace overtone {
namespace {

TEST_F(SqlTest, SketchesViewAndApproximateQuantiles) {
  WriteBatch b;
  for (int64_t i = 0; i < 5760; ++i) b.Add({{"__name__", "lat"}}, i * 15000, static_cast<double>(i % 1000));
  ASSERT_TRUE(db()->Write(b).ok());
  ASSERT_EQ(One("SELECT compact(24 * 3600 * 1000)"), "5760");
  EXPECT_EQ(One("SELECT count(*) FROM sketches"), "4");
  EXPECT_EQ(One("SELECT min(quantile_points) FROM sketches"), "101");
  EXPECT_EQ(One("SELECT sum(samples) FROM sketches"), "5760");
  EXPECT_EQ(One("SELECT sum(summary_bytes) > 0 AND sum(summary_bytes) < sum(segment_bytes) FROM sketches"),
            "1");
  auto exact = Query(
      "SELECT value, rank_error FROM over_time('quantile', 'lat', 86400000, 86400000, 1, 86400000, 0.5)");
  auto approx = Query(
      "SELECT value, rank_error FROM over_time('quantile', 'lat', 86400000, 86400000, 1, 86400000, 0.5, 1)");
  ASSERT_EQ(exact.size(), 1u);
  ASSERT_EQ(approx.size(), 1u);
  EXPECT_EQ(exact[0][1], "0.0");
  EXPECT_EQ(approx[0][1], "0.01");
  EXPECT_NEAR(std::stod(approx[0][0]), std::stod(exact[0][0]), 0.01 * 1000 + 1);
  EXPECT_EQ(One("SELECT value FROM over_time('avg', 'lat', 86400000, 86400000, 1, 86400000, NULL, 1)"),
            One("SELECT avg(value) FROM samples WHERE ts > 0 AND ts <= 86400000"));
  EXPECT_NE(Run("SELECT * FROM over_time('avg', 'lat', 0, 1, 1, 1, NULL, 2)").find("approx"),
            std::string::npos);
}

}  // namespace
}  // namespace overtone
