// The route table (adapters/http/routes.h): its listing in docs/SERVER.md,
// Allow headers and httplib patterns made from it.

#include "adapters/http/routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace overtone::adapters {
namespace {

// The text of docs/SERVER.md between the two marker comments.
std::string DocumentedRoutes() {
  std::ifstream in(std::string(OVERTONE_SOURCE_DIR) + "/docs/SERVER.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- routes: begin -->\n", end = "<!-- routes: end -->";
  size_t from = doc.find(begin), to = doc.find(end);
  if (from == std::string::npos || to == std::string::npos || to < from) return "(no route markers)";
  from += begin.size();
  return doc.substr(from, to - from);
}

// Adding a route without documenting it fails here: paste the listing this
// prints between the markers of docs/SERVER.md.
TEST(RoutesTest, DocsListEveryRoute) {
  EXPECT_EQ(DocumentedRoutes(), RouteTableMarkdown())
      << "docs/SERVER.md's route table differs from adapters/http/routes.cc; it should read:\n"
      << RouteTableMarkdown();
}

TEST(RoutesTest, EachPathOnceWithAHandlerLabel) {
  std::set<std::string_view> paths;
  for (const Route& r : ServerRoutes()) {
    EXPECT_TRUE(paths.insert(r.path).second) << r.path;
    EXPECT_FALSE(r.handler.empty()) << r.path;
    EXPECT_TRUE(TakesMethod(r, "GET") || TakesMethod(r, "POST")) << r.path;
  }
}

TEST(RoutesTest, AllowedMethodsComeFromTheTable) {
  const std::pair<const char*, const char*> cases[] = {
      {"/api/v1/write", "POST"},      {"/api/v1/sql", "POST"},
      {"/api/v1/query", "GET, POST"}, {"/api/v1/label/job/values", "GET, POST"},
      {"/api/v1/label//values", ""},  {"/metrics", "GET"},
      {"/no/such/path", ""},
  };
  for (const auto& [path, allow] : cases) EXPECT_EQ(AllowedMethods(path), allow) << path;
}

TEST(RoutesTest, PatternsAndMethods) {
  for (const Route& r : ServerRoutes()) {
    if (r.path == "/api/v1/label/<name>/values") {
      EXPECT_EQ(RoutePattern(r), "/api/v1/label/([^/]+)/values");
      EXPECT_TRUE(TakesMethod(r, "GET"));
      EXPECT_TRUE(TakesMethod(r, "POST"));
      EXPECT_FALSE(TakesMethod(r, "PUT"));
    }
    if (r.path == "/api/v1/write") {
      EXPECT_EQ(RoutePattern(r), "/api/v1/write");
      EXPECT_FALSE(TakesMethod(r, "GET"));
      EXPECT_FALSE(r.only_reads);
    }
    if (r.path == "/health") {
      EXPECT_FALSE(r.needs_auth);
    }
  }
}

}  // namespace
}  // namespace overtone::adapters
