// Cancelling queries on the real server (127.0.0.1, an ephemeral port),
// with the endless recursive CTE on /api/v1/sql: a client that disconnects
// mid-query stops it within a second (overtone_queries_running goes back to
// 0, overtone_queries_cancelled_total{reason="client_gone"} counts it); the
// time limit answers 503 timeout; stopping the server stops a running query
// and answers it.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "adapters/http/server.h"
#include "overtone/database.h"
#include "tests/support/http_expect.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ExpectFormPost;
using testing::ExpectResponse;
using testing::HttpResponse;

// The endless recursive CTE, as the form body of a POST to /api/v1/sql.
constexpr std::string_view kEndless =
    "query=WITH%20RECURSIVE%20c(x)%20AS%20(SELECT%201%20UNION%20ALL%20SELECT%20x%2B1%20FROM%20c)"
    "%20SELECT%20count(*)%20FROM%20c";

class QueryCancelTest : public overtone::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    ServerOptions so;
    so.port = 0;
    so.threads = 4;
    server_ = std::make_unique<HttpServer>(db_.get(), so);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  // A metric's value from /metrics (the line that starts with `series `).
  double Metric(const std::string& series) {
    HttpResponse r = ExpectResponse(server_->port(), "GET", "/metrics");
    size_t at = r.body.find("\n" + series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << series << " not in /metrics";
      return -1;
    }
    return std::stod(r.body.substr(at + series.size() + 2));
  }
  // Waits up to `limit` for Metric(series) == value; how long it took.
  Clock::duration WaitFor(const std::string& series, double value, Clock::duration limit) {
    auto t0 = Clock::now();
    while (Metric(series) != value && Clock::now() - t0 < limit) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Clock::now() - t0;
  }
  // A raw connection that sends the endless query and waits until it runs.
  int StartEndlessQuery() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string request =
        "POST /api/v1/sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: " +
        std::to_string(kEndless.size()) + "\r\n\r\n" + std::string(kEndless);
    EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    EXPECT_LT(WaitFor("overtone_queries_running", 1, std::chrono::seconds(5)), std::chrono::seconds(5))
        << "the query never ran";
    return fd;
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(QueryCancelTest, ClientDisconnectStopsTheQueryWithinASecond) {
  int fd = StartEndlessQuery();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Metric("overtone_queries_running"), 1);  // still running: nothing else stops it
  close(fd);
  Clock::duration took = WaitFor("overtone_queries_running", 0, std::chrono::seconds(5));
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_EQ(Metric("overtone_queries_cancelled_total{reason=\"client_gone\"}"), 1);
  EXPECT_EQ(Metric("overtone_queries_cancelled_total{reason=\"timeout\"}"), 0);
}

TEST_F(QueryCancelTest, TimeLimitAnswersTimeout) {
  auto t0 = Clock::now();
  HttpResponse r = ExpectFormPost(server_->port(), "/api/v1/sql", std::string(kEndless) + "&timeout=300ms");
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"timeout","error":"query timed out"})");
  EXPECT_EQ(Metric("overtone_queries_cancelled_total{reason=\"timeout\"}"), 1);
  EXPECT_EQ(Metric("overtone_queries_running"), 0);
}

TEST_F(QueryCancelTest, StopCancelsARunningQuery) {
  int fd = StartEndlessQuery();
  auto t0 = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
  std::string response;
  char buf[4096];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_NE(response.find("query cancelled: the server is stopping"), std::string::npos) << response;
}

}  // namespace
}  // namespace overtone::adapters
