// The web console through `overtone serve`'s HTTP server on 127.0.0.1
// (ephemeral port): status codes and headers as a browser sees them, the
// route table's console rows, and the pages served without the token that
// the API requires.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/console/console.h"
#include "adapters/http/routes.h"
#include "adapters/http/server.h"
#include "tests/support/http_expect.h"
#include "tests/support/test_server.h"

namespace overtone::adapters {
namespace {

using testing::ExpectResponse;
using testing::HttpHeaders;
using testing::HttpResponse;

class ConsoleServerTest : public testing::ServerTest {
 protected:
};

TEST_F(ConsoleServerTest, RootRedirects) {
  HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.header("Location"), "/graph");
}

TEST_F(ConsoleServerTest, PagesAndFilesWithTheirContentTypes) {
  HttpResponse page = Get("/graph?g0.expr=up&g0.tab=1");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script type=\"module\" src=\"/static/main.js\">"), std::string::npos);
  for (const auto& [path, type] : {std::pair{"/static/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
                                   std::pair{"/static/uPlot.min.css", "text/css; charset=utf-8"},
                                   std::pair{"/static/graph.js", "text/javascript; charset=utf-8"},
                                   std::pair{"/static/favicon.svg", "image/svg+xml"}}) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.header("Content-Type"), type) << path;
    EXPECT_EQ(r.header("Cache-Control"), "no-cache") << path;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_FALSE(r.header("ETag").empty()) << path;
    EXPECT_FALSE(r.body.empty()) << path;
  }
  for (const char* other : {"/sql", "/rules", "/alerts", "/status"}) {
    HttpResponse r = Get(other);
    EXPECT_EQ(r.status, 200) << other;
    EXPECT_EQ(r.body, page.body) << other;
  }
}

TEST_F(ConsoleServerTest, EtagGivesNotModified) {
  HttpResponse first = Get("/static/chart.js");
  ASSERT_EQ(first.status, 200);
  std::string etag = first.header("ETag");
  HttpResponse again = Get("/static/chart.js", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("ETag"), etag);
  EXPECT_EQ(Get("/static/chart.js", {{"If-None-Match", "\"stale\""}}).status, 200);
}

TEST_F(ConsoleServerTest, UnknownFileIsNotFound) {
  HttpResponse r = Get("/static/no-such.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("/static/no-such.js"), std::string::npos);
  EXPECT_EQ(Get("/graph/x").status, 404);
}

TEST_F(ConsoleServerTest, OnlyGet) {
  HttpResponse r = ExpectResponse(server_->port(), "POST", "/graph", {}, "x=1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET");
}

// The page loads without the token; the API it calls still needs it.
TEST_F(ConsoleServerTest, PagesNeedNoTokenTheApiDoes) {
  ServerOptions o;
  o.auth_token = "s3cret";
  Start(o);
  EXPECT_EQ(Get("/graph").status, 200);
  EXPECT_EQ(Get("/static/api.js").status, 200);
  EXPECT_EQ(Get("/api/v1/label/__name__/values").status, 401);
  EXPECT_EQ(Get("/api/v1/label/__name__/values", {{"Authorization", "Bearer s3cret"}}).status, 200);
}

// Every console path has its row in the route table, and so in docs/SERVER.md.
TEST_F(ConsoleServerTest, EveryPageIsARoute) {
  for (std::string_view page : ConsolePages()) {
    bool found = false;
    for (const Route& r : ServerRoutes()) {
      if (r.path == page) {
        found = true;
        EXPECT_EQ(r.endpoint, Endpoint::kConsole);
        EXPECT_FALSE(r.needs_auth);
        EXPECT_TRUE(r.only_reads);
      }
    }
    EXPECT_TRUE(found) << page;
  }
  EXPECT_EQ(AllowedMethods("/static/uPlot.min.css"), "GET");
}

}  // namespace
}  // namespace overtone::adapters
