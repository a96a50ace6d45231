// Import and export over a real Database: format detection, batching, where
// an import stops and what it has written by then, --skip-bad, and the
// export -> import round trip bit for bit in every format.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <thread>

#include "adapters/formats/exporter.h"
#include "adapters/formats/importer.h"
#include "adapters/formats/sample_writer.h"
#include "tests/support/test_util.h"

namespace overtone::adapters {
namespace {

using ::testing::HasSubstr;
using SeriesMap = std::map<Labels, std::vector<Sample>>;

constexpr double kInf = std::numeric_limits<double>::infinity();

class ImportExportTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> OpenDb(const std::string& name) {
    auto db = Database::Open(Options{}, dir_.path() + "/" + name);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return std::move(*db);
  }
  std::string WriteTemp(const std::string& name, std::string_view text) {
    std::string path = dir_.path() + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return path;
  }
  Status Import(Database* db, std::string_view text, ImportOptions options = {},
                const std::string& name = "in.txt") {
    return ImportFile(db, WriteTemp(name, text), options, &stats_);
  }
  static SeriesMap Dump(Database* db) {
    SeriesMap out;
    auto all = db->Select({});
    EXPECT_TRUE(all.ok());
    for (const SeriesInfo& s : *all) {
      auto it = db->Scan(s.id, kMinTime, kMaxTime);
      EXPECT_TRUE(it.ok());
      for (; (*it)->Valid(); (*it)->Next()) out[s.labels].push_back((*it)->sample());
    }
    return out;
  }
  std::string Export(Database* db, ExportFormat format, NanStyle style = NanStyle::kLossless,
                     ExportOptions options = {}) {
    if (options.selectors.empty()) options.selectors = {{{MatchType::kRegexMatch, "__name__", ".+"}}};
    std::string path = dir_.path() + "/export.out";
    auto out = OutputFile::Open(path);
    EXPECT_TRUE(out.ok());
    auto writer = MakeSampleWriter(format, out->get(), style);
    ExportStats stats;
    EXPECT_TRUE(adapters::Export(db, options, writer.get(), &stats).ok());
    EXPECT_TRUE((*out)->Close().ok());
    FILE* f = std::fopen(path.c_str(), "rb");
    std::string text;
    char buf[1 << 16];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) text.append(buf, n);
    std::fclose(f);
    return text;
  }

  overtone::testing::TempDir dir_;
  ImportStats stats_;
};

TEST_F(ImportExportTest, OpenMetricsFileIsDetectedByItsEof) {
  auto db = OpenDb("db");
  ASSERT_TRUE(Import(db.get(),
                     "# TYPE up gauge\n"
                     "up{job=\"a\"} 1 1700000000\n"
                     "up{job=\"a\"} 0 1700000015.5\r\n"
                     "up{job=\"b\"} NaN 1700000000\n"
                     "# EOF\n")
                  .ok());
  EXPECT_EQ(stats_.format, ImportFormat::kOpenMetrics);
  EXPECT_EQ(stats_.samples, 3u);
  EXPECT_EQ(stats_.series, 2u);
  EXPECT_EQ(stats_.lines, 5u);
  EXPECT_EQ(stats_.lines_written, 5u);
  SeriesMap got = Dump(db.get());
  EXPECT_EQ(got[(Labels{{"__name__", "up"}, {"job", "a"}})],
            (std::vector<Sample>{{1700000000000, 1}, {1700000015500, 0}}));
  EXPECT_TRUE(std::isnan(got[(Labels{{"__name__", "up"}, {"job", "b"}})][0].value));
}

TEST_F(ImportExportTest, PrometheusTextAndCsvAreDetected) {
  auto db = OpenDb("db");
  ASSERT_TRUE(Import(db.get(), "# HELP x X.\nx 1 1700000000123\nx 2 1700000000124\n").ok());
  EXPECT_EQ(stats_.format, ImportFormat::kPrometheusText);
  ASSERT_TRUE(Import(db.get(), "metric,labels,ts,value\ny,{},5,+Inf\n").ok());
  EXPECT_EQ(stats_.format, ImportFormat::kCsv);
  SeriesMap got = Dump(db.get());
  EXPECT_EQ(got[(Labels{{"__name__", "x"}})], (std::vector<Sample>{{1700000000123, 1}, {1700000000124, 2}}));
  EXPECT_EQ(got[(Labels{{"__name__", "y"}})], (std::vector<Sample>{{5, kInf}}));
}

TEST_F(ImportExportTest, FromAPipe) {
  auto db = OpenDb("db");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string text = "a 1 1700000000.5\nb 2 1700000001\n# EOF\n";
  std::thread feeder([&] {
    EXPECT_EQ(write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fds[1]);
  });
  ASSERT_TRUE(ImportFromFd(db.get(), fds[0], "pipe", ImportOptions{}, &stats_).ok());
  feeder.join();
  close(fds[0]);
  EXPECT_EQ(stats_.format, ImportFormat::kOpenMetrics);  // seconds-sized timestamps
  EXPECT_EQ(stats_.total_bytes, 0u);
  EXPECT_EQ(Dump(db.get())[(Labels{{"__name__", "a"}})], (std::vector<Sample>{{1700000000500, 1}}));
}

TEST_F(ImportExportTest, StopsAtTheFirstBadLineWithEverythingBeforeItWritten) {
  auto db = OpenDb("db");
  ImportOptions o;
  o.format = ImportFormat::kPrometheusText;  // small ms timestamps would look like seconds
  o.batch_samples = 2;                       // lines 1-2 are one batch, line 3 is pending at the bad line
  Status s = Import(db.get(),
                    "m 1 1000\n"
                    "m 2 2000\n"
                    "m 3 3000\n"
                    "m{job=\"x\" 4 4000\n"
                    "m 5 5000\n",
                    o);
  EXPECT_EQ(s.message(), "line 4: column 1: unterminated label set (missing '}')");
  EXPECT_EQ(stats_.lines_written, 3u);
  EXPECT_EQ(stats_.samples, 3u);
  EXPECT_EQ(stats_.batches, 2u);
  EXPECT_EQ(Dump(db.get())[(Labels{{"__name__", "m"}})].size(), 3u);

  // Fixing the line and importing the whole file again doubles nothing.
  ASSERT_TRUE(Import(db.get(), "m 1 1000\nm 2 2000\nm 3 3000\nm{job=\"x\"} 4 4000\nm 5 5000\n", o).ok());
  SeriesMap got = Dump(db.get());
  EXPECT_EQ(got[(Labels{{"__name__", "m"}})].size(), 4u);
  EXPECT_EQ(got.size(), 2u);
}

TEST_F(ImportExportTest, BadLabelsStopTooAndNameTheirLine) {
  auto db = OpenDb("db");
  Status s = Import(db.get(), "metric,labels,ts,value\nok,{},1,1\nbad,{oops,2,2\n");
  EXPECT_THAT(s.message(), HasSubstr("line 3: labels is not valid JSON"));
  EXPECT_EQ(stats_.samples, 1u);
  s = Import(db.get(), "good 1 1700000000000\nbad{a=\"\\q\"} 1 1700000000000\n");
  EXPECT_THAT(s.message(), HasSubstr("line 2: invalid escape '\\q'"));
}

TEST_F(ImportExportTest, SkipBadCountsAndReportsEachLine) {
  auto db = OpenDb("db");
  ImportOptions o;
  o.format = ImportFormat::kPrometheusText;
  o.skip_bad = true;
  std::vector<uint64_t> bad;
  o.on_bad_line = [&](uint64_t line, const Status& e) {
    bad.push_back(line);
    EXPECT_THAT(e.message(), HasSubstr("line " + std::to_string(line) + ":"));
  };
  ASSERT_TRUE(Import(db.get(), "a 1 1000\nb x 1000\nc 1\nd{e=f} 1 1\nd{e=f} 1 2\ng 1 1000\n", o).ok());
  EXPECT_EQ(bad, (std::vector<uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(stats_.bad_lines, 4u);
  EXPECT_EQ(stats_.samples, 2u);
  EXPECT_EQ(Dump(db.get()).size(), 2u);
}

TEST_F(ImportExportTest, TruncatedOpenMetricsIsAnErrorAfterWritingWhatItHas) {
  auto db = OpenDb("db");
  ImportOptions o;
  o.format = ImportFormat::kOpenMetrics;
  Status s = Import(db.get(), "a 1 1700000000\na 2 1700000001\n", o);
  EXPECT_THAT(s.message(), HasSubstr("line 2: the input ended without '# EOF'"));
  EXPECT_EQ(stats_.samples, 2u);
}

TEST_F(ImportExportTest, ALineLongerThanTheReadBuffer) {
  auto db = OpenDb("db");
  std::string big(3 << 20, 'x');
  ImportOptions o;
  o.format = ImportFormat::kPrometheusText;
  ASSERT_TRUE(Import(db.get(), "m{v=\"" + big + "\"} 1 1000\nm{v=\"y\"} 2 1000\n", o).ok());
  EXPECT_EQ(stats_.series, 2u);
  EXPECT_EQ(Dump(db.get()).begin()->first[1].value.size(), big.size());
}

TEST_F(ImportExportTest, ManySeriesInterleavedAcrossBatches) {
  auto db = OpenDb("db");
  std::string text;
  for (int t = 0; t < 50; ++t) {
    for (int s = 0; s < 30; ++s) {
      text += "m{s=\"" + std::to_string(s) + "\"} " + std::to_string(t * s) + " " + std::to_string(1000 * t) +
              "\n";
    }
  }
  ImportOptions o;
  o.format = ImportFormat::kPrometheusText;
  o.batch_samples = 97;
  ASSERT_TRUE(Import(db.get(), text, o).ok());
  EXPECT_EQ(stats_.samples, 1500u);
  EXPECT_EQ(stats_.series, 30u);
  EXPECT_EQ(stats_.batches, 16u);  // ceil(1500 / 97)
  SeriesMap got = Dump(db.get());
  ASSERT_EQ(got.size(), 30u);
  auto s7 = got[(Labels{{"__name__", "m"}, {"s", "7"}})];
  ASSERT_EQ(s7.size(), 50u);
  EXPECT_EQ(s7[49], (Sample{49000, 49.0 * 7}));
}

// Every kind of value and timestamp, in every format, bit for bit.
TEST_F(ImportExportTest, ExportThenImportIsBitExact) {
  auto src = OpenDb("src");
  WriteBatch b;
  const double values[] = {0.0,
                           -0.0,
                           1.5,
                           0.1,
                           1.0 / 3,
                           5e-324,
                           1.7976931348623157e308,
                           -kInf,
                           kInf,
                           std::bit_cast<double>(0x7ff8000000000000ull),
                           StaleNaN(),
                           std::bit_cast<double>(0x7ff8000000000001ull),
                           std::bit_cast<double>(0xfff8000000000000ull),
                           123456789012.5};
  int64_t ts = -1500;
  for (double v : values) b.Add({{"__name__", "odd_values"}, {"k", "q\"u\\o\nte"}}, ts += 1001, v);
  b.Add({{"__name__", "a_metric"}, {"zone", "ü"}}, 1700000000123, 42);
  b.Add({{"__name__", "a_metric"}, {"zone", "ü"}}, 1700000000124, 43);
  b.Add({{"__name__", "z"}}, 1, 1);
  ASSERT_TRUE(src->Write(b).ok());
  SeriesMap want = Dump(src.get());

  for (ExportFormat f : {ExportFormat::kOpenMetrics, ExportFormat::kPrometheusText, ExportFormat::kCsv}) {
    std::string text = Export(src.get(), f);
    auto dst = OpenDb("dst" + std::to_string(static_cast<int>(f)));
    ASSERT_TRUE(Import(dst.get(), text).ok()) << stats_.lines << "\n" << text;
    EXPECT_EQ(Dump(dst.get()), want) << text;
    EXPECT_EQ(Export(dst.get(), f), text);
  }
}

TEST_F(ImportExportTest, ExportOrderRangeAndPortableStyle) {
  auto db = OpenDb("db");
  WriteBatch b;
  b.Add({{"__name__", "b"}, {"x", "1"}}, 1000, 1);
  b.Add({{"__name__", "a"}, {"x", "2"}}, 1000, StaleNaN());
  b.Add({{"__name__", "a"}, {"x", "2"}}, 2000, std::bit_cast<double>(0x7ff8000000000000ull));
  b.Add({{"__name__", "b"}, {"A", "0"}}, 3000, 3);
  ASSERT_TRUE(db->Write(b).ok());
  EXPECT_EQ(Export(db.get(), ExportFormat::kOpenMetrics),
            "a{x=\"2\"} stale 1\n"
            "a{x=\"2\"} raw:0x7ff8000000000000 2\n"
            "b{A=\"0\"} 3 3\n"
            "b{x=\"1\"} 1 1\n"
            "# EOF\n");
  EXPECT_EQ(Export(db.get(), ExportFormat::kOpenMetrics, NanStyle::kPortable),
            "a{x=\"2\"} NaN 2\n"
            "b{A=\"0\"} 3 3\n"
            "b{x=\"1\"} 1 1\n"
            "# EOF\n");
  ExportOptions range;
  range.selectors = {{{MatchType::kEqual, "__name__", "b"}}, {{MatchType::kEqual, "x", "1"}}};
  range.start_ms = 1000;
  range.end_ms = 2999;
  EXPECT_EQ(Export(db.get(), ExportFormat::kPrometheusText, NanStyle::kLossless, range),
            "b{x=\"1\"} 1 1000\n");
}

}  // namespace
}  // namespace overtone::adapters
