// The push endpoints (adapters/http/push_endpoint.h) and the pages that
// show what is pushed (/api/v1/metadata, /api/v1/status/tsdb,
// /api/v1/status/config), on a real server on 127.0.0.1 with an ephemeral
// port.

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "adapters/http/push_endpoint.h"
#include "adapters/http/server.h"
#include "tests/support/http_expect.h"
#include "tests/support/http_test_client.h"
#include "tests/support/test_server.h"

namespace overtone::adapters {
namespace {

using Json = nlohmann::json;
using testing::ExpectResponse;
using testing::HttpResponse;

class PushTest : public overtone::testing::ServerTest {
 protected:
  HttpResponse Send(std::string_view method, std::string_view path, std::string_view body = {}) {
    return ExpectResponse(server_->port(), method, path, {{"Content-Type", "text/plain; version=0.0.4"}},
                          body);
  }
  Json GetJson(const std::string& path) {
    HttpResponse r = ExpectResponse(server_->port(), "GET", path);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body, nullptr, false);
  }
};

bool EndsStale(const std::vector<Sample>& samples) {
  return !samples.empty() && IsStaleNaN(samples.back().value);
}

TEST(GroupingKeyTest, PathLabelsAndBase64Values) {
  auto key = ParseGroupingKey("/metrics/job/backup/instance/db1");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, (Labels{{"instance", "db1"}, {"job", "backup"}}));
  // "a/b" in URL-safe base64, without and with padding; "=" is the empty value.
  key = ParseGroupingKey("/metrics/job@base64/YS9i/path@base64/YS9iYw==/empty@base64/=");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, (Labels{{"empty", ""}, {"job", "a/b"}, {"path", "a/bc"}}));
  EXPECT_FALSE(ParseGroupingKey("/metrics/job/a/instance").ok());
  EXPECT_FALSE(ParseGroupingKey("/metrics/job/a/0bad/x").ok());
  EXPECT_FALSE(ParseGroupingKey("/metrics/job/a/x/1/x/2").ok());
  EXPECT_FALSE(ParseGroupingKey("/metrics/job@base64/%%%").ok());
}

TEST_F(PushTest, PutReplacesTheGroupPostReplacesNamesDeleteRemovesIt) {
  const Labels group_ok = {
      {"__name__", "backup_ok"}, {"instance", "db1"}, {"job", "backup"}, {"kind", "full"}};
  const Labels group_bytes = {{"__name__", "backup_bytes"}, {"instance", "db1"}, {"job", "backup"}};
  const Labels incr = {{"__name__", "backup_ok"}, {"instance", "db1"}, {"job", "backup"}, {"kind", "incr"}};
  HttpResponse r = Send("PUT", "/metrics/job/backup/instance/db1",
                        "# TYPE backup_ok gauge\nbackup_ok{kind=\"full\"} 1\nbackup_bytes 123 1000\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ReadSeries(group_bytes), (std::vector<Sample>{{1000, 123}}));
  ASSERT_EQ(ReadSeries(group_ok).size(), 1u);
  EXPECT_GT(ReadSeries(group_ok)[0].ts, 1700000000000);  // the push time

  // POST: backup_ok{kind="full"} is retired by a push of backup_ok; backup_bytes stays.
  r = Send("POST", "/metrics/job/backup/instance/db1", "backup_ok{kind=\"incr\"} 1\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(EndsStale(ReadSeries(group_ok)));
  EXPECT_FALSE(EndsStale(ReadSeries(group_bytes)));
  EXPECT_EQ(ReadSeries(incr).size(), 1u);

  // The group survives a restart: PUT after it retires backup_bytes.
  server_->Stop();
  server_.reset();
  db_.reset();
  OpenDatabase();
  Start(ServerOptions{});
  EXPECT_EQ(db_->PushGroupSeries({{"job", "backup"}, {"instance", "db1"}})->size(), 2u);
  r = Send("PUT", "/metrics/job/backup/instance/db1", "backup_ok{kind=\"incr\"} 0\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(EndsStale(ReadSeries(group_bytes)));
  EXPECT_FALSE(EndsStale(ReadSeries(incr)));

  r = Send("DELETE", "/metrics/job/backup/instance/db1");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_TRUE(EndsStale(ReadSeries(incr)));
  EXPECT_TRUE(db_->PushGroupSeries({{"job", "backup"}, {"instance", "db1"}})->empty());
}

TEST_F(PushTest, ABadLineIs400WithItsNumberAndWritesNothing) {
  HttpResponse r = Send("POST", "/metrics/job/j", "good 1\nbad{x=\"1\" 2\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line 2"), std::string::npos) << r.body;
  EXPECT_TRUE(ReadSeries({{"__name__", "good"}, {"job", "j"}}).empty());
  r = Send("POST", "/api/v1/import/prometheus", "good 1 1000\ngood{ 2\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line 2"), std::string::npos) << r.body;
  EXPECT_TRUE(ReadSeries({{"__name__", "good"}}).empty());
  r = Send("POST", "/metrics/job/j/instance", "good 1\n");
  EXPECT_EQ(r.status, 400) << r.body;
  r = ExpectResponse(
      server_->port(), "POST", "/metrics/job/j",
      {{"Content-Type", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily"}}, "x");
  EXPECT_EQ(r.status, 415) << r.body;
  r = Send("GET", "/metrics/job/j");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "PUT, POST, DELETE");
}

TEST_F(PushTest, ImportTakesTimestampsAndExtraLabels) {
  HttpResponse r = Send("POST", "/api/v1/import/prometheus?extra_label=dc=eu&extra_label=env=prod",
                        "m{a=\"1\"} 2 5000\nm 3\n");
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(ReadSeries({{"__name__", "m"}, {"a", "1"}, {"dc", "eu"}, {"env", "prod"}}),
            (std::vector<Sample>{{5000, 2}}));
  EXPECT_EQ(ReadSeries({{"__name__", "m"}, {"dc", "eu"}, {"env", "prod"}}).size(), 1u);
  r = Send("POST", "/api/v1/import/prometheus?extra_label=novalue", "m 1\n");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(PushTest, WritesAreRefusedByAReadOnlyServerAndNeedTheToken) {
  ServerOptions o;
  o.read_only = true;
  Start(o);
  EXPECT_EQ(Send("PUT", "/metrics/job/j", "m 1\n").status, 403);
  EXPECT_EQ(Send("POST", "/api/v1/import/prometheus", "m 1\n").status, 403);
  EXPECT_EQ(Send("DELETE", "/metrics/job/j").status, 403);
  ServerOptions t;
  t.auth_token = "secret";
  Start(t);
  EXPECT_EQ(Send("PUT", "/metrics/job/j", "m 1\n").status, 401);
  EXPECT_EQ(Send("DELETE", "/metrics/job/j").status, 401);
}

TEST_F(PushTest, MetadataIsServedWithPrometheusParameters) {
  ASSERT_EQ(Send("POST", "/api/v1/import/prometheus",
                 "# TYPE a_total counter\n# HELP a_total Things done.\na_total 1\n"
                 "# TYPE b gauge\n# HELP b Level.\nb 2\n# HELP c No type.\nc 3\n")
                .status,
            204);
  Json all = GetJson("/api/v1/metadata");
  EXPECT_EQ(all["status"], "success");
  EXPECT_EQ(all["data"]["a_total"], Json::parse(R"([{"type":"counter","help":"Things done.","unit":""}])"));
  EXPECT_EQ(all["data"]["c"][0]["type"], "unknown");
  EXPECT_EQ(all["data"].size(), 3u);
  EXPECT_EQ(GetJson("/api/v1/metadata?limit=2")["data"].size(), 2u);
  EXPECT_EQ(GetJson("/api/v1/metadata?limit=0")["data"].size(), 0u);
  Json one = GetJson("/api/v1/metadata?metric=b&limit_per_metric=1");
  EXPECT_EQ(one["data"].size(), 1u);
  EXPECT_EQ(one["data"]["b"][0]["help"], "Level.");
  HttpResponse bad = ExpectResponse(server_->port(), "GET", "/api/v1/metadata?limit=x");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"status":"error","errorType":"bad_data","error":"limit must be a number"})");
}

TEST_F(PushTest, TsdbStatusCountsTheIndex) {
  WriteBatch b;
  for (int i = 0; i < 12; ++i) b.Add({{"__name__", "up"}, {"job", "j" + std::to_string(i % 3)}}, 1000 + i, 1);
  b.Add({{"__name__", "other"}, {"job", "j0"}}, 500, 1);
  ASSERT_TRUE(db_->Write(b).ok());
  ASSERT_TRUE(db_->Compact(1 << 30).ok());  // some samples in segments
  ASSERT_TRUE(db_->Append({{"__name__", "up"}, {"job", "j9"}}, 90000, 1).ok());
  Json d = GetJson("/api/v1/status/tsdb")["data"];
  EXPECT_EQ(d["headStats"]["numSeries"], 5);
  EXPECT_EQ(d["headStats"]["numLabelPairs"], 2 + 4);  // __name__ x2, job x4
  EXPECT_EQ(d["headStats"]["minTime"], 500);
  EXPECT_EQ(d["headStats"]["maxTime"], 90000);
  EXPECT_EQ(d["seriesCountByMetricName"],
            Json::parse(R"([{"name":"up","value":4},{"name":"other","value":1}])"));
  EXPECT_EQ(d["labelValueCountByLabelName"][0], Json::parse(R"({"name":"job","value":4})"));
  EXPECT_EQ(d["memoryInBytesByLabelName"][0],
            Json::parse(R"({"name":"__name__","value":13})"));  // 4 * "up" + "other"
  EXPECT_EQ(d["seriesCountByLabelValuePair"][0], Json::parse(R"({"name":"__name__=up","value":4})"));
  EXPECT_TRUE(d["headStats"]["chunkCount"].is_number());
}

TEST_F(PushTest, ConfigIsOvertonesOwnAsYaml) {
  ServerOptions o;
  o.auth_token = "secret";
  o.flags = {{"listen", "127.0.0.1:0"}};
  o.engine.segment_span_ms = 7200000;
  Start(o);
  HttpResponse r =
      ExpectResponse(server_->port(), "GET", "/api/v1/status/config", {{"Authorization", "Bearer secret"}});
  ASSERT_EQ(r.status, 200);
  std::string yaml = Json::parse(r.body)["data"]["yaml"];
  EXPECT_NE(yaml.find("not a Prometheus configuration"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  segment_span_ms: 7200000\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  bearer_token_required: true\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("flags:\n  listen: \"127.0.0.1:0\"\n"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("secret"), std::string::npos) << "the token must never be shown";
}

}  // namespace
}  // namespace overtone::adapters
