// MonitorScheduler over a real database: samples written and read back,
// the exact Loki and webhook bodies at a local receiver, and the failures
// (bad SQL, the time limit, writes on the read-only connection, bad rows)
// counted in the `monitors` table and /metrics without stopping anything.

#include "adapters/monitors/monitor_scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "adapters/http/query_plan.h"
#include "adapters/http/query_run.h"
#include "tests/support/http_receiver.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kRunMs = 1714564800000;  // the injected clock

class MonitorSchedulerTest : public testing::DatabaseTest {
 protected:
  // A scheduler of the monitors in `yaml` (the list under `monitors:`).
  std::unique_ptr<MonitorScheduler> Make(const std::string& yaml) {
    auto specs = ParseMonitors("monitors:\n" + yaml, "test.yml");
    EXPECT_TRUE(specs.ok()) << specs.status().ToString();
    SchedulerOptions o = DefaultSchedulerOptions();
    o.now_ms = [] { return kRunMs; };
    o.sender.first_backoff_ms = 10;
    o.sender.max_attempts = 2;
    auto s = MonitorScheduler::Create(db_.get(), std::move(*specs), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }
  // `sql` on a read-only query connection that has the `monitors` table.
  SqlTable Query(MonitorScheduler* s, const std::string& sql) {
    QueryApiOptions options;
    options.sql_tables.push_back([s](sqlite3* conn) { return s->RegisterTable(conn); });
    auto plan = PlanSql(db_.get(), SqlRequest{sql, false, 10000}, options);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    auto table = RunSql(&*plan);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? *table : SqlTable{};
  }
};

TEST_F(MonitorSchedulerTest, SamplesOutputWritesWhatAQueryReadsBack) {
  WriteBatch b;
  b.Add({{"__name__", "up"}, {"job", "node"}}, 1000, 1);
  b.Add({{"__name__", "up"}, {"job", "api"}}, 1000, 0);
  b.Add({{"__name__", "up"}, {"job", "db"}}, 1000, 1);
  ASSERT_TRUE(db_->Write(b).ok());
  auto s = Make(R"(  - name: up_count
    every: 1m
    sql: SELECT 'up_series' AS metric, count(*) AS value, 'overtone' AS source FROM series WHERE metric = 'up'
    output: samples
  - name: with_ts
    every: 1m
    sql: SELECT 'fixed' AS metric, 2.5 AS value, 5000 AS ts
    output: samples
)");
  s->RunNow(0);
  s->RunNow(1);
  EXPECT_EQ(ReadSeries({{"__name__", "up_series"}, {"source", "overtone"}}),
            (std::vector<Sample>{{kRunMs, 3}}));
  EXPECT_EQ(ReadSeries({{"__name__", "fixed"}}), (std::vector<Sample>{{5000, 2.5}}));
  SqlTable t =
      Query(s.get(),
            "SELECT name, every, output, last_run, last_rows, last_error, runs, failures, samples_written "
            "FROM monitors ORDER BY name");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0],
            (std::vector<SqlValue>{std::string("up_count"), std::string("1m"), std::string("samples"), kRunMs,
                                   int64_t{1}, std::monostate{}, int64_t{1}, int64_t{0}, int64_t{1}}));
}

TEST_F(MonitorSchedulerTest, AMonitorCanWatchTheMonitorsTable) {
  auto s = Make(R"(  - name: broken
    every: 1m
    sql: SELECT x FROM nowhere
    output: samples
  - name: watcher
    every: 1m
    sql: SELECT 'monitor_failures' AS metric, failures AS value, name AS monitor FROM monitors WHERE failures > 0
    output: samples
)");
  s->RunNow(0);
  s->RunNow(0);
  s->RunNow(1);
  EXPECT_EQ(ReadSeries({{"__name__", "monitor_failures"}, {"monitor", "broken"}}),
            (std::vector<Sample>{{kRunMs, 2}}));
  EXPECT_EQ(s->Snapshot()[1].failures, 0u);
}

TEST_F(MonitorSchedulerTest, LokiOutputSendsTheExactPushJson) {
  testing::HttpReceiver loki;
  auto s = Make(R"(  - name: report
    every: 1m
    sql: SELECT 'flac' AS codec, 1234 AS bytes, 'two words' AS note UNION ALL SELECT 'xor', 10, NULL
    output: loki )" +
                loki.Url() +
                R"(
    labels: {job: overtone}
)");
  s->RunNow(0);
  ASSERT_TRUE(loki.WaitFor(1));
  testing::HttpReceiver::Request r = loki.Requests()[0];
  EXPECT_EQ(r.path, "/loki/api/v1/push");
  EXPECT_EQ(r.headers.find("Content-Type")->second, "application/json");
  EXPECT_EQ(r.body, R"({"streams":[{"stream":{"job":"overtone","monitor":"report"},"values":[)"
                    R"(["1714564800000000000","codec=flac bytes=1234 note=\"two words\""],)"
                    R"(["1714564800000000000","codec=xor bytes=10 note=null"]]}]})");
  auto until = Clock::now() + std::chrono::seconds(10);
  while (s->Snapshot()[0].output_counters.sent == 0 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(s->Snapshot()[0].output_counters.sent, 1u);
}

TEST_F(MonitorSchedulerTest, WebhookOutputPostsTheRows) {
  testing::HttpReceiver hook;
  auto s = Make(R"(  - name: hook
    every: 1m
    sql: SELECT 'a' AS name, 1 AS n UNION ALL SELECT 'b', 2.5
    output: webhook )" +
                hook.Url("/rows") + "\n");
  s->RunNow(0);
  ASSERT_TRUE(hook.WaitFor(1));
  EXPECT_EQ(hook.Requests()[0].path, "/rows");
  EXPECT_EQ(hook.Requests()[0].body, R"([{"name":"a","n":1},{"name":"b","n":2.5}])");
  EXPECT_EQ(hook.Requests()[0].headers.find("X-Overtone-Monitor")->second, "hook");
}

TEST_F(MonitorSchedulerTest, FailuresAreCountedAndShownNeverFatal) {
  auto s = Make(R"(  - name: bad_sql
    every: 1m
    sql: SELECT x FROM nowhere
    output: samples
  - name: slow
    every: 1m
    timeout: 200ms
    sql: WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c
    output: samples
  - name: writes
    every: 1m
    sql: DELETE FROM samples
    output: samples
  - name: deletes_series
    every: 1m
    sql: SELECT delete_series('{job="x"}') AS n
    output: samples
  - name: bad_rows
    every: 1m
    sql: SELECT 'm' AS metric, 1 AS value UNION ALL SELECT 'm', 'high'
    output: samples
  - name: no_value
    every: 1m
    sql: SELECT 'm' AS metric
    output: samples
)");
  Clock::time_point t0 = Clock::now();
  for (size_t i = 0; i < 6; ++i) s->RunNow(i);
  s->RunNow(1);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));  // the time limit held twice
  SqlTable t = Query(s.get(), "SELECT name, runs, failures, bad_rows, last_error FROM monitors");
  ASSERT_EQ(t.rows.size(), 6u);
  auto row = [&](size_t i) { return t.rows[i]; };
  EXPECT_EQ(row(0)[2], SqlValue(int64_t{1}));
  EXPECT_EQ(std::get<std::string>(row(0)[4]), "no such table: nowhere");
  EXPECT_EQ(row(1)[1], SqlValue(int64_t{2}));
  EXPECT_EQ(row(1)[2], SqlValue(int64_t{2}));
  EXPECT_EQ(std::get<std::string>(row(1)[4]), "stopped at the time limit of 200 ms");
  EXPECT_EQ(std::get<std::string>(row(2)[4]), "read-only: only SELECT statements are allowed");
  EXPECT_EQ(std::get<std::string>(row(3)[4]), "not authorized to use function: delete_series");
  EXPECT_EQ(row(4)[2], SqlValue(int64_t{0}));  // the good row was written
  EXPECT_EQ(row(4)[3], SqlValue(int64_t{1}));
  EXPECT_EQ(std::get<std::string>(row(4)[4]), "1 of 2 rows skipped; row 2: `value` is not a number");
  EXPECT_EQ(std::get<std::string>(row(5)[4]), "output `samples` needs the columns `metric` and `value`");
  EXPECT_EQ(ReadSeries({{"__name__", "m"}}), (std::vector<Sample>{{kRunMs, 1}}));

  std::string metrics = s->RenderMetrics();
  EXPECT_NE(metrics.find("overtone_monitor_failures_total{monitor=\"slow\"} 2\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("overtone_monitor_bad_rows_total{monitor=\"bad_rows\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("# TYPE overtone_monitor_runs_total counter\n"), std::string::npos);
}

// The example file that ships with overtone loads, and each of its monitors
// runs without a failure and writes what it says.
TEST_F(MonitorSchedulerTest, ExampleFileRunsCleanly) {
  WriteBatch b;
  for (int i = 0; i < 300; ++i) b.Add({{"__name__", "up"}, {"job", "node"}}, i * 15000, 1);
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(kMaxTime).ok());
  auto specs = LoadMonitors(std::string(OVERTONE_SOURCE_DIR) + "/examples/monitors/overtone.yml");
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  ASSERT_EQ(specs->size(), 3u);
  auto s = MonitorScheduler::Create(db_.get(), std::move(*specs));
  ASSERT_TRUE(s.ok());
  for (size_t i = 0; i < 3; ++i) (*s)->RunNow(i);
  for (const MonitorStatus& st : (*s)->Snapshot()) {
    EXPECT_EQ(st.failures, 0u) << st.name << ": " << st.last_error;
    EXPECT_GT(st.samples_written, 0u) << st.name;
  }
  auto id = db_->FindSeries({{"__name__", "overtone_metric_series"}, {"name", "up"}});
  EXPECT_TRUE(id.ok());
}

TEST_F(MonitorSchedulerTest, StopInterruptsARunningQuery) {
  auto s = Make(R"(  - name: endless
    every: 1h
    timeout: 1h
    sql: WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c
    output: samples
)");
  s->Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // well into the query
  Clock::time_point t0 = Clock::now();
  s->Stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(s->Snapshot()[0].failures, 1u);
  EXPECT_EQ(s->Snapshot()[0].last_error, "interrupted");
}

TEST_F(MonitorSchedulerTest, RunsOnItsScheduleUntilStopped) {
  auto s = Make(R"(  - name: tick
    every: 100ms
    sql: SELECT 'ticks' AS metric, 1 AS value, (SELECT count(*) FROM samples) AS seen
    output: samples
  - name: never_yet
    every: 1h
    sql: SELECT 1
    output: webhook http://127.0.0.1:9/
)");
  s->Start();
  auto until = Clock::now() + std::chrono::seconds(20);
  while (s->Snapshot()[0].runs < 4 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  s->Stop();
  std::vector<MonitorStatus> st = s->Snapshot();
  EXPECT_GE(st[0].runs, 4u);
  EXPECT_EQ(st[1].runs, 1u);  // first run at start, the next an hour later
  uint64_t runs = st[0].runs;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(s->Snapshot()[0].runs, runs);  // stopped
}

}  // namespace
}  // namespace overtone::adapters
