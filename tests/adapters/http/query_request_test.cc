// The query API's parse step (adapters/http/query_request.h): parameters
// into structured requests, and the errors Prometheus gives for bad ones,
// without a server or a database.

#include "adapters/http/query_request.h"

#include <gtest/gtest.h>

#include "overtone/database.h"

namespace overtone::adapters {
namespace {

constexpr int64_t kNow = 1700000000000;

QueryApiRequest Get(std::string path, std::vector<std::pair<std::string, std::string>> params = {}) {
  return QueryApiRequest{"GET", std::move(path), std::move(params), "", "", ""};
}

// The parsed request, or a failed expectation.
ApiRequest Parsed(const QueryApiRequest& http) {
  ApiRequest out;
  std::optional<ApiError> error = ParseApiRequest(http, kNow, &out);
  EXPECT_FALSE(error) << http.path << ": " << (error ? error->message : "");
  return out;
}

// The error, or a failed expectation.
ApiError Error(const QueryApiRequest& http) {
  ApiRequest out;
  std::optional<ApiError> error = ParseApiRequest(http, kNow, &out);
  EXPECT_TRUE(error) << http.path;
  return error.value_or(ApiError{});
}

TEST(QueryRequestTest, InstantQueryDefaultsToNow) {
  auto q = std::get<InstantQueryRequest>(Parsed(Get("/api/v1/query", {{"query", "up"}})));
  EXPECT_EQ(q.query, "up");
  EXPECT_EQ(q.time_ms, kNow);
  EXPECT_EQ(q.timeout_ms, 0);
  q = std::get<InstantQueryRequest>(
      Parsed(Get("/api/v1/query", {{"query", "up"}, {"time", "12.5"}, {"timeout", "3s"}})));
  EXPECT_EQ(q.time_ms, 12500);
  EXPECT_EQ(q.timeout_ms, 3000);
  q = std::get<InstantQueryRequest>(Parsed(Get("/api/v1/query", {{"query", "up"}, {"timeout", "-1"}})));
  EXPECT_EQ(q.timeout_ms, 0);  // not positive: the server's limit
}

TEST(QueryRequestTest, RangeQueryChecksInPrometheusOrder) {
  auto r = std::get<RangeQueryRequest>(
      Parsed(Get("/api/v1/query_range", {{"query", "up"}, {"start", "0"}, {"end", "30.5"}, {"step", "15"}})));
  EXPECT_EQ(r.start_ms, 0);
  EXPECT_EQ(r.end_ms, 30500);
  EXPECT_EQ(r.step_ms, 15000);
  EXPECT_EQ(Error(Get("/api/v1/query_range", {{"start", "x"}})).message,
            "invalid parameter \"query\": query must not be empty");
  EXPECT_EQ(Error(Get("/api/v1/query_range", {{"query", "up"}, {"step", "x"}})).message,
            "invalid parameter \"start\": missing");
  EXPECT_EQ(Error(Get("/api/v1/query_range", {{"query", "up"}, {"start", "10"}, {"end", "0"}, {"step", "x"}}))
                .message,
            "invalid parameter \"end\": end timestamp must not be before start time");
  ApiError points =
      Error(Get("/api/v1/query_range", {{"query", "up"}, {"start", "0"}, {"end", "100000"}, {"step", "1"}}));
  EXPECT_EQ(points.type, "bad_data");
  EXPECT_EQ(points.http_status, 400);
  EXPECT_NE(points.message.find("11,000 points"), std::string::npos);
}

TEST(QueryRequestTest, SeriesAndLabels) {
  auto s =
      std::get<SeriesRequest>(Parsed(Get("/api/v1/series", {{"match[]", "up"}, {"match[]", "{job=\"a\"}"}})));
  EXPECT_EQ(s.selectors.size(), 2u);
  EXPECT_EQ(s.start_ms, kMinTime);
  EXPECT_EQ(s.end_ms, kMaxTime);
  EXPECT_EQ(Error(Get("/api/v1/series")).message, "no match[] parameter provided");
  EXPECT_EQ(Error(Get("/api/v1/series", {{"match[]", "{"}})).message,
            "invalid parameter \"match[]\": invalid selector '{' at position 2: unclosed '{'");

  auto names = std::get<LabelsRequest>(Parsed(Get("/api/v1/labels", {{"start", "1700000000"}})));
  EXPECT_FALSE(names.name);
  EXPECT_TRUE(names.selectors.empty());
  EXPECT_EQ(names.start_ms, 1700000000000);
  EXPECT_EQ(names.end_ms, kMaxTime);
  // A bad time is refused with or without match[], as Prometheus 2.42 does.
  EXPECT_EQ(Error(Get("/api/v1/labels", {{"start", "abc"}})).message,
            "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"abc\" to a valid "
            "timestamp");
  EXPECT_EQ(
      Error(Get("/api/v1/label/job/values", {{"end", "abc"}})).message,
      "invalid parameter \"end\": Invalid time value for 'end': cannot parse \"abc\" to a valid timestamp");
  EXPECT_EQ(Error(Get("/api/v1/series", {{"match[]", "up"}, {"start", "abc"}})).message,
            "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"abc\" to a valid "
            "timestamp");
  auto values = std::get<LabelsRequest>(Parsed(Get("/api/v1/label/job%2Fx/values", {{"match[]", "up"}})));
  EXPECT_EQ(values.name, "job/x");
  EXPECT_EQ(values.selectors.size(), 1u);
  std::get<MetadataRequest>(Parsed(Get("/api/v1/metadata")));
  std::get<BuildInfoRequest>(Parsed(Get("/api/v1/status/buildinfo")));
}

TEST(QueryRequestTest, SqlFromFormOrBody) {
  QueryApiRequest form{
      "POST", "/api/v1/sql", {}, "format=csv&query=SELECT+1", "application/x-www-form-urlencoded", ""};
  auto sql = std::get<SqlRequest>(Parsed(form));
  EXPECT_EQ(sql.sql, "SELECT 1");
  EXPECT_TRUE(sql.csv);
  QueryApiRequest body{"POST", "/api/v1/sql", {}, "SELECT 2", "application/sql", "text/csv"};
  sql = std::get<SqlRequest>(Parsed(body));
  EXPECT_EQ(sql.sql, "SELECT 2");
  EXPECT_TRUE(sql.csv);  // from Accept
  body.params = {{"format", "json"}};
  EXPECT_FALSE(std::get<SqlRequest>(Parsed(body)).csv);
  body.params = {{"format", "xml"}};
  EXPECT_EQ(Error(body).message, "invalid parameter \"format\": \"xml\" is neither json nor csv");
  body.content_type = "application/json";
  EXPECT_NE(Error(body).message.find("SQL must not be empty"), std::string::npos);
}

TEST(QueryRequestTest, PathAndMethodErrors) {
  ApiError unknown = Error(Get("/api/v1/nope"));
  EXPECT_EQ(unknown.type, "not_found");
  EXPECT_EQ(unknown.http_status, 404);
  EXPECT_EQ(unknown.message, "unknown API path /api/v1/nope");
  ApiError get_sql = Error(Get("/api/v1/sql", {{"query", "SELECT 1"}}));
  EXPECT_EQ(get_sql.http_status, 405);
  EXPECT_EQ(get_sql.allow, "POST");
  ApiError put = Error(QueryApiRequest{"PUT", "/api/v1/query", {{"query", "up"}}, "", "", ""});
  EXPECT_EQ(put.http_status, 405);
  EXPECT_EQ(put.message, "use GET or POST");
  EXPECT_TRUE(IsQueryApiPath("/api/v1/label/a/values"));
  EXPECT_FALSE(IsQueryApiPath("/api/v1/label//values"));
}

TEST(QueryRequestTest, ErrorsFromLaterStepsKeepPrometheusTypes) {
  EXPECT_EQ(ApiError::FromStatus(Status::InvalidArgument("x")).type, "bad_data");
  EXPECT_EQ(ApiError::FromStatus(Status::NotSupported("x")).http_status, 400);
  EXPECT_EQ(ApiError::FromStatus(Status::Aborted("x")).http_status, 422);
  EXPECT_EQ(ApiError::FromStatus(Status::Busy("x")).type, "timeout");
  EXPECT_EQ(ApiError::FromStatus(Status::Internal("x")).http_status, 500);
}

TEST(FormEncodingTest, Decodes) {
  auto p = ParseFormEncoded("a=1&b=x%20y+z&match%5B%5D=up&empty=&flag");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[1].second, "x y z");
  EXPECT_EQ(p[2].first, "match[]");
  EXPECT_EQ(p[4].first, "flag");
}

}  // namespace
}  // namespace overtone::adapters
