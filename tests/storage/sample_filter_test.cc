// The raw samples family's table files: the prefix Bloom filter is written
// in partitions under a two-level index (store.cc says why), and only by
// compactions; table files written before, with one whole filter and a
// one-level index, read alike beside new ones. Flushes write their level-0
// files uncompressed, compactions compress.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/table_properties.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/coding.h"
#include "storage/store.h"
#include "storage/store_keys.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

double ValueOf(SeriesId id, int64_t ts) { return double(id) * 1000 + double(ts) / 7; }

// Writes series `ids`' samples at ts 1000..1009 into table files of the
// layout stores had before: one whole filter per file, a one-level index.
void WriteWholeFilterTables(const std::string& path, const std::vector<SeriesId>& ids) {
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = false;
  rocksdb::ColumnFamilyOptions samples;
  samples.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  samples.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (size_t f = 0; f < kNumFamilies; ++f)
    families.emplace_back(kFamilyNames[f], f == kSamples ? samples : rocksdb::ColumnFamilyOptions());
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  for (SeriesId id : ids) {
    for (int64_t ts = 1000; ts < 1010; ++ts) {
      std::string value;
      PutDoubleBits(&value, ValueOf(id, ts));
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[kSamples], SampleKey(id, ts), value).ok());
    }
  }
  ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), handles[kSamples]).ok());
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(db->Close().ok());
}

// Properties of each table file of the samples family, read below the store.
std::vector<std::shared_ptr<const rocksdb::TableProperties>> SampleTableProperties(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (size_t f = 0; f < kNumFamilies; ++f)
    families.emplace_back(kFamilyNames[f], rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles, &raw).ok());
  if (raw == nullptr) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::TablePropertiesCollection props;
  EXPECT_TRUE(db->GetPropertiesOfAllTables(handles[kSamples], &props).ok());
  std::vector<std::shared_ptr<const rocksdb::TableProperties>> out;
  for (const auto& [file, p] : props) out.push_back(p);
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  return out;
}

// Index partitions of each table file of the samples family, read below the store.
std::vector<uint64_t> SampleTableIndexPartitions(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (size_t f = 0; f < kNumFamilies; ++f)
    families.emplace_back(kFamilyNames[f], rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles, &raw).ok());
  if (raw == nullptr) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::TablePropertiesCollection props;
  EXPECT_TRUE(db->GetPropertiesOfAllTables(handles[kSamples], &props).ok());
  std::vector<uint64_t> out;
  for (const auto& [file, p] : props) out.push_back(p->index_partitions);
  std::sort(out.begin(), out.end());
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  return out;
}

std::vector<Sample> ReadSeries(Store* store, SeriesId id) {
  std::vector<Sample> out;
  auto c = store->NewSampleCursor(id, kMinTime, kMaxTime);
  for (; c->Valid(); c->Next()) out.push_back(c->sample());
  EXPECT_TRUE(c->status().ok()) << c->status().ToString();
  return out;
}

TEST(SampleFilterTest, WholeFilterTablesReadAlikeBesidePartitionedOnes) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/rocksdb";
  WriteWholeFilterTables(path, {1, 2, 3, 7});
  {
    auto opened = Store::Open(StoreOptions{}, path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<Store> store = std::move(*opened);
    // Series 2 and 5 get samples in a table file of the new layout.
    Batch batch(store.get());
    for (SeriesId id : {SeriesId{2}, SeriesId{5}}) {
      for (int64_t ts = 2000; ts < 2005; ++ts) batch.PutSample(id, ts, ValueOf(id, ts));
    }
    ASSERT_TRUE(store->Commit(&batch).ok());
    ASSERT_TRUE(store->FlushRawSamples().ok());

    for (SeriesId id = 1; id <= 8; ++id) {
      std::vector<Sample> want;
      if (id == 1 || id == 2 || id == 3 || id == 7) {
        for (int64_t ts = 1000; ts < 1010; ++ts) want.push_back(Sample{ts, ValueOf(id, ts)});
      }
      if (id == 2 || id == 5) {
        for (int64_t ts = 2000; ts < 2005; ++ts) want.push_back(Sample{ts, ValueOf(id, ts)});
      }
      std::vector<Sample> got = ReadSeries(store.get(), id);
      ASSERT_EQ(got.size(), want.size()) << "series " << id;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].ts, want[i].ts) << "series " << id;
        EXPECT_EQ(got[i].value, want[i].value) << "series " << id;
      }
    }
  }
  // The old file has a one-level index; the new one is partitioned.
  std::vector<uint64_t> partitions = SampleTableIndexPartitions(path);
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(partitions[0], 0u);
  EXPECT_GT(partitions[1], 0u);
}

// A flush writes its level-0 file without a prefix filter; a compaction
// writes its files with one. Every sample is found through either, beside
// series that are in neither, and the files' properties say which has a
// filter.
TEST(SampleFilterTest, FlushedFilesHaveNoFilterAndCompactedOnesHave) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/rocksdb";
  auto check = [&](Store* store) {
    for (SeriesId id = 1; id <= 60; ++id) {
      std::vector<Sample> got = ReadSeries(store, id);
      if (id % 3 == 0) {
        EXPECT_TRUE(got.empty()) << "series " << id;
        continue;
      }
      ASSERT_EQ(got.size(), 20u) << "series " << id;
      for (int64_t i = 0; i < 20; ++i) {
        EXPECT_EQ(got[i].ts, 1000 + i * 15);
        EXPECT_EQ(got[i].value, ValueOf(id, got[i].ts));
      }
    }
  };
  {
    auto opened = Store::Open(StoreOptions{}, path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<Store> store = std::move(*opened);
    // Two flushes, each with half of every written series' samples.
    for (int64_t half : {0, 10}) {
      Batch batch(store.get());
      for (SeriesId id = 1; id <= 60; ++id) {
        if (id % 3 == 0) continue;
        for (int64_t i = half; i < half + 10; ++i)
          batch.PutSample(id, 1000 + i * 15, ValueOf(id, 1000 + i * 15));
      }
      ASSERT_TRUE(store->Commit(&batch).ok());
      ASSERT_TRUE(store->FlushRawSamples().ok());
    }
    check(store.get());
  }
  std::vector<std::shared_ptr<const rocksdb::TableProperties>> flushed = SampleTableProperties(path);
  ASSERT_EQ(flushed.size(), 2u);
  for (const auto& p : flushed) {
    EXPECT_EQ(p->filter_size, 0u);
    EXPECT_EQ(p->num_entries, 400u);
  }
  {
    auto opened = Store::Open(StoreOptions{}, path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<Store> store = std::move(*opened);
    ASSERT_TRUE(store->CompactRawSamples().ok());
    check(store.get());
  }
  std::vector<std::shared_ptr<const rocksdb::TableProperties>> compacted = SampleTableProperties(path);
  ASSERT_EQ(compacted.size(), 1u);
  EXPECT_GT(compacted[0]->filter_size, 0u);
  EXPECT_EQ(compacted[0]->filter_policy_name, "overtone.CompactionOnlyBloomFilter");
  EXPECT_EQ(compacted[0]->num_entries, 800u);
}

// A flush writes its level-0 file uncompressed; the compaction that merges
// level-0 files compresses its output, which is then smaller than the
// flushed files' data. Every sample reads back through both, after reopen.
TEST(SampleFilterTest, FlushedFilesAreUncompressedAndCompactedOnesCompressed) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/rocksdb";
  auto check = [&](Store* store) {
    for (SeriesId id = 1; id <= 200; ++id) {
      std::vector<Sample> got = ReadSeries(store, id);
      ASSERT_EQ(got.size(), 40u) << "series " << id;
      for (int64_t i = 0; i < 40; ++i) {
        EXPECT_EQ(got[i].ts, 1000 + i * 15);
        EXPECT_EQ(got[i].value, ValueOf(id, got[i].ts));
      }
    }
  };
  {
    auto opened = Store::Open(StoreOptions{}, path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<Store> store = std::move(*opened);
    for (int64_t half : {0, 20}) {
      Batch batch(store.get());
      for (SeriesId id = 1; id <= 200; ++id) {
        for (int64_t i = half; i < half + 20; ++i)
          batch.PutSample(id, 1000 + i * 15, ValueOf(id, 1000 + i * 15));
      }
      ASSERT_TRUE(store->Commit(&batch).ok());
      ASSERT_TRUE(store->FlushRawSamples().ok());
    }
  }
  uint64_t flushed_bytes = 0;
  std::vector<std::shared_ptr<const rocksdb::TableProperties>> flushed = SampleTableProperties(path);
  ASSERT_EQ(flushed.size(), 2u);
  for (const auto& p : flushed) {
    EXPECT_EQ(p->compression_name, "NoCompression");
    flushed_bytes += p->data_size;
  }
  {
    auto opened = Store::Open(StoreOptions{}, path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<Store> store = std::move(*opened);
    check(store.get());
    ASSERT_TRUE(store->CompactRawSamples().ok());
    check(store.get());
  }
  std::vector<std::shared_ptr<const rocksdb::TableProperties>> compacted = SampleTableProperties(path);
  ASSERT_EQ(compacted.size(), 1u);
  EXPECT_NE(compacted[0]->compression_name, "NoCompression");
  EXPECT_LT(compacted[0]->data_size, flushed_bytes);
  {
    auto opened = Store::Open(StoreOptions{}, path);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    check(opened->get());
  }
}

}  // namespace
}  // namespace overtone::storage
