// ParseExposition (adapters/formats/exposition.h): a whole pushed body into
// samples and metadata, all or nothing.

#include "adapters/formats/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "adapters/formats/importer.h"
#include "tests/support/test_database.h"

namespace overtone::adapters {
namespace {

class ExpositionTest : public testing::DatabaseTest {};

TEST_F(ExpositionTest, SamplesWithoutTimestampTakeTheDefaultAndExtraLabelsAreSet) {
  ExpositionOptions o;
  o.default_ts_ms = 5000;
  o.extra_labels = {{"job", "backup"}, {"instance", "db1"}};
  ParsedExposition parsed;
  ASSERT_TRUE(ParseExposition("# TYPE backup_ok gauge\n# HELP backup_ok Whether it \\\\ worked.\\n\n"
                              "backup_ok{kind=\"full\",job=\"other\"} 1\nbackup_bytes 123 7000\n",
                              o, &parsed)
                  .ok());
  EXPECT_EQ(parsed.lines, 4u);
  EXPECT_EQ(parsed.batch.num_samples(), 2u);
  ASSERT_EQ(parsed.metadata.size(), 1u);
  EXPECT_EQ(parsed.metadata[0].metric, "backup_ok");
  EXPECT_EQ(parsed.metadata[0].type, "gauge");
  EXPECT_EQ(parsed.metadata[0].help, "Whether it \\ worked.\n");

  ASSERT_TRUE(db_->Write(parsed.batch).ok());
  // The extra job label replaces the line's own.
  EXPECT_EQ(ReadSeries({{"__name__", "backup_ok"}, {"instance", "db1"}, {"job", "backup"}, {"kind", "full"}}),
            (std::vector<Sample>{{5000, 1}}));
  EXPECT_EQ(ReadSeries({{"__name__", "backup_bytes"}, {"instance", "db1"}, {"job", "backup"}}),
            (std::vector<Sample>{{7000, 123}}));
}

TEST_F(ExpositionTest, ABadLineIsNamedAndWithoutDefaultTimestampsNeeded) {
  ParsedExposition parsed;
  Status s = ParseExposition("a 1 1000\nb{x=\"1\" 2 1000\n", ExpositionOptions{}, &parsed);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
  ParsedExposition no_ts;
  s = ParseExposition("a 1\n", ExpositionOptions{}, &no_ts);
  EXPECT_NE(s.message().find("line 1"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("no timestamp"), std::string::npos) << s.message();
}

TEST_F(ExpositionTest, UntypedIsUnknownAndOpenMetricsUnitIsKept) {
  ParsedExposition text;
  ASSERT_TRUE(ParseExposition("# TYPE x untyped\nx 1 1000\n", ExpositionOptions{}, &text).ok());
  ASSERT_EQ(text.metadata.size(), 1u);
  EXPECT_EQ(text.metadata[0].type, "unknown");
  ExpositionOptions om;
  om.format = TextFormat::kOpenMetrics;
  ParsedExposition parsed;
  ASSERT_TRUE(ParseExposition("# TYPE t_seconds gauge\n# UNIT t_seconds seconds\nt_seconds 1 1.5\n# EOF\n",
                              om, &parsed)
                  .ok());
  ASSERT_EQ(parsed.metadata.size(), 1u);
  EXPECT_EQ(parsed.metadata[0].unit, "seconds");
}

// `overtone import` keeps the metadata lines of the file too.
TEST_F(ExpositionTest, ImportStoresTheMetadataLines) {
  testing::TempDir files;
  const std::string path = files.path() + "/in.om";
  std::ofstream(path) << "# TYPE http_requests counter\n# HELP http_requests Requests \\\"served\\\".\n"
                         "# UNIT http_requests requests\nhttp_requests_total 1 1700000000\n# EOF\n";
  ImportStats stats;
  ASSERT_TRUE(ImportFile(db_.get(), path, ImportOptions{}, &stats).ok());
  auto all = db_->ListMetadata();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].metric, "http_requests");
  EXPECT_EQ((*all)[0].type, "counter");
  EXPECT_EQ((*all)[0].help, "Requests \"served\".");
  EXPECT_EQ((*all)[0].unit, "requests");
}

}  // namespace
}  // namespace overtone::adapters
