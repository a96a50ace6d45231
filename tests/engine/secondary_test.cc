// A reader beside a writer in one process: Options::open_mode kSecondary
// (and kReadOnly, which becomes a secondary while a writer holds the
// directory) sees what the writer wrote after CatchUp(): new samples, new
// series, sealed segments and deleted series; its writes fail naming the
// writer.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "overtone/database.h"
#include "tests/support/test_database.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

constexpr int64_t kHour = 3600 * 1000;

class SecondaryTest : public testing::DatabaseTest {
 protected:
  std::unique_ptr<Database> OpenReader(OpenMode mode) {
    Options o = testing::TestDatabaseOptions();
    o.open_mode = mode;
    auto r = Database::Open(o, dir_.path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  static size_t Count(Database* db, const Labels& labels) { return testing::ReadSeries(db, labels).size(); }

  const Labels up_{{"__name__", "up"}, {"job", "api"}};
};

TEST_F(SecondaryTest, FollowsTheWriterAfterCatchUp) {
  ASSERT_TRUE(db_->Append(up_, 1000, 1).ok());
  std::unique_ptr<Database> reader = OpenReader(OpenMode::kSecondary);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->open_mode(), OpenMode::kSecondary);
  EXPECT_EQ(Count(reader.get(), up_), 1u);

  // New samples of a known series, and a series the reader has not seen.
  const Labels down{{"__name__", "down"}};
  ASSERT_TRUE(db_->Append(up_, 2000, 2).ok());
  ASSERT_TRUE(db_->Append(down, 2000, 5).ok());
  EXPECT_EQ(Count(reader.get(), up_), 1u);  // not before CatchUp
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(Count(reader.get(), up_), 2u);
  EXPECT_EQ(testing::ReadSeries(reader.get(), down), (std::vector<Sample>{{2000, 5}}));
  EXPECT_EQ(reader->GetStats().series, 2u);

  // Many writes, flushed to table files and sealed into segments.
  WriteBatch batch;
  for (int64_t t = 10000; t < 13 * kHour; t += 10000) batch.Add(up_, t, static_cast<double>(t % 7777));
  ASSERT_TRUE(db_->Write(batch).ok());
  ASSERT_TRUE(db_->Flush().ok());
  auto sealed = db_->Compact(12 * kHour);  // the two 6-hour windows before
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  ASSERT_GT(sealed->segments_written, 0u);
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(testing::ReadSeries(reader.get(), up_), testing::ReadSeries(db_.get(), up_));
  size_t segments = 0;
  ASSERT_TRUE(reader
                  ->ForEachSegment(0,
                                   [&](const SegmentInfo&) {
                                     ++segments;
                                     return Status::OK();
                                   })
                  .ok());
  EXPECT_EQ(segments, sealed->segments_written);

  // A deleted series disappears from the reader's index too.
  auto id = db_->FindSeries(down);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(db_->DeleteSeries(*id).ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_TRUE(reader->FindSeries(down).status().IsNotFound());
  auto all = reader->Select({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(SecondaryTest, WritesFailNamingTheWriter) {
  ASSERT_TRUE(db_->SetWriterNote("the test writer on http://127.0.0.1:1").ok());
  std::unique_ptr<Database> reader = OpenReader(OpenMode::kSecondary);
  ASSERT_NE(reader, nullptr);
  Status s = reader->Append(up_, 1000, 1);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported);
  EXPECT_NE(s.message().find("the test writer on http://127.0.0.1:1 (pid "), std::string::npos)
      << s.ToString();
  EXPECT_EQ(reader->Compact(kHour).status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(reader->DeleteSeries(1).code(), Status::Code::kNotSupported);
  EXPECT_EQ(reader->SetWriterNote("x").code(), Status::Code::kNotSupported);
  EXPECT_EQ(DescribeWriter(dir_.path()).rfind("the test writer on http://127.0.0.1:1 (pid ", 0), 0u);
  db_.reset();  // the writer closes: nobody writes now
  EXPECT_EQ(DescribeWriter(dir_.path()), "");
}

TEST_F(SecondaryTest, ReadOnlyBesideAWriterFollowsIt) {
  ASSERT_TRUE(db_->Append(up_, 1000, 1).ok());
  std::unique_ptr<Database> reader = OpenReader(OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->open_mode(), OpenMode::kSecondary);
  ASSERT_TRUE(db_->Append(up_, 2000, 2).ok());
  ASSERT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(Count(reader.get(), up_), 2u);

  // Alone, a read-only open is a fixed view, and CatchUp has nothing to do.
  reader.reset();
  db_.reset();
  reader = OpenReader(OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->open_mode(), OpenMode::kReadOnly);
  EXPECT_TRUE(reader->CatchUp().ok());
  EXPECT_EQ(Count(reader.get(), up_), 2u);
}

}  // namespace
}  // namespace overtone
