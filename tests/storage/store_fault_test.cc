// The Store on a disk that fills up or fails (tests/support/fault_file_system.h):
// NoSpace and IOError on writes to the write-ahead log, on syncs, on the
// table files of flushes and compactions, on renames, and on every file
// after N bytes. In every case: no crash, writes fail with the fault's
// Status and fail fast while it lasts, reads keep answering, writes come
// back by themselves once the fault passes, and after a reopen every
// acknowledged sample is there.

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <set>
#include <string>
#include <thread>

#include "storage/store.h"
#include "tests/support/fault_file_system.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

using testing::FaultFileSystem;

struct FaultCase {
  std::string name;
  FaultFileSystem::Plan plan;
  bool sync = false;           // StoreOptions::sync: the WAL is synced on every commit
  bool flush_often = false;    // flush every few commits, so that table files are written
  bool compact_often = false;  // and compact the raw samples
};

// Test names show the case's name, not its bytes.
void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class StoreFaultTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  void Open(std::shared_ptr<FaultFileSystem> fs) {
    store_.reset();
    StoreOptions o;
    o.file_system = std::move(fs);
    o.sync = GetParam().sync;
    o.write_buffer_bytes = 1u << 20;
    auto s = Store::Open(o, dir_.path() + "/rocksdb");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // One commit of 50 samples at timestamp `ts` (series 1..50).
  Status CommitAt(int64_t ts) {
    Batch b(store_.get());
    for (SeriesId id = 1; id <= 50; ++id) b.PutSample(id, ts, static_cast<double>(ts));
    return store_->Commit(&b);
  }
  std::set<int64_t> Timestamps(SeriesId id) {
    std::set<int64_t> out;
    auto c = store_->NewSampleCursor(id, kMinTime, kMaxTime);
    for (; c->Valid(); c->Next()) out.insert(c->sample().ts);
    EXPECT_TRUE(c->status().ok()) << c->status().ToString();
    return out;
  }
  // Commits until writes work again, for at most `seconds`.
  bool WaitForWrites(int64_t ts, int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (CommitAt(ts).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreFaultTest, FailsCleanlyKeepsWhatWasAcknowledgedAndRecovers) {
  const FaultCase& c = GetParam();
  auto fs = std::make_shared<FaultFileSystem>();
  Open(fs);
  std::set<int64_t> acknowledged;
  int64_t ts = 0;
  for (; ts < 20; ++ts) {
    ASSERT_TRUE(CommitAt(ts).ok());
    acknowledged.insert(ts);
  }

  fs->Arm(c.plan);
  Status failed;
  for (; ts < 20000 && failed.ok(); ++ts) {
    failed = CommitAt(ts);
    if (failed.ok()) acknowledged.insert(ts);
    if (failed.ok() && c.flush_often && ts % 25 == 0) failed = store_->Flush();
    if (failed.ok() && c.compact_often && ts % 100 == 0) failed = store_->CompactRawSamples();
  }
  ASSERT_FALSE(failed.ok()) << "the injected fault never surfaced";
  EXPECT_TRUE(failed.IsStorageFault()) << failed.ToString();
  EXPECT_EQ(failed.code(),
            c.plan.error == FaultFileSystem::kNoSpace ? Status::Code::kNoSpace : Status::Code::kIOError)
      << failed.ToString();
  EXPECT_GT(fs->injected(), 0u);

  // While failing: writes fail at once with the fault, flushes too, and the
  // store says why; reads still answer (or say clearly that they cannot,
  // while a reopen is under way).
  Status again = CommitAt(ts);
  EXPECT_TRUE(again.IsStorageFault()) << again.ToString();
  EXPECT_TRUE(store_->Flush().IsStorageFault());
  EXPECT_FALSE(store_->write_fault().ok());
  EXPECT_GT(store_->failed_writes(), 0u);
  {
    auto cursor = store_->NewSampleCursor(1, kMinTime, kMaxTime);
    size_t n = 0;
    for (; cursor->Valid(); cursor->Next()) ++n;
    if (cursor->status().ok()) {
      EXPECT_GE(n, acknowledged.size());
    }
  }

  // The fault passes: writes come back by themselves, without a reopen by
  // the caller.
  fs->Disarm();
  ASSERT_TRUE(WaitForWrites(++ts, 30)) << store_->write_fault().ToString();
  acknowledged.insert(ts);
  EXPECT_TRUE(store_->write_fault().ok());
  EXPECT_GE(store_->recoveries(), 1u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(CommitAt(++ts).ok());
    acknowledged.insert(ts);
  }
  ASSERT_TRUE(store_->Flush().ok());

  // Every acknowledged sample survives, in this instance and after a reopen
  // on the machine's own file system.
  for (SeriesId id : {SeriesId{1}, SeriesId{50}}) {
    std::set<int64_t> have = Timestamps(id);
    for (int64_t t : acknowledged) EXPECT_TRUE(have.count(t)) << "series " << id << " lost ts " << t;
  }
  Open(nullptr);
  for (SeriesId id : {SeriesId{1}, SeriesId{50}}) {
    std::set<int64_t> have = Timestamps(id);
    for (int64_t t : acknowledged) EXPECT_TRUE(have.count(t)) << "series " << id << " lost ts " << t;
  }
  EXPECT_TRUE(store_->VerifyChecksums().ok());
}

FaultFileSystem::Plan WalPlan(FaultFileSystem::Error e, uint64_t after_bytes) {
  return {.error = e, .after_bytes = after_bytes, .file_suffix = ".log"};
}

INSTANTIATE_TEST_SUITE_P(
    Faults, StoreFaultTest,
    ::testing::Values(
        FaultCase{"WalWriteNoSpace", WalPlan(FaultFileSystem::kNoSpace, 100000)},
        FaultCase{"WalWriteIOError", WalPlan(FaultFileSystem::kIOError, 100000)},
        FaultCase{
            "WalSyncNoSpace",
            {.error = FaultFileSystem::kNoSpace, .on_write = false, .after_calls = 30, .file_suffix = ".log"},
            /*sync=*/true},
        FaultCase{
            "WalSyncIOError",
            {.error = FaultFileSystem::kIOError, .on_write = false, .after_calls = 30, .file_suffix = ".log"},
            /*sync=*/true},
        FaultCase{"FlushNoSpace", {.error = FaultFileSystem::kNoSpace, .file_suffix = ".sst"}, false, true},
        FaultCase{"FlushIOError", {.error = FaultFileSystem::kIOError, .file_suffix = ".sst"}, false, true},
        FaultCase{"CompactionNoSpace",
                  {.error = FaultFileSystem::kNoSpace, .after_calls = 40, .file_suffix = ".sst"},
                  false,
                  true,
                  true},
        FaultCase{"EveryFileNoSpaceAfterBytes",
                  {.error = FaultFileSystem::kNoSpace, .after_bytes = 300000},
                  false,
                  true,
                  true},
        // The WAL fails, and so does every rename and file creation, so the
        // first reopens fail too (the store stays closed until the fault
        // passes).
        FaultCase{"WalAndReopenIOError",
                  {.error = FaultFileSystem::kIOError, .on_create = true, .after_bytes = 100000},
                  false,
                  true}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return info.param.name; });

}  // namespace
}  // namespace overtone::storage
