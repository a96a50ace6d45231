// The query API's JSON writer: escaping, numbers, and whole answers equal
// byte for byte to what the API wrote when it built nlohmann::json values.

#include "adapters/http/json_writer.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "adapters/http/query_render.h"
#include "adapters/promql/query.h"

namespace overtone::adapters {
namespace {

using Json = nlohmann::ordered_json;

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

// What nlohmann::json prints for `j`, as the API printed every answer.
std::string LibraryText(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

TEST(JsonWriterTest, EscapesAsTheApiAlwaysHas) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("plain text"), R"("plain text")");
  EXPECT_EQ(Quoted(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(Quoted(R"(C:\dir\)"), R"("C:\\dir\\")");
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string("a\0b", 3)), R"("a\u0000b")");
  EXPECT_EQ(Quoted("\x01\x1f"), R"("\u0001\u001f")");
  EXPECT_EQ(Quoted("\x7f/<>&"), "\"\x7f/<>&\"");  // DEL, slash and HTML characters as they are
  // Valid UTF-8 of 2, 3 and 4 bytes is copied.
  EXPECT_EQ(Quoted("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf"),
            "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"");
  // Every printable and control ASCII byte agrees with the library.
  for (int c = 0; c < 0x80; ++c) {
    const std::string s = "x" + std::string(1, static_cast<char>(c)) + "y";
    EXPECT_EQ(Quoted(s), LibraryText(Json(s))) << c;
  }
}

// Go's encoder, which Prometheus answers with, turns each byte that does not
// start a valid UTF-8 sequence into one U+FFFD and goes on with the next byte.
TEST(JsonWriterTest, InvalidUtf8BecomesOneReplacementPerByteAsInGo) {
  const auto replaced = [](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += kReplacement;
    return out;
  };
  EXPECT_EQ(Quoted("\xff"), "\"" + replaced(1) + "\"");
  EXPECT_EQ(Quoted("a\x80z"), "\"a" + replaced(1) + "z\"");            // a lone continuation byte
  EXPECT_EQ(Quoted("\xc3("), "\"" + replaced(1) + "(\"");              // a cut 2-byte sequence
  EXPECT_EQ(Quoted("\xe2\x82x"), "\"" + replaced(2) + "x\"");          // a cut 3-byte sequence
  EXPECT_EQ(Quoted("end\xf0\x9f\x98"), "\"end" + replaced(3) + "\"");  // cut by the string's end
  EXPECT_EQ(Quoted("\xc0\xaf"), "\"" + replaced(2) + "\"");            // an overlong '/'
  EXPECT_EQ(Quoted("\xe0\x80\xaf"), "\"" + replaced(3) + "\"");        // overlong, 3 bytes
  EXPECT_EQ(Quoted("\xed\xa0\x80"), "\"" + replaced(3) + "\"");        // a surrogate
  EXPECT_EQ(Quoted("\xf4\x90\x80\x80"), "\"" + replaced(4) + "\"");    // past U+10FFFF
  EXPECT_EQ(Quoted("\xf5\x80\x80\x80"), "\"" + replaced(4) + "\"");    // no such lead byte
  EXPECT_EQ(Quoted("\"\xff\n"), "\"\\\"" + replaced(1) + "\\n\"");     // escapes around it
  // What comes out is always valid JSON holding valid UTF-8.
  std::mt19937 rng(18);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 12, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 0x20 : 0x7a + rng() % 0x86);
    const std::string text = Quoted(s);
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_string()) << text;
    EXPECT_EQ(Quoted(parsed.get<std::string>()), text);  // already valid: unchanged
  }
}

TEST(JsonWriterTest, PlacesCommasInNestedValues) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(-1);
  w.BeginArray();
  w.EndArray();
  w.BeginObject();
  w.EndObject();
  w.Point(1500, 0.25);
  w.EndArray();
  w.Key("b");
  w.Bool(false);
  w.Key("c");
  w.Seconds(-1);
  w.Key("d");
  w.SampleValue(-std::numeric_limits<double>::infinity());
  w.Key("e");
  w.Raw("[]");
  w.EndObject();
  EXPECT_EQ(out, R"({"a":[-1,[],{},[1.5,"0.25"]],"b":false,"c":-0.001,"d":"-Inf","e":[]})");
}

// ---- whole answers against the way the API used to build them ----

// Seconds as the API wrote them through the library: an integer, or the
// double of ms / 1000.
Json OldSeconds(int64_t ms) {
  return ms % 1000 == 0 ? Json(ms / 1000) : Json(static_cast<double>(ms) / 1000);
}

Json OldPoint(const promql::Point& p) {
  return Json::array({OldSeconds(p.ts), promql::FormatValue(p.value)});
}

Json OldLabels(const Labels& labels) {
  Json m = Json::object();
  for (const Label& l : labels) m[l.name] = l.value;
  return m;
}

std::string OldAnswer(const promql::QueryResult& r) {
  Json data;
  switch (r.type) {
    case promql::ValueType::kScalar:
      data["resultType"] = "scalar";
      data["result"] = OldPoint(r.scalar);
      break;
    case promql::ValueType::kString:
      data["resultType"] = "string";
      data["result"] = Json::array({OldSeconds(r.scalar.ts), r.string_value});
      break;
    default: {
      const bool vector = r.type == promql::ValueType::kVector;
      data["resultType"] = vector ? "vector" : "matrix";
      Json result = Json::array();
      for (const promql::Series& s : r.series) {
        Json e;
        e["metric"] = OldLabels(s.labels);
        if (vector) {
          e["value"] = OldPoint(s.points[0]);
        } else {
          e["values"] = Json::array();
          for (const promql::Point& p : s.points) e["values"].push_back(OldPoint(p));
        }
        result.push_back(std::move(e));
      }
      data["result"] = std::move(result);
    }
  }
  Json body;
  body["status"] = "success";
  body["data"] = std::move(data);
  return LibraryText(body);
}

// Random answers of the shapes the API gives: label text with escapes and
// UTF-8, timestamps of today's magnitude (whole and fractional seconds,
// negative too), values of every kind.
class AnswerMaker {
 public:
  std::string Text() {
    static const std::vector<std::string> kPieces = {"job",
                                                     "node",
                                                     "10.0.0.1:9100",
                                                     "say \"hi\"",
                                                     "back\\slash",
                                                     "tab\there",
                                                     "line\nbreak",
                                                     "h\xc3\xa9",
                                                     "\xe2\x82\xac",
                                                     "\xf0\x9f\x98\x80",
                                                     "<&>",
                                                     "\x01",
                                                     "",
                                                     "_",
                                                     "le",
                                                     "+Inf",
                                                     "0.99"};
    std::string s;
    for (int i = rng_() % 3; i >= 0; --i) s += kPieces[rng_() % kPieces.size()];
    return s;
  }
  // A label set of up to `n` labels, names unique as in every series.
  Labels LabelSet(int n) {
    Labels labels;
    for (int l = 0; l < n; ++l) {
      std::string name = Text();
      bool taken = false;
      for (const Label& have : labels) taken = taken || have.name == name;
      if (!taken) labels.push_back({std::move(name), Text()});
    }
    return labels;
  }
  int64_t Ms() {
    switch (rng_() % 5) {
      case 0: return 1700000000000 + static_cast<int64_t>(rng_() % 100000) * 1000;
      case 1: return 1700000000000 + static_cast<int64_t>(rng_() % 100000000);
      case 2: return -static_cast<int64_t>(rng_() % 100000000);
      case 3: return static_cast<int64_t>(rng_() % 999999999999999);  // below 10^15 ms
      default: return static_cast<int64_t>(rng_() % 10) * 100 + static_cast<int64_t>(rng_() % 3);
    }
  }
  double Value() {
    switch (rng_() % 10) {
      case 0: return std::nan("");
      case 1: return (rng_() % 2 ? 1 : -1) * std::numeric_limits<double>::infinity();
      case 2: return rng_() % 2 ? 0.0 : -0.0;
      case 3: return static_cast<double>(static_cast<int64_t>(rng_() % 2000000) - 1000000);
      case 4: return static_cast<double>(rng_() % 100000) / 100;
      case 5: return static_cast<double>(rng_() % 1000) / 3;
      case 6: return std::ldexp(static_cast<double>(rng_() % 1000), static_cast<int>(rng_() % 200) - 100);
      case 7: return std::numeric_limits<double>::denorm_min() * static_cast<double>(rng_() % 100);
      default: return std::bit_cast<double>(rng_()) + 0.0;
    }
  }
  promql::QueryResult Answer() {
    promql::QueryResult r;
    r.type =
        std::vector<promql::ValueType>{promql::ValueType::kVector, promql::ValueType::kMatrix,
                                       promql::ValueType::kScalar, promql::ValueType::kString}[rng_() % 4];
    r.scalar = {Ms(), Value()};
    r.string_value = Text();
    for (int s = rng_() % 5; s > 0; --s) {
      promql::Series series;
      series.labels = LabelSet(rng_() % 4);
      const int points = r.type == promql::ValueType::kVector ? 1 : static_cast<int>(rng_() % 6);
      for (int p = 0; p < points; ++p) series.points.push_back({Ms(), Value()});
      r.series.push_back(std::move(series));
    }
    return r;
  }

 private:
  std::mt19937_64 rng_{0x5eed};
};

TEST(JsonWriterTest, AnswersAreTheBytesTheLibraryPrinted) {
  AnswerMaker maker;
  for (int i = 0; i < 3000; ++i) {
    const promql::QueryResult r = maker.Answer();
    const std::string old = OldAnswer(r);
    ASSERT_EQ(RenderQueryResult(r).body, old);
    // Parted (a large answer's way) gives the same text.
    if (r.type == promql::ValueType::kVector || r.type == promql::ValueType::kMatrix) {
      const HttpReply parted = RenderQueryResult(r, /*stream_past_points=*/0);
      std::string joined = parted.body;  // no points: written at once
      if (parted.body_parts) {
        while (parted.body_parts(&joined)) {
        }
      }
      ASSERT_EQ(joined, old);
    }
  }
}

TEST(JsonWriterTest, SeriesLabelsAndErrorsAreTheBytesTheLibraryPrinted) {
  AnswerMaker maker;
  for (int i = 0; i < 500; ++i) {
    std::vector<SeriesInfo> series(i % 4);
    std::vector<std::string> strings(i % 5);
    Json series_json = Json::array(), strings_json = Json::array();
    for (SeriesInfo& s : series) {
      s.labels = maker.LabelSet(i % 3 + 1);
      series_json.push_back(OldLabels(s.labels));
    }
    for (std::string& s : strings) strings_json.push_back(s = maker.Text());
    EXPECT_EQ(RenderSeries(series).body, LibraryText(Json{{"status", "success"}, {"data", series_json}}));
    EXPECT_EQ(RenderStrings(strings).body, LibraryText(Json{{"status", "success"}, {"data", strings_json}}));
    const ApiError error{"bad_data", 400, maker.Text(), ""};
    EXPECT_EQ(RenderError(error).body,
              LibraryText(Json{{"status", "error"}, {"errorType", "bad_data"}, {"error", error.message}}));
  }
  EXPECT_EQ(RenderFormattedQuery("sum(\"x\")").body, R"j({"status":"success","data":"sum(\"x\")"})j");
  EXPECT_EQ(RenderTargets().body, R"({"status":"success","data":{"activeTargets":[],"droppedTargets":[]}})");
  EXPECT_EQ(RenderExemplars(true).body, R"({"status":"success","data":[]})");
  EXPECT_EQ(RenderBuildInfo("1.2").body,
            R"({"status":"success","data":{"version":"1.2","revision":"","branch":"","buildUser":"",)"
            R"("buildDate":"","goVersion":""}})");
  EXPECT_EQ(RenderFlags({{"a", "1"}, {"b\"", ""}}).body, R"({"status":"success","data":{"a":"1","b\"":""}})");
  RuntimeInfo info{1700000000500, "/x", 3, 2};
  EXPECT_EQ(RenderRuntimeInfo(info).body,
            R"({"status":"success","data":{"startTime":"2023-11-14T22:13:20.5Z","CWD":"/x",)"
            R"("reloadConfigSuccess":true,"lastConfigTime":"2023-11-14T22:13:20.5Z","corruptionCount":0,)"
            R"("goroutineCount":3,"GOMAXPROCS":2,"GOGC":"","GODEBUG":"","storageRetention":""}})");
}

// Where the two ways differ: timestamps of 10^15 ms and more, which a
// double of seconds cannot hold to the millisecond. The writer's are exact,
// as Prometheus's are (it divides the integer too).
TEST(JsonWriterTest, LargeTimestampsAreExact) {
  promql::QueryResult r;
  r.type = promql::ValueType::kScalar;
  r.scalar = {9007199254740993, 1};
  EXPECT_EQ(RenderQueryResult(r).body,
            R"({"status":"success","data":{"resultType":"scalar","result":[9007199254740.993,"1"]}})");
  r.scalar = {-9223372036854775807 - 1, -0.0};
  EXPECT_EQ(RenderQueryResult(r).body,
            R"({"status":"success","data":{"resultType":"scalar","result":[-9223372036854775.808,"-0"]}})");
}

}  // namespace
}  // namespace overtone::adapters
