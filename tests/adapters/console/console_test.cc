// The web console's files and answers on their own (adapters/console/):
// what is embedded is byte for byte what web/ and the pinned uPlot hold,
// each with its content type and ETag; which path gets which answer; how
// If-None-Match is read.

#include "adapters/console/console.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "adapters/console/assets.h"

namespace overtone::adapters {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(OVERTONE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const EmbeddedFile* Find(std::string_view name) {
  for (const EmbeddedFile& f : ConsoleAssets()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(ConsoleAssetsTest, TheConsoleFilesAreWebsBytes) {
  for (const char* name : {"index.html", "console.css", "favicon.svg", "api.js", "chart.js", "complete.js",
                           "graph.js", "sql.js", "pages.js", "main.js"}) {
    const EmbeddedFile* f = Find(name);
    ASSERT_NE(f, nullptr) << name;
    std::string source = ReadSource(std::string("web/") + name);
    ASSERT_FALSE(source.empty()) << name;
    EXPECT_EQ(f->body, source) << name << " differs from web/" << name;
  }
}

// The chart library is the version web/package-lock.json pins.
TEST(ConsoleAssetsTest, UplotIsThePinnedVersion) {
  std::string lock = ReadSource("web/package-lock.json");
  size_t at = lock.find("\"node_modules/uplot\"");
  ASSERT_NE(at, std::string::npos);
  size_t v = lock.find("\"version\": \"", at);
  ASSERT_NE(v, std::string::npos);
  v += 12;
  std::string version = lock.substr(v, lock.find('"', v) - v);
  const EmbeddedFile* js = Find("uPlot.iife.min.js");
  ASSERT_NE(js, nullptr);
  EXPECT_TRUE(js->body.starts_with("/*! https://github.com/leeoniya/uPlot (v" + version + ") */"))
      << js->body.substr(0, 80);
  EXPECT_GT(js->body.size(), 20000u);
  const EmbeddedFile* css = Find("uPlot.min.css");
  ASSERT_NE(css, nullptr);
  EXPECT_NE(css->body.find(".uplot"), std::string_view::npos);
  const EmbeddedFile* license = Find("uPlot.LICENSE.txt");
  ASSERT_NE(license, nullptr);
  EXPECT_NE(license->body.find("MIT"), std::string_view::npos);
}

TEST(ConsoleAssetsTest, ContentTypesAndEtags) {
  std::set<std::string_view> names, etags;
  for (const EmbeddedFile& f : ConsoleAssets()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_TRUE(etags.insert(f.etag).second) << f.name << " shares its ETag";
    ASSERT_GE(f.etag.size(), 3u);
    EXPECT_EQ(f.etag.front(), '"');
    EXPECT_EQ(f.etag.back(), '"');
    std::string_view ext = f.name.substr(f.name.rfind('.'));
    std::string_view want = ext == ".html"  ? "text/html; charset=utf-8"
                            : ext == ".js"  ? "text/javascript; charset=utf-8"
                            : ext == ".css" ? "text/css; charset=utf-8"
                            : ext == ".svg" ? "image/svg+xml"
                                            : "text/plain; charset=utf-8";
    EXPECT_EQ(f.content_type, want) << f.name;
  }
}

TEST(ConsoleTest, RootRedirectsToTheGraphPage) {
  ConsoleAnswer a = AnswerConsole("/", "");
  EXPECT_EQ(a.outcome, ConsoleOutcome::kRedirect);
  EXPECT_EQ(a.location, "/graph");
}

TEST(ConsoleTest, EveryPageIsTheOneDocument) {
  ASSERT_EQ(ConsolePages().size(), 5u);
  for (std::string_view page : ConsolePages()) {
    ConsoleAnswer a = AnswerConsole(page, "");
    ASSERT_EQ(a.outcome, ConsoleOutcome::kFile) << page;
    EXPECT_EQ(a.file->name, "index.html");
    EXPECT_EQ(a.file->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(a.cache_control, "no-cache");
  }
}

TEST(ConsoleTest, StaticFilesByName) {
  ConsoleAnswer a = AnswerConsole("/static/uPlot.min.css", "");
  ASSERT_EQ(a.outcome, ConsoleOutcome::kFile);
  EXPECT_EQ(a.file->name, "uPlot.min.css");
  EXPECT_EQ(a.cache_control, "no-cache");
  for (const char* path : {"/static/", "/static/nope.js", "/static/api.js/x", "/static//api.js", "/graph/",
                           "/graphs", "/static/../index.html", "/index.html", "/favicon.ico"}) {
    EXPECT_EQ(AnswerConsole(path, "").outcome, ConsoleOutcome::kNotFound) << path;
  }
}

TEST(ConsoleTest, NotModifiedWhenTheClientHasTheFile) {
  const EmbeddedFile* js = Find("graph.js");
  ASSERT_NE(js, nullptr);
  std::string etag(js->etag);
  EXPECT_EQ(AnswerConsole("/static/graph.js", etag).outcome, ConsoleOutcome::kNotModified);
  EXPECT_EQ(AnswerConsole("/static/graph.js", "\"other\"").outcome, ConsoleOutcome::kFile);
  // A page's ETag is its document's.
  std::string page_etag(Find("index.html")->etag);
  EXPECT_EQ(AnswerConsole("/sql", page_etag).outcome, ConsoleOutcome::kNotModified);
  EXPECT_EQ(AnswerConsole("/sql", etag).outcome, ConsoleOutcome::kFile);
}

TEST(ConsoleTest, IfNoneMatchLists) {
  EXPECT_TRUE(EtagMatches("\"a\"", "\"a\""));
  EXPECT_TRUE(EtagMatches("W/\"a\"", "\"a\""));
  EXPECT_TRUE(EtagMatches("\"x\", \"a\"", "\"a\""));
  EXPECT_TRUE(EtagMatches(" \"x\" ,W/\"a\" ", "\"a\""));
  EXPECT_TRUE(EtagMatches("*", "\"a\""));
  EXPECT_FALSE(EtagMatches("", "\"a\""));
  EXPECT_FALSE(EtagMatches("\"ab\"", "\"a\""));
  EXPECT_FALSE(EtagMatches("a", "\"a\""));
  EXPECT_FALSE(EtagMatches("\"x\", \"y\"", "\"a\""));
}

}  // namespace
}  // namespace overtone::adapters
