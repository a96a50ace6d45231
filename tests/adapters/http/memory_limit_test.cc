// The server under one memory limit (Options::memory_limit_bytes, as
// `overtone serve --memory-limit` opens it): remote write drives the series
// index past its share and is answered 429 with Retry-After, never losing
// an acknowledged sample; a body that could never fit is answered 413; a
// query past its working-memory limit gets Prometheus's error; once the
// compactor has turned idle series cold, writes are accepted again. SQLite's
// own heap is bounded by its share: a large sort spills and answers, a
// value SQLite builds past the share is the memory error. A remote read
// whose series list does not fit is refused clearly and the server serves on.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "adapters/http/server.h"
#include "adapters/prometheus/snappy_block.h"
#include "overtone/sql.h"
#include "sql/sqlite_heap.h"
#include "tests/support/http_expect.h"
#include "tests/support/http_test_client.h"
#include "tests/support/prom_requests.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::AddSeries;
using testing::ExpectResponse;
using testing::HttpHeaders;
using testing::HttpResponse;
using testing::LabelList;

const HttpHeaders kV1Headers = {{"Content-Type", "application/x-protobuf"},
                                {"Content-Encoding", "snappy"},
                                {"X-Prometheus-Remote-Write-Version", "0.1.0"}};

constexpr size_t kLimit = 32u << 20;  // the smallest: an 8 MiB index share
constexpr int kSeriesPerRequest = 2000;
constexpr int64_t kTs = 1700000000000;

LabelList SeriesLabels(int n) {
  return {{"__name__", "churn_metric"},
          {"instance", "host-" + std::to_string(n) + ".example.org:9100"},
          {"job", "memory-limit-test"}};
}
Labels ToLabels(const LabelList& l) {
  Labels out;
  for (const auto& [n, v] : l) out.push_back({n, v});
  return out;
}

class MemoryLimitServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o = testing::TestDatabaseOptions();
    o.memory_limit_bytes = kLimit;
    auto db = Database::Open(o, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    so.threads = 4;
    server_ = std::make_unique<HttpServer>(db_.get(), so);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  // Writes series first .. first + kSeriesPerRequest - 1, one sample each.
  HttpResponse WriteSeries(int first) {
    prometheus::WriteRequest req;
    for (int n = first; n < first + kSeriesPerRequest; ++n)
      AddSeries(&req, SeriesLabels(n), {{kTs, double(n)}});
    return ExpectResponse(server_->port(), "POST", "/api/v1/write", kV1Headers,
                          SnappyCompress(req.SerializeAsString()));
  }
  HttpResponse Get(const std::string& path) { return ExpectResponse(server_->port(), "GET", path, {}); }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(MemoryLimitServerTest, IngestBacksOffQueriesFailClearlyAndNothingAcknowledgedIsLost) {
  // The server's request budget is the requests share of the limit.
  EXPECT_EQ(server_->memory_budget(), &db_->memory()->requests());
  EXPECT_EQ(server_->memory_budget()->limit(), kLimit / 4);

  // New series until the index passes its share: then 429 with Retry-After.
  int acknowledged = 0;
  HttpResponse refused;
  for (int r = 0; r < 100 && refused.status == 0; ++r) {
    HttpResponse w = WriteSeries(acknowledged);
    if (w.status == 204) {
      acknowledged += kSeriesPerRequest;
    } else {
      refused = w;
    }
  }
  ASSERT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.header("Retry-After"), "5");
  EXPECT_NE(refused.body.find("memory limit"), std::string::npos) << refused.body;
  EXPECT_TRUE(db_->memory()->under_pressure());
  EXPECT_GT(acknowledged, 20000);
  // Refused means nothing stored: the refused request's first series is unknown.
  EXPECT_FALSE(db_->FindSeries(ToLabels(SeriesLabels(acknowledged))).ok());

  // A body that could never fit the request budget is 413, not 429, even now.
  std::string huge(kLimit / 4 + 1, 'x');
  EXPECT_EQ(ExpectResponse(server_->port(), "POST", "/api/v1/write", kV1Headers, huge).status, 413);

  // A query over every series passes the queries share (4 MiB): Prometheus's error, 422.
  HttpResponse q = Get("/api/v1/query?query=churn_metric&time=" + std::to_string(kTs / 1000));
  EXPECT_EQ(q.status, 422) << q.body.substr(0, 300);
  EXPECT_NE(q.body.find("\"errorType\":\"execution\""), std::string::npos) << q.body.substr(0, 300);
  EXPECT_NE(q.body.find("query processing would load too many samples into memory"), std::string::npos)
      << q.body.substr(0, 300);
  HttpResponse sql =
      ExpectResponse(server_->port(), "POST", "/api/v1/sql", {{"Content-Type", "application/sql"}},
                     "SELECT series_id, metric, labels, ts, value FROM samples");
  EXPECT_EQ(sql.status, 422) << sql.body.substr(0, 300);
  EXPECT_NE(sql.body.find("too many samples"), std::string::npos) << sql.body.substr(0, 300);
  // A query that fits still runs, and gives its memory back.
  HttpResponse small =
      Get("/api/v1/query?query=churn_metric%7Binstance%3D%22host-3.example.org%3A9100%22%7D&time=" +
          std::to_string(kTs / 1000));
  EXPECT_EQ(small.status, 200) << small.body;
  EXPECT_NE(small.body.find("\"3\""), std::string::npos) << small.body;
  EXPECT_EQ(db_->memory()->queries().in_use(), 0u);

  // Every acknowledged sample is there.
  auto all = db_->Select(std::vector<LabelMatcher>{{MatchType::kEqual, "__name__", "churn_metric"}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(acknowledged));
  for (int n = 0; n < acknowledged; n += 997) {
    EXPECT_EQ(testing::ReadSeries(db_.get(), ToLabels(SeriesLabels(n))),
              (std::vector<Sample>{{kTs, double(n)}}))
        << "series " << n;
  }
  uint64_t samples = 0;
  for (const SeriesInfo& s : *all) {
    auto it = db_->Scan(s.id, kMinTime, kMaxTime);
    ASSERT_TRUE(it.ok());
    for (; (*it)->Valid(); (*it)->Next()) ++samples;
  }
  EXPECT_EQ(samples, static_cast<uint64_t>(acknowledged));

  // Two compaction runs with no writes between: every series goes cold, the
  // pressure passes, and the refused request, sent again, is taken.
  ASSERT_TRUE(db_->Compact(0).ok());
  ASSERT_TRUE(db_->Compact(0).ok());
  EXPECT_FALSE(db_->memory()->under_pressure());
  EXPECT_EQ(WriteSeries(acknowledged).status, 204);
  EXPECT_EQ(testing::ReadSeries(db_.get(), ToLabels(SeriesLabels(0))), (std::vector<Sample>{{kTs, 0}}));
}

// SQLite's heap is bounded by its share (2 MiB of 32 MiB): a sort of 10 MB
// spills to temporary files and answers; a string SQLite builds in memory
// past the share is Prometheus's memory error, and the server serves on.
TEST_F(MemoryLimitServerTest, SqliteHeapPastItsShareIsTheMemoryError) {
  const std::string rows =
      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000) "
      "SELECT printf('%08d%.92c', (i * 7919) % 100000, 'x') AS s FROM c";
  auto sql = [&](const std::string& q) {
    return ExpectResponse(server_->port(), "POST", "/api/v1/sql", {{"Content-Type", "application/sql"}}, q);
  };
  HttpResponse sorted = sql(rows + " ORDER BY s LIMIT 1 OFFSET 4242");
  EXPECT_EQ(sorted.status, 200) << sorted.body.substr(0, 300);
  EXPECT_NE(sorted.body.find("00004242x"), std::string::npos) << sorted.body.substr(0, 300);

  HttpResponse built = sql("SELECT length(group_concat(s)) FROM (" + rows + ")");
  EXPECT_EQ(built.status, 422) << built.body.substr(0, 300);
  EXPECT_NE(built.body.find("\"errorType\":\"execution\""), std::string::npos) << built.body.substr(0, 300);
  EXPECT_NE(built.body.find("query processing would load too many samples into memory"), std::string::npos)
      << built.body.substr(0, 300);
  EXPECT_NE(built.body.find(std::to_string(kLimit / 16) + " bytes"), std::string::npos)
      << built.body.substr(0, 300);

  // The server still answers.
  EXPECT_EQ(sql("SELECT 40 + 2").status, 200);
  EXPECT_EQ(Get("/-/healthy").status, 200);

  // The bound holds while a connection registered for the database is
  // open, and the accountant counts SQLite's heap.
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &conn), SQLITE_OK);
  ASSERT_TRUE(RegisterSql(conn, db_.get()).ok());
  EXPECT_EQ(sql::SqliteHeapBound::CurrentLimit(), static_cast<int64_t>(kLimit / 16));
  EXPECT_GT(db_->memory()->sqlite_in_use(), 0u);
  EXPECT_GE(db_->memory()->in_use(), db_->memory()->sqlite_in_use());
  sqlite3_close(conn);
}

// A remote read whose series list does not fit the request share is refused
// with 429 and a message that says so; the server serves on, and a narrow
// read answers.
TEST_F(MemoryLimitServerTest, RemoteReadPastTheRequestShareIsRefusedClearly) {
  // 12,000 series with 600-byte label values: 7 MB of label sets, more than
  // the request share (8 MiB) holds beside a frame. Compacting twice after
  // each few requests turns them cold, so the index stays under its share.
  const std::string pad(600, 'p');
  constexpr int kSeries = 12000, kPerRequest = 500;
  for (int first = 0; first < kSeries; first += kPerRequest) {
    prometheus::WriteRequest req;
    for (int n = first; n < first + kPerRequest; ++n) {
      LabelList labels = SeriesLabels(n);
      labels.emplace_back("pad", pad);
      AddSeries(&req, labels, {{kTs, double(n)}});
    }
    ASSERT_EQ(ExpectResponse(server_->port(), "POST", "/api/v1/write", kV1Headers,
                             SnappyCompress(req.SerializeAsString()))
                  .status,
              204);
    if ((first / kPerRequest) % 4 == 3) {
      ASSERT_TRUE(db_->Compact(0).ok());
      ASSERT_TRUE(db_->Compact(0).ok());
    }
  }
  auto read = [&](const std::string& instance, prometheus::ReadRequest::ResponseType type) {
    prometheus::ReadRequest rr;
    testing::AddQuery(&rr, kTs - 1000, kTs + 1000,
                      {{prometheus::LabelMatcher::EQ, "__name__", "churn_metric"},
                       {prometheus::LabelMatcher::RE, "instance", instance}});
    rr.add_accepted_response_types(type);
    return ExpectResponse(server_->port(), "POST", "/api/v1/read",
                          {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"}},
                          SnappyCompress(rr.SerializeAsString()));
  };
  for (auto type : {prometheus::ReadRequest::STREAMED_XOR_CHUNKS, prometheus::ReadRequest::SAMPLES}) {
    HttpResponse all = read(".*", type);
    EXPECT_EQ(all.status, 429) << all.body.substr(0, 300);
    EXPECT_NE(all.body.find("12000 series the query selects do not fit"), std::string::npos)
        << all.body.substr(0, 300);
    HttpResponse one = read("host-7\\.example\\.org:9100", type);
    EXPECT_EQ(one.status, 200) << one.body.substr(0, 300);
    EXPECT_NE(one.body.find("host-7.example.org"), std::string::npos);
  }
  EXPECT_EQ(server_->memory_budget()->in_use(), 0u);
  EXPECT_EQ(Get("/-/healthy").status, 200);
}

}  // namespace
}  // namespace overtone::adapters
