// The server under one memory limit (Options::memory_limit_bytes, as
// `overtone serve --memory-limit` opens it): remote write drives the series
// index past its share and is answered 429 with Retry-After, never losing
// an acknowledged sample; a body that could never fit is answered 413; a
// query past its working-memory limit gets Prometheus's error; once the
// compactor has turned idle series cold, writes are accepted again.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/http/server.h"
#include "adapters/prometheus/snappy_block.h"
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

}  // namespace
}  // namespace overtone::adapters
