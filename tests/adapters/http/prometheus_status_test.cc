// The endpoints Prometheus's users' tools call besides queries, on a real
// server on 127.0.0.1 with an ephemeral port: the /-/healthy and /-/ready
// probes, /api/v1/status/runtimeinfo and flags, /api/v1/targets,
// /api/v1/query_exemplars and /api/v1/format_query, in Prometheus 2.42's
// shapes (the bodies below are what Prometheus 2.42 answers, but for
// overtone's own values).

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "adapters/http/query_render.h"
#include "adapters/http/server.h"
#include "tests/support/http_expect.h"
#include "tests/support/http_test_client.h"
#include "tests/support/test_server.h"

namespace overtone::adapters {
namespace {

using testing::ExpectFormPost;
using testing::ExpectResponse;
using testing::HttpHeaders;
using testing::HttpRequest;
using testing::HttpResponse;

class PrometheusStatusTest : public overtone::testing::ServerTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();  // not ServerTest's: started once, with flags
    ServerOptions o;
    o.flags = {{"listen", "127.0.0.1:0"}, {"sync", "false"}, {"threads", ""}};
    Start(o);
  }
  HttpResponse PostForm(const std::string& path, const std::string& body) {
    return ExpectFormPost(server_->port(), path, body);
  }
};

TEST_F(PrometheusStatusTest, ProbesAnswerLikePrometheusWithoutAToken) {
  ServerOptions o;
  o.auth_token = "s3cret";
  Start(o);
  HttpResponse healthy = Get("/-/healthy");
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(healthy.body, "overtone is Healthy.\n");
  EXPECT_EQ(healthy.header("content-type"), "text/plain; charset=utf-8");
  HttpResponse ready = Get("/-/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "overtone is Ready.\n");
  // The older routes keep their bodies and their token rule.
  EXPECT_EQ(Get("/health").body, "OK\n");
  EXPECT_EQ(Get("/ready").status, 401);
  EXPECT_EQ(Get("/api/v1/status/runtimeinfo").status, 401);
  EXPECT_EQ(HttpRequest(server_->port(), "POST", "/-/healthy", {{"Authorization", "Bearer s3cret"}})->status,
            405);
  HttpResponse metrics = Get("/metrics", {{"Authorization", "Bearer s3cret"}});
  EXPECT_NE(metrics.body.find("overtone_http_requests_total{handler=\"health\",code=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("overtone_http_requests_total{handler=\"ready\",code=\"200\"} 1\n"),
            std::string::npos);
}

TEST_F(PrometheusStatusTest, RuntimeInfoHasPrometheusKeys) {
  HttpResponse r = Get("/api/v1/status/runtimeinfo");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  auto body = nlohmann::ordered_json::parse(r.body);
  EXPECT_EQ(body["status"], "success");
  const auto& data = body["data"];
  std::vector<std::string> keys;
  for (const auto& [k, v] : data.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"startTime", "CWD", "reloadConfigSuccess", "lastConfigTime",
                                            "corruptionCount", "goroutineCount", "GOMAXPROCS", "GOGC",
                                            "GODEBUG", "storageRetention"}));
  EXPECT_TRUE(std::regex_match(data["startTime"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z)")))
      << data["startTime"];
  EXPECT_EQ(data["lastConfigTime"], data["startTime"]);
  EXPECT_EQ(data["CWD"], std::filesystem::current_path().string());
  EXPECT_EQ(data["reloadConfigSuccess"], true);
  EXPECT_EQ(data["corruptionCount"], 0);
  EXPECT_GE(data["goroutineCount"].get<int>(), 3);  // this test, the listener, the workers
  EXPECT_EQ(data["GOMAXPROCS"].get<unsigned>(), std::thread::hardware_concurrency());
  EXPECT_EQ(data["GOGC"], "");
  EXPECT_EQ(data["GODEBUG"], "");
  EXPECT_EQ(data["storageRetention"], "");
}

TEST_F(PrometheusStatusTest, Rfc3339AsGoMarshalsTimes) {
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339(1675246830500), "2023-02-01T10:20:30.5Z");
  EXPECT_EQ(Rfc3339(1675246830123), "2023-02-01T10:20:30.123Z");
  EXPECT_EQ(Rfc3339(-1), "1969-12-31T23:59:59.999Z");
}

TEST_F(PrometheusStatusTest, FlagsAreTheServersMapOfStrings) {
  EXPECT_EQ(Get("/api/v1/status/flags").body,
            R"j({"status":"success","data":{"listen":"127.0.0.1:0","sync":"false","threads":""}})j");
  Start(ServerOptions{});
  EXPECT_EQ(Get("/api/v1/status/flags").body, R"j({"status":"success","data":{}})j");
}

TEST_F(PrometheusStatusTest, TargetsAndExemplarsAreEmpty) {
  EXPECT_EQ(Get("/api/v1/targets").body,
            R"j({"status":"success","data":{"activeTargets":[],"droppedTargets":[]}})j");
  EXPECT_EQ(Get("/api/v1/query_exemplars?query=up&start=0&end=60").body,
            R"j({"status":"success","data":[]})j");
  EXPECT_EQ(PostForm("/api/v1/query_exemplars", "query=rate(x%5B5m%5D)").body,
            R"j({"status":"success","data":[]})j");
  // A query without a series selector: Prometheus answers 204, no body.
  HttpResponse none = Get("/api/v1/query_exemplars?query=1%2B1");
  EXPECT_EQ(none.status, 204);
  EXPECT_EQ(none.body, "");
  // Checked as Prometheus checks them, with its messages.
  auto error = [&](const std::string& path) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    return r.body;
  };
  EXPECT_EQ(
      error("/api/v1/query_exemplars?query=up&start=10&end=1"),
      R"j({"status":"error","errorType":"bad_data","error":"end timestamp must not be before start timestamp"})j");
  EXPECT_NE(error("/api/v1/query_exemplars?query=up&start=yesterday")
                .find(R"("error":"invalid parameter \"start\": )"),
            std::string::npos);
  EXPECT_EQ(
      error("/api/v1/query_exemplars"),
      R"j({"status":"error","errorType":"bad_data","error":"1:1: parse error: no expression found in input"})j");
}

TEST_F(PrometheusStatusTest, FormatQueryPrintsTheCanonicalForm) {
  auto format = [&](const std::string& encoded) { return Get("/api/v1/format_query?query=" + encoded).body; };
  // Each answer is Prometheus 2.42's for the same query.
  EXPECT_EQ(format("sum%20by(job)(rate(x%5B5m%5D))"),
            R"j({"status":"success","data":"sum by (job) (rate(x[5m]))"})j");
  EXPECT_EQ(format("sum(x)%20without(a,b)"), R"j({"status":"success","data":"sum without (a, b) (x)"})j");
  EXPECT_EQ(format("a%2Bon(b)group_left%20d"),
            R"j({"status":"success","data":"a + on (b) group_left () d"})j");
  EXPECT_EQ(format("x%7Bb%3D%221%22,a%3D%222%22%7D%5B5m%5D%20offset%201m%20%40%2010.5"),
            R"j({"status":"success","data":"x{a=\"2\",b=\"1\"}[5m] @ 10.500 offset 1m"})j");
  EXPECT_EQ(format("max_over_time(rate(x%5B1m%5D)%5B10m:%5D)"),
            R"j({"status":"success","data":"max_over_time(rate(x[1m])[10m:])"})j");
  EXPECT_EQ(format("0x10%2B1e3"), R"j({"status":"success","data":"16 + 1000"})j");
  EXPECT_EQ(PostForm("/api/v1/format_query", "query=topk(3,x)").body,
            R"j({"status":"success","data":"topk(3, x)"})j");
  HttpResponse bad = Get("/api/v1/format_query?query=sum(");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(
      bad.body,
      R"j({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"})j");
}

}  // namespace
}  // namespace overtone::adapters
