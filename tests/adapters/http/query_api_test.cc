// The Prometheus HTTP query API on the real server, 127.0.0.1 with an
// ephemeral port: exact JSON for query and query_range, the other
// endpoints, error types, and the read-only SQL endpoint.

#include "adapters/http/query_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "adapters/http/server.h"
#include "overtone/database.h"
#include "tests/support/http_expect.h"
#include "tests/support/http_test_client.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

using testing::ExpectFormPost;
using testing::ExpectResponse;
using testing::HttpRequest;
using testing::HttpResponse;

class QueryApiTest : public overtone::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    WriteBatch b;
    for (int i = 0; i <= 4; ++i) {
      b.Add({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}}, i * 15000, 10.0 * i);
      b.Add({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "500"}}, i * 15000, 1.0 * i);
    }
    b.Add({{"__name__", "up"}, {"job", "api"}}, 30000, 1);
    ASSERT_TRUE(db_->Write(b).ok());
    ServerOptions so;
    so.port = 0;
    so.threads = 2;
    server_ = std::make_unique<HttpServer>(db_.get(), so);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  HttpResponse Get(const std::string& path) { return ExpectResponse(server_->port(), "GET", path); }
  HttpResponse PostForm(const std::string& path, const std::string& body) {
    return ExpectFormPost(server_->port(), path, body);
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(QueryApiTest, InstantQueryJson) {
  HttpResponse r = Get("/api/v1/query?query=sum%20by%20(code)%20(rate(http_requests_total%5B1m%5D))&time=60");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"code":"200"},"value":[60,"0.6666666666666666"]},)"
                    R"({"metric":{"code":"500"},"value":[60,"0.06666666666666665"]}]}})");
}

TEST_F(QueryApiTest, RangeQueryJsonByFormPost) {
  HttpResponse r = PostForm("/api/v1/query_range",
                            "query=http_requests_total%7Bcode%3D%22500%22%7D&start=0&end=30.5&step=15");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"__name__":"http_requests_total","code":"500","job":"api"},)"
                    R"("values":[[0,"0"],[15,"1"],[30,"2"]]}]}})");
}

// A large answer is sent as it is written (chunked), and is the same JSON.
TEST_F(QueryApiTest, LargeRangeAnswerIsSentInChunks) {
  WriteBatch b;
  for (int s = 0; s < 8; ++s) {
    for (int64_t t = 0; t <= 10000 * 15000; t += 60000)
      b.Add({{"__name__", "big"}, {"s", std::to_string(s)}}, t, s + t / 60000);
  }
  ASSERT_TRUE(db_->Write(b).ok());
  // 8 series x 10,001 steps: past kStreamedAnswerPoints.
  HttpResponse r = Get("/api/v1/query_range?query=big&start=0&end=150000&step=15");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.body.substr(r.body.size() - 300);
  EXPECT_EQ(j["status"], "success");
  const auto& result = j["data"]["result"];
  ASSERT_EQ(result.size(), 8u);
  for (int s = 0; s < 8; ++s) {
    EXPECT_EQ(result[s]["metric"]["s"], std::to_string(s));
    const auto& values = result[s]["values"];
    ASSERT_EQ(values.size(), 10001u);
    for (size_t k = 0; k < values.size(); k += 997) {
      EXPECT_EQ(values[k][0].get<int64_t>(), static_cast<int64_t>(k) * 15);
      EXPECT_EQ(values[k][1], std::to_string(s + k * 15 / 60)) << "step " << k;
    }
  }
  // A small one still has a length.
  HttpResponse small = Get("/api/v1/query_range?query=big%7Bs%3D%220%22%7D&start=0&end=600&step=60");
  EXPECT_EQ(small.status, 200);
  EXPECT_NE(small.header("Content-Length"), "");
  EXPECT_EQ(small.header("Transfer-Encoding"), "");
}

TEST_F(QueryApiTest, ScalarAndStringResults) {
  EXPECT_EQ(Get("/api/v1/query?query=1%2B1&time=12.5").body,
            R"({"status":"success","data":{"resultType":"scalar","result":[12.5,"2"]}})");
  EXPECT_EQ(Get("/api/v1/query?query=%22hi%22&time=3").body,
            R"({"status":"success","data":{"resultType":"string","result":[3,"hi"]}})");
}

TEST_F(QueryApiTest, ErrorTypes) {
  HttpResponse parse = Get("/api/v1/query?query=sum(");
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(
      parse.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"})");
  // A range query's parse error does not name the parameter (Prometheus 2.42's words).
  HttpResponse range_parse = Get("/api/v1/query_range?query=sum(&start=0&end=60&step=15");
  EXPECT_EQ(range_parse.status, 400);
  EXPECT_EQ(
      range_parse.body,
      R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"})");
  HttpResponse exec = Get("/api/v1/query?query=http_requests_total%2Bon(job)http_requests_total&time=60");
  EXPECT_EQ(exec.status, 422);
  EXPECT_NE(exec.body.find(R"("errorType":"execution")"), std::string::npos) << exec.body;
  HttpResponse points = Get("/api/v1/query_range?query=up&start=0&end=100000&step=1");
  EXPECT_EQ(points.status, 400);
  EXPECT_NE(points.body.find("exceeded maximum resolution of 11,000 points per timeseries"),
            std::string::npos);
  EXPECT_EQ(Get("/api/v1/query_range?query=up&start=10&end=0&step=1").status, 400);
}

TEST_F(QueryApiTest, BadParametersAreBadDataNamingTheParameter) {
  auto error = [&](const std::string& path) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_NE(r.body.find(R"("errorType":"bad_data")"), std::string::npos) << r.body;
    auto at = r.body.find(R"("error":")");
    return at == std::string::npos ? r.body : r.body.substr(at + 9, r.body.size() - at - 11);
  };
  EXPECT_EQ(error("/api/v1/query"), R"(invalid parameter \"query\": query must not be empty)");
  EXPECT_EQ(
      error("/api/v1/query?query=up&time=abc"),
      R"(invalid parameter \"time\": Invalid time value for 'time': cannot parse \"abc\" to a valid timestamp)");
  EXPECT_EQ(error("/api/v1/query?query=up&timeout=abc"),
            R"(invalid parameter \"timeout\": cannot parse \"abc\" to a valid duration)");
  EXPECT_EQ(error("/api/v1/query?query=foo(up)"),
            R"(invalid parameter \"query\": 1:1: parse error: unknown function with name \"foo\")");
  EXPECT_EQ(error("/api/v1/query?query=info(up)"), "function info() is not supported");
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=10"), R"(invalid parameter \"step\": missing)");
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=10&step=abc"),
            R"(invalid parameter \"step\": cannot parse \"abc\" to a valid duration)");
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=10&step=0"),
            R"(invalid parameter \"step\": zero or negative query resolution step widths are not accepted. )"
            "Try a positive integer");
  EXPECT_EQ(error("/api/v1/query_range?query=up&start=0&end=10&step=1&timeout=1x"),
            R"(invalid parameter \"timeout\": cannot parse \"1x\" to a valid duration)");
  EXPECT_EQ(error("/api/v1/series?match%5B%5D=%7B"),
            R"(invalid parameter \"match[]\": invalid selector '{' at position 2: unclosed '{')");
}

TEST_F(QueryApiTest, SeriesLabelsValuesMetadataBuildinfo) {
  EXPECT_EQ(Get("/api/v1/series?match%5B%5D=up").body,
            R"({"status":"success","data":[{"__name__":"up","job":"api"}]})");
  EXPECT_EQ(Get("/api/v1/labels").body, R"({"status":"success","data":["__name__","code","job"]})");
  EXPECT_EQ(Get("/api/v1/label/code/values").body, R"({"status":"success","data":["200","500"]})");
  EXPECT_EQ(Get("/api/v1/label/__name__/values?match%5B%5D=up").body,
            R"({"status":"success","data":["up"]})");
  EXPECT_EQ(Get("/api/v1/metadata").body, R"({"status":"success","data":{}})");
  EXPECT_NE(Get("/api/v1/status/buildinfo").body.find(R"("version":)"), std::string::npos);
  EXPECT_EQ(Get("/api/v1/series").status, 400);
}

TEST_F(QueryApiTest, SqlIsReadOnlyWithJsonAndCsv) {
  HttpResponse json = PostForm(
      "/api/v1/sql", "query=SELECT%20metric%2C%20count(*)%20AS%20n%20FROM%20samples%20GROUP%20BY%201");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(
      json.body,
      R"({"status":"success","data":{"columns":["metric","n"],"rows":[["http_requests_total",10],["up",1]]}})");
  HttpResponse csv = PostForm(
      "/api/v1/sql", "format=csv&query=SELECT%20ts%2C%20value%20FROM%20samples%20WHERE%20metric%3D'up'");
  EXPECT_EQ(csv.body, "ts,value\n30000,1\n");
  for (const char* write :
       {"INSERT%20INTO%20samples(metric%2Cts%2Cvalue)%20VALUES('x'%2C1%2C1)", "SELECT%20delete_series('up')",
        "ATTACH%20'%2Ftmp%2Fx.db'%20AS%20x", "CREATE%20TABLE%20t(a)"}) {
    HttpResponse r = PostForm("/api/v1/sql", std::string("query=") + write);
    EXPECT_EQ(r.status, 400) << write << ": " << r.body;
  }
  EXPECT_EQ(
      Get("/api/v1/query?query=count(up)&time=60").body,
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[60,"1"]}]}})");
  HttpResponse slow = PostForm(
      "/api/v1/sql",
      "timeout=0.2&query=WITH%20RECURSIVE%20c(x)%20AS%20(SELECT%201%20UNION%20ALL%20SELECT%20x%2B1%20"
      "FROM%20c)%20SELECT%20count(*)%20FROM%20c");
  EXPECT_EQ(slow.status, 503);
  EXPECT_NE(slow.body.find(R"("errorType":"timeout")"), std::string::npos);
}

TEST_F(QueryApiTest, SqlBadInputIsBadDataAndRunTimeErrorsAreExecution) {
  auto sql = [&](const std::string& form, int status) {
    HttpResponse r = PostForm("/api/v1/sql", form);
    EXPECT_EQ(r.status, status) << form << ": " << r.body;
    return r.body;
  };
  EXPECT_EQ(sql("query=SELEC%201", 400),
            R"({"status":"error","errorType":"bad_data","error":"near \"SELEC\": syntax error"})");
  EXPECT_NE(sql("query=SELECT%201%3B%20SELECT%202", 400).find("read-only: send one SELECT statement"),
            std::string::npos);
  EXPECT_NE(sql("query=UPDATE%20samples%20SET%20value%3D1", 400)
                .find("read-only: only SELECT statements are allowed"),
            std::string::npos);
  EXPECT_NE(sql("format=xml&query=SELECT%201", 400)
                .find(R"(invalid parameter \"format\": \"xml\" is neither json nor csv)"),
            std::string::npos);
  EXPECT_NE(sql("timeout=soon&query=SELECT%201", 400).find(R"(invalid parameter \"timeout\")"),
            std::string::npos);
  // Found only when it runs: an execution error.
  EXPECT_EQ(
      sql("query=SELECT%20*%20FROM%20samples%20WHERE%20selector%3D'%7B'", 422),
      R"({"status":"error","errorType":"execution","error":"invalid selector '{' at position 2: unclosed '{'"})");
  // A JSON body is not a way to send SQL: the message says which are.
  auto r = HttpRequest(server_->port(), "POST", "/api/v1/sql", {{"Content-Type", "application/json"}},
                       R"({"query":"SELECT 1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(
      r->body.find("send it as the form field query, or as the body with Content-Type: application/sql"),
      std::string::npos)
      << r->body;
  EXPECT_EQ(Get("/api/v1/sql?query=SELECT%201").status, 405);
  EXPECT_EQ(
      Get("/api/v1/query?query=count(up)&time=60").body,
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[60,"1"]}]}})");
}

}  // namespace
}  // namespace overtone::adapters
