// The embedding API on a disk that fills up or fails
// (tests/support/fault_file_system.h): Write() and Compact() return
// NoSpace / IOError and never abort, WriteFault() says why, reads keep
// answering, sealing that fails leaves the raw samples as they were (no
// segment half in view) and succeeds once retried after the fault, and the
// database brings writes back by itself.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/database_impl.h"
#include "tests/support/fault_file_system.h"
#include "tests/support/test_database.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using testing::FaultFileSystem;

constexpr int64_t kHour = 3600 * 1000;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(fs_); }
  void Open(std::shared_ptr<FaultFileSystem> fs) {
    db_.reset();
    Options o = testing::TestDatabaseOptions();
    o.segment_span_ms = kHour;
    o.head_window_ms = 0;
    o.write_buffer_bytes = 1u << 20;
    auto r = DatabaseImpl::Open(o, dir_.path(), std::move(fs));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(*r);
  }
  // Writes `n` samples of series `name` from `start`, one a second, `per`
  // to a Write().
  Status WriteSeries(const std::string& name, int64_t start, int n, int per = 100) {
    for (int i = 0; i < n; i += per) {
      WriteBatch b;
      for (int j = i; j < std::min(n, i + per); ++j) {
        b.Add({{"__name__", name}}, start + j * 1000, static_cast<double>(j));
      }
      OT_RETURN_IF_ERROR(db_->Write(b));
    }
    return Status::OK();
  }
  std::vector<Sample> Read(const std::string& name) {
    return testing::ReadSeries(db_.get(), {{"__name__", name}});
  }
  size_t SegmentCount() {
    size_t n = 0;
    EXPECT_TRUE(db_->ForEachSegment(0,
                                    [&](const SegmentInfo&) {
                                      ++n;
                                      return Status::OK();
                                    })
                    .ok());
    return n;
  }
  bool WaitForWrites(int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (db_->WriteFault().ok() && db_->Append({{"__name__", "probe"}}, 1, 1).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  testing::TempDir dir_;
  std::shared_ptr<FaultFileSystem> fs_ = std::make_shared<FaultFileSystem>();
  std::unique_ptr<Database> db_;
};

TEST_F(FaultTest, WriteOnAFullDiskFailsWithNoSpaceAndRecoversByItself) {
  ASSERT_TRUE(WriteSeries("before", 0, 3000).ok());
  fs_->Arm({.error = FaultFileSystem::kNoSpace, .after_bytes = 20000, .file_suffix = ".log"});
  Status s;
  int64_t t = 0;
  for (int i = 0; i < 1000 && s.ok(); ++i, t += 100 * 1000) s = WriteSeries("during", t, 100);
  ASSERT_EQ(s.code(), Status::Code::kNoSpace) << s.ToString();
  std::vector<Sample> during = Read("during");  // what was acknowledged
  ASSERT_FALSE(during.empty());

  EXPECT_EQ(db_->WriteFault().code(), Status::Code::kNoSpace);
  EXPECT_EQ(db_->Append({{"__name__", "later"}}, 1, 1).code(), Status::Code::kNoSpace);
  EXPECT_GT(db_->GetStats().failed_writes, 0u);
  // Reads answer from what is stored.
  EXPECT_EQ(Read("before").size(), 3000u);
  auto selected = db_->Select({});
  ASSERT_TRUE(selected.ok()) << selected.status().ToString();

  fs_->Disarm();
  ASSERT_TRUE(WaitForWrites(30)) << db_->WriteFault().ToString();
  EXPECT_GE(db_->GetStats().write_recoveries, 1u);
  ASSERT_TRUE(WriteSeries("after", 0, 500).ok());

  Open(nullptr);
  EXPECT_EQ(Read("before").size(), 3000u);
  EXPECT_GE(Read("during").size(), during.size());
  EXPECT_EQ(Read("after").size(), 500u);
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

TEST_F(FaultTest, SealingThatRunsOutOfSpaceKeepsTheRawSamplesAndRetriesLater) {
  // Three closed one-hour windows of two series.
  ASSERT_TRUE(WriteSeries("a", 0, 3 * 3600, 3600).ok());
  ASSERT_TRUE(WriteSeries("b", 0, 3 * 3600, 3600).ok());
  const std::vector<Sample> a = Read("a"), b = Read("b");

  // The disk is full for the sealing's writes (the write-ahead log first,
  // then every table file).
  fs_->Arm({.error = FaultFileSystem::kNoSpace});
  auto sealed = db_->Compact(10 * kHour);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.status().code(), Status::Code::kNoSpace) << sealed.status().ToString();
  // Nothing half-done is in view: no segment, every raw sample as it was.
  EXPECT_EQ(SegmentCount(), 0u);
  EXPECT_EQ(Read("a"), a);
  EXPECT_EQ(Read("b"), b);

  fs_->Disarm();
  ASSERT_TRUE(WaitForWrites(30)) << db_->WriteFault().ToString();
  auto retried = db_->Compact(10 * kHour);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_GT(SegmentCount(), 0u);
  EXPECT_EQ(Read("a"), a);
  EXPECT_EQ(Read("b"), b);

  Open(nullptr);
  EXPECT_EQ(Read("a"), a);
  EXPECT_EQ(Read("b"), b);
  auto report = db_->Check();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

TEST_F(FaultTest, SealingWhoseTableFilesFailKeepsEverythingAndRetriesLater) {
  ASSERT_TRUE(WriteSeries("a", 0, 3 * 3600, 3600).ok());
  const std::vector<Sample> a = Read("a");
  // Sealing commits (the WAL still works), then the flush that follows a
  // large sealing writes table files, and those fail with an I/O error.
  ASSERT_TRUE(WriteSeries("bulk", 0, 200000, 5000).ok());
  fs_->Arm({.error = FaultFileSystem::kIOError, .file_suffix = ".sst"});
  auto sealed = db_->Compact(10 * kHour);
  // Either the flush failed (IOError) or it had nothing to do; no abort.
  if (!sealed.ok()) {
    EXPECT_TRUE(sealed.status().IsStorageFault()) << sealed.status().ToString();
  }
  EXPECT_EQ(Read("a"), a);
  fs_->Disarm();
  ASSERT_TRUE(WaitForWrites(30)) << db_->WriteFault().ToString();
  auto retried = db_->Compact(10 * kHour);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(Read("a"), a);
  EXPECT_EQ(Read("bulk").size(), 200000u);
  Open(nullptr);
  EXPECT_EQ(Read("a"), a);
  EXPECT_EQ(Read("bulk").size(), 200000u);
}

TEST_F(FaultTest, BackgroundCompactorSurvivesAFullDisk) {
  db_.reset();
  Options o = testing::TestDatabaseOptions();
  o.segment_span_ms = kHour;
  o.head_window_ms = 0;
  o.compaction_interval_ms = 20;
  auto r = DatabaseImpl::Open(o, dir_.path(), fs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  db_ = std::move(*r);
  fs_->Arm({.error = FaultFileSystem::kNoSpace, .after_bytes = 50000});
  Status s;
  for (int i = 0; i < 200 && s.ok(); ++i) s = WriteSeries("x", int64_t{i} * 3600 * 1000, 600, 600);
  EXPECT_TRUE(s.IsStorageFault()) << s.ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the compactor fails a few times
  std::vector<Sample> kept = Read("x");
  fs_->Disarm();
  ASSERT_TRUE(WaitForWrites(30)) << db_->WriteFault().ToString();
  // And seals after recovery: within a few runs, however loaded the machine.
  for (int i = 0; i < 300 && db_->GetStats().segments_written == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Read("x"), kept);
  EXPECT_GT(db_->GetStats().segments_written, 0u);
}

}  // namespace
}  // namespace overtone
