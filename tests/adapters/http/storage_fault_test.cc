// The server on a disk that fills up (tests/support/fault_file_system.h):
// remote write answers 503 with Retry-After while writes fail, /-/ready and
// /ready say so and why, /metrics counts it, queries keep answering, and
// writes resume by themselves once space returns, with every acknowledged
// sample readable.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "adapters/http/server.h"
#include "adapters/prometheus/snappy_block.h"
#include "engine/database_impl.h"
#include "tests/support/fault_file_system.h"
#include "tests/support/http_expect.h"
#include "tests/support/prom_requests.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::ExpectResponse;
using testing::FaultFileSystem;
using testing::HttpResponse;

class StorageFaultServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = DatabaseImpl::Open(testing::TestDatabaseOptions(), dir_.path(), fs_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ServerOptions o;
    o.port = 0;
    o.threads = 4;
    server_ = std::make_unique<HttpServer>(db_.get(), o);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    server_.reset();
    db_.reset();
  }
  // One request of 100 samples of series `up{batch="<n>"}`.
  HttpResponse WriteBatch(int n) {
    prometheus::WriteRequest req;
    std::vector<Sample> samples;
    for (int i = 0; i < 100; ++i) samples.push_back({int64_t{i} * 1000, static_cast<double>(n)});
    testing::AddSeries(&req, {{"__name__", "up"}, {"batch", std::to_string(n)}}, samples);
    return ExpectResponse(server_->port(), "POST", "/api/v1/write",
                          {{"Content-Type", "application/x-protobuf"},
                           {"Content-Encoding", "snappy"},
                           {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
                          SnappyCompress(req.SerializeAsString()));
  }
  HttpResponse Get(const std::string& path) { return ExpectResponse(server_->port(), "GET", path); }

  testing::TempDir dir_;
  std::shared_ptr<FaultFileSystem> fs_ = std::make_shared<FaultFileSystem>();
  std::unique_ptr<Database> db_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(StorageFaultServerTest, DiskFullAnswers503ThenWritesResume) {
  std::vector<int> acknowledged;
  int n = 0;
  for (; n < 5; ++n) {
    ASSERT_EQ(WriteBatch(n).status, 204);
    acknowledged.push_back(n);
  }
  EXPECT_EQ(Get("/-/ready").status, 200);

  fs_->Arm({.error = FaultFileSystem::kNoSpace, .after_bytes = 4000});
  HttpResponse refused;
  for (; n < 200; ++n) {
    refused = WriteBatch(n);
    if (refused.status != 204) break;
    acknowledged.push_back(n);
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.header("retry-after"), "5");
  EXPECT_NE(refused.body.find("No space left on device"), std::string::npos) << refused.body;
  // Every later write is refused the same way, at once.
  HttpResponse again = WriteBatch(++n);
  EXPECT_EQ(again.status, 503);
  EXPECT_EQ(again.header("retry-after"), "5");

  HttpResponse ready = Get("/-/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("writes are failing"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("no space"), std::string::npos) << ready.body;
  EXPECT_EQ(Get("/ready").status, 503);
  EXPECT_EQ(Get("/-/healthy").status, 200);  // the process is fine
  std::string metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("\novertone_writes_failing 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("\novertone_ready 0\n"), std::string::npos);
  EXPECT_EQ(metrics.find("\novertone_remote_write_storage_fault_requests_total 0\n"), std::string::npos);
  EXPECT_EQ(metrics.find("\novertone_storage_write_failures_total 0\n"), std::string::npos);

  // Queries answer from what is stored.
  HttpResponse q = Get("/api/v1/query?query=count(up)&time=50");
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_NE(q.body.find("\"" + std::to_string(acknowledged.size()) + "\""), std::string::npos) << q.body;

  // Space returns: writes resume without a restart, within seconds.
  fs_->Disarm();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Get("/-/ready").status != 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(Get("/-/ready").status, 200);
  ASSERT_EQ(WriteBatch(++n).status, 204);
  acknowledged.push_back(n);
  metrics = Get("/metrics").body;
  EXPECT_NE(metrics.find("\novertone_writes_failing 0\n"), std::string::npos);
  EXPECT_EQ(metrics.find("\novertone_storage_write_recoveries_total 0\n"), std::string::npos);

  for (int b : acknowledged) {
    EXPECT_EQ(testing::ReadSeries(db_.get(), {{"__name__", "up"}, {"batch", std::to_string(b)}}).size(), 100u)
        << "batch " << b;
  }
}

}  // namespace
}  // namespace overtone::adapters
