// The raw samples' memtable representation (storage/sample_memtable.h)
// under RocksDB itself: whatever order keys are written in, gets, total
// order and prefix iterators (Seek, SeekForPrev, Next, Prev, both ends) and
// reads at older snapshots agree with a std::map, before and after a flush;
// and readers running beside the writer see every key written before they
// started, in order.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/slice_transform.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/sample_memtable.h"
#include "storage/store_keys.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

using Model = std::map<std::string, std::string>;

// With `by_series`, the samples family's prefix extractor (the series id),
// which RocksDB requires every key to be long enough for.
std::unique_ptr<rocksdb::DB> OpenDb(const std::string& path, size_t write_buffer_bytes, size_t buckets,
                                    bool by_series = true) {
  rocksdb::Options options;
  options.create_if_missing = true;
  if (by_series) options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  options.memtable_factory = NewSampleMemTableRepFactory(buckets);
  options.write_buffer_size = write_buffer_bytes;
  options.allow_concurrent_memtable_write = false;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::unique_ptr<rocksdb::DB>(raw);
}

std::string Key(uint64_t series, uint64_t ts) {
  std::string k;
  PutBE64(&k, series);
  PutBE64(&k, ts);
  return k;
}

// Keys of the model test: mostly (series, timestamp), some longer than 16
// bytes, and with `short_keys` some shorter than a series id.
class KeyMaker {
 public:
  KeyMaker(std::mt19937_64* rng, bool short_keys) : rng_(rng), short_keys_(short_keys) {}

  std::string Next() {
    const uint64_t roll = (*rng_)() % 100;
    if (roll < 5 && !short_keys_) return Next();
    if (roll < 3) return std::string("ab").substr(0, 1 + (*rng_)() % 2);  // shorter than 8 bytes
    if (roll < 5) return std::string("\0\0\0\0\0\0\0", 1 + (*rng_)() % 7);
    const size_t place = (*rng_)() % std::size(kSeries);
    const uint64_t series = kSeries[place];
    uint64_t& last = last_ts_[series];
    std::string k;
    // Series at even places only ever grow at their end.
    if (roll < 70 || place % 2 == 0) {
      k = Key(series, last += 1 + (*rng_)() % 3);  // in order
    } else if (roll < 85) {
      k = Key(series, (*rng_)() % (last + 1));  // late, or a rewrite
    } else {
      k = Key(series, last);  // the last timestamp again
    }
    if (roll >= 97) k.append("-longer");
    return k;
  }

 private:
  static constexpr uint64_t kSeries[] = {0, 1, 2, 255, 256, 65536, uint64_t{1} << 40, ~uint64_t{0}};
  std::mt19937_64* rng_;
  const bool short_keys_;
  std::map<uint64_t, uint64_t> last_ts_;
};

// Every key of the model, and some between and beyond them, to seek to.
std::vector<std::string> Targets(const Model& model, bool by_series, std::mt19937_64* rng) {
  std::vector<std::string> t = {std::string(8, '\0'), std::string(30, '\xff')};
  if (!by_series) t.insert(t.end(), {"", std::string(1, '\0')});
  for (const auto& [k, v] : model) {
    t.push_back(k);
    if ((*rng)() % 4 == 0) t.push_back(k + '\0');
    if ((*rng)() % 4 == 0 && k.size() > (by_series ? 8 : 0)) t.push_back(k.substr(0, k.size() - 1));
  }
  return t;
}

void ExpectAt(rocksdb::Iterator* it, Model::const_iterator want, const Model& model,
              const std::string& what) {
  if (want == model.end()) {
    EXPECT_FALSE(it->Valid()) << what << ": at " << (it->Valid() ? it->key().ToString(true) : "");
    return;
  }
  ASSERT_TRUE(it->Valid()) << what << ": wanted " << rocksdb::Slice(want->first).ToString(true);
  EXPECT_EQ(it->key().ToString(), want->first) << what;
  EXPECT_EQ(it->value().ToString(), want->second) << what;
}

void CheckAgainst(rocksdb::DB* db, const rocksdb::Snapshot* snapshot, const Model& model, bool by_series,
                  std::mt19937_64* rng, const std::string& when) {
  rocksdb::ReadOptions total;
  total.snapshot = snapshot;
  total.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(total));

  Model scanned;
  for (it->SeekToFirst(); it->Valid(); it->Next()) scanned[it->key().ToString()] = it->value().ToString();
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(scanned, model) << when << ": forward scan";
  std::vector<std::string> backwards;
  for (it->SeekToLast(); it->Valid(); it->Prev()) backwards.push_back(it->key().ToString());
  std::vector<std::string> forwards;
  for (const auto& [k, v] : model) forwards.push_back(k);
  std::reverse(backwards.begin(), backwards.end());
  EXPECT_EQ(backwards, forwards) << when << ": backward scan";

  for (const std::string& target : Targets(model, by_series, rng)) {
    const std::string what = when + ", target " + rocksdb::Slice(target).ToString(true);
    std::string value;
    rocksdb::Status s = db->Get(total, target, &value);
    auto found = model.find(target);
    if (found == model.end()) {
      EXPECT_TRUE(s.IsNotFound()) << what << ": " << s.ToString();
    } else {
      EXPECT_TRUE(s.ok()) << what << ": " << s.ToString();
      EXPECT_EQ(value, found->second) << what;
    }

    it->Seek(target);
    auto want = model.lower_bound(target);
    ExpectAt(it.get(), want, model, what + " Seek");
    for (int step = 0; step < 3 && want != model.end(); ++step) {
      it->Next();
      ExpectAt(it.get(), ++want, model, what + " Seek, Next");
    }
    it->Seek(target);
    want = model.lower_bound(target);
    if (want != model.end()) {
      it->Prev();
      ExpectAt(it.get(), want == model.begin() ? model.end() : std::prev(want), model, what + " Seek, Prev");
    }

    it->SeekForPrev(target);
    auto upper = model.upper_bound(target);
    auto last = upper == model.begin() ? model.end() : std::prev(upper);
    ExpectAt(it.get(), last, model, what + " SeekForPrev");
    if (last != model.end()) {
      it->Next();
      ExpectAt(it.get(), upper, model, what + " SeekForPrev, Next");
    }

    // A prefix iterator stays inside the target's series.
    if (!by_series) continue;
    rocksdb::ReadOptions prefix;
    prefix.snapshot = snapshot;
    prefix.prefix_same_as_start = true;
    std::unique_ptr<rocksdb::Iterator> p(db->NewIterator(prefix));
    std::vector<std::string> got;
    for (p->Seek(target); p->Valid(); p->Next()) got.push_back(p->key().ToString());
    std::vector<std::string> wanted;
    for (auto w = model.lower_bound(target); w != model.end() && w->first.compare(0, 8, target, 0, 8) == 0;
         ++w) {
      wanted.push_back(w->first);
    }
    EXPECT_EQ(got, wanted) << what << ": prefix Seek";
    got.clear();
    for (p->SeekForPrev(target); p->Valid(); p->Prev()) got.push_back(p->key().ToString());
    wanted.clear();
    for (auto w = model.upper_bound(target); w != model.begin();) {
      --w;
      if (w->first.size() < 8 || w->first.compare(0, 8, target, 0, 8) != 0) break;
      wanted.push_back(w->first);
    }
    EXPECT_EQ(got, wanted) << what << ": prefix SeekForPrev";
  }
}

TEST(SampleMemTableRepTest, AgreesWithAMapWhateverTheWriteOrder) {
  for (uint64_t seed : {1, 2, 3, 4}) {
    const bool by_series = seed % 2 == 1;
    const std::string run = "seed " + std::to_string(seed);
    testing::TempDir dir;
    // 16 buckets for 8 series and the short keys: chains of several series.
    std::unique_ptr<rocksdb::DB> db = OpenDb(dir.path() + "/db", 64u << 20, 16, by_series);
    ASSERT_NE(db, nullptr);
    std::mt19937_64 rng(seed);
    KeyMaker keys(&rng, /*short_keys=*/!by_series);
    Model model;
    std::vector<std::pair<const rocksdb::Snapshot*, Model>> snapshots;
    for (int op = 1; op <= 3000; ++op) {
      const std::string k = keys.Next();
      const std::string v = std::to_string(op);
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), k, v).ok());
      model[k] = v;
      if (op % 1000 == 0) snapshots.emplace_back(db->GetSnapshot(), model);
      if (op % 1500 == 0) CheckAgainst(db.get(), nullptr, model, by_series, &rng, run);
    }
    for (const auto& [snapshot, then] : snapshots) {
      CheckAgainst(db.get(), snapshot, then, by_series, &rng, "snapshot, " + run);
    }
    ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
    CheckAgainst(db.get(), nullptr, model, by_series, &rng, "flushed, " + run);
    for (const auto& [snapshot, then] : snapshots) {
      CheckAgainst(db.get(), snapshot, then, by_series, &rng, "flushed snapshot, " + run);
      db->ReleaseSnapshot(snapshot);
    }
  }
}

// One writer, two readers: every key written before a reader began is
// there, in order, whether the memtable is written, immutable or flushed
// (a small write buffer switches memtables many times during the run).
TEST(SampleMemTableRepTest, ReadersBesideTheWriterSeeEveryEarlierKey) {
  testing::TempDir dir;
  std::unique_ptr<rocksdb::DB> db = OpenDb(dir.path() + "/db", 256u << 10, 64);
  ASSERT_NE(db, nullptr);
  constexpr uint64_t kSeriesCount = 200;
  constexpr size_t kOps = 40000;
  std::vector<std::string> log(kOps);
  std::atomic<size_t> written{0};
  std::atomic<bool> failed{false};

  std::thread writer([&] {
    std::mt19937_64 rng(11);
    std::vector<uint64_t> last(kSeriesCount, 1000);
    for (size_t op = 0; op < kOps; ++op) {
      const uint64_t series = rng() % kSeriesCount;
      const uint64_t roll = rng() % 20;
      uint64_t ts = roll == 0 ? rng() % last[series] : roll == 1 ? last[series] : ++last[series];
      log[op] = Key(series, ts);
      if (!db->Put(rocksdb::WriteOptions(), log[op], std::to_string(op)).ok()) failed = true;
      written.store(op + 1, std::memory_order_release);
    }
  });

  auto reader = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (written.load(std::memory_order_acquire) < kOps && !failed) {
      const size_t n = written.load(std::memory_order_acquire);
      const uint64_t series = rng() % kSeriesCount;
      rocksdb::ReadOptions ro;
      ro.prefix_same_as_start = true;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
      std::vector<std::string> seen;
      for (it->Seek(Key(series, 0)); it->Valid(); it->Next()) seen.push_back(it->key().ToString());
      if (!std::is_sorted(seen.begin(), seen.end()) ||
          std::adjacent_find(seen.begin(), seen.end()) != seen.end()) {
        ADD_FAILURE() << "series " << series << " out of order";
        failed = true;
      }
      for (size_t op = 0; op < n; ++op) {
        if (log[op].compare(0, 8, Key(series, 0), 0, 8) != 0) continue;
        if (!std::binary_search(seen.begin(), seen.end(), log[op])) {
          ADD_FAILURE() << "series " << series << " lacks the key of write " << op << " of " << n;
          failed = true;
          break;
        }
      }
      if (rng() % 8 == 0) {  // now and then everything, in total order
        rocksdb::ReadOptions all;
        all.total_order_seek = true;
        std::unique_ptr<rocksdb::Iterator> t(db->NewIterator(all));
        std::string previous;
        size_t count = 0;
        for (t->SeekToFirst(); t->Valid(); t->Next(), ++count) {
          if (count > 0 && t->key().ToString() <= previous) {
            ADD_FAILURE() << "total order broken at " << t->key().ToString(true);
            failed = true;
            break;
          }
          previous = t->key().ToString();
        }
      }
      const size_t pick = n == 0 ? 0 : rng() % n;
      std::string value;
      if (n > 0 && !db->Get(rocksdb::ReadOptions(), log[pick], &value).ok()) {
        ADD_FAILURE() << "write " << pick << " not found";
        failed = true;
      }
    }
  };
  std::thread r1(reader, 21), r2(reader, 22);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_FALSE(failed);
}

}  // namespace
}  // namespace overtone::storage
