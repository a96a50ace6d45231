// The raw samples' memtable sorts by series for its flush
// (storage/sample_memtable.h): whatever order samples were written in, the
// flushed files hold each exactly once, in key order (RocksDB checks the
// order of every flushed key), with the last write of a timestamp winning.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

using Expected = std::map<SeriesId, std::map<int64_t, double>>;

std::vector<Sample> ReadAll(Store* store, SeriesId id) {
  std::vector<Sample> out;
  auto c =
      store->NewSampleCursor(id, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  for (; c->Valid(); c->Next()) out.push_back(c->sample());
  EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  return out;
}

void ExpectStored(Store* store, const Expected& expected, const char* when) {
  for (const auto& [id, samples] : expected) {
    std::vector<Sample> got = ReadAll(store, id);
    ASSERT_EQ(got.size(), samples.size()) << "series " << id << " " << when;
    size_t i = 0;
    for (const auto& [ts, value] : samples) {
      EXPECT_EQ(got[i].ts, ts) << "series " << id << " " << when;
      EXPECT_EQ(got[i].value, value) << "series " << id << " at " << ts << " " << when;
      ++i;
    }
  }
}

TEST(SampleMemtableTest, FlushKeepsEverySampleWrittenInAnyOrder) {
  testing::TempDir dir;
  StoreOptions options;
  options.write_buffer_bytes = 1u << 20;  // several flushes on the way, each of a memtable full of series
  auto opened = Store::Open(options, dir.path() + "/rocksdb");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Store> store = std::move(*opened);

  // Ids whose big-endian bytes differ in every position, including above 2^32.
  std::vector<SeriesId> ids;
  for (SeriesId id = 1; id <= 300; ++id) ids.push_back(id);
  for (SeriesId id : {SeriesId{65535}, SeriesId{65536}, SeriesId{1} << 40, (SeriesId{1} << 40) + 255}) {
    ids.push_back(id);
  }
  std::mt19937_64 rng(7);
  Expected expected;
  for (int round = 0; round < 200; ++round) {
    Batch b(store.get());
    for (SeriesId id : ids) {
      // In time order, as a scraper writes, around zero so that negative
      // timestamps are among them.
      int64_t ts = (round - 100) * int64_t{15000};
      const uint64_t roll = rng() % 20;
      if (roll == 0) ts -= 15000 * int64_t(1 + rng() % 50);  // late: a sample before ones already written
      if (roll == 1 && round > 0) ts -= 15000;               // the previous timestamp again: last write wins
      const double value = double(rng() % 1000) + double(round);
      b.PutSample(id, ts, value);
      expected[id][ts] = value;
    }
    if (round % 3 == 0) b.PutSample(ids[round % ids.size()], 7, -1.0);  // one timestamp rewritten often
    if (round % 3 == 0) expected[ids[round % ids.size()]][7] = -1.0;
    ASSERT_TRUE(store->Commit(&b).ok());
  }
  ExpectStored(store.get(), expected, "before the last flush");
  ASSERT_TRUE(store->Flush().ok());
  ExpectStored(store.get(), expected, "after the flush");
  store.reset();
  opened = Store::Open(options, dir.path() + "/rocksdb");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ExpectStored(opened->get(), expected, "after reopening");
}

}  // namespace
}  // namespace overtone::storage
