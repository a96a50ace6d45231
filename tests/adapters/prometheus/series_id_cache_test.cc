// SeriesIdCache::FindMany, the lookup of a request's keys all at once:
// it answers what Find answers key by key, whatever the keys' hashes,
// lengths, repeats and erasures, across shard resets, and beside writers.

#include "adapters/prometheus/series_id_cache.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace overtone::adapters {
namespace {

// Few hashes, in few shards: long probe chains of keys that share a full
// hash, so that FindMany's candidate slot is often the wrong key.
uint64_t FewHashes(std::string_view key) {
  const uint64_t h = XXH3_64bits(key.data(), key.size());
  return ((h % 5) << 58) | (h >> 61);
}

// Keys of 1 to 400 bytes (past the four cache lines FindMany fetches),
// many sharing a long prefix, as label sets do.
std::string RandomKey(std::mt19937_64& rng) {
  const size_t len = 1 + rng() % 400;
  std::string key = rng() % 2 == 0 ? std::string(std::min<size_t>(len, 120), 'p') : std::string();
  while (key.size() < len) key.push_back(static_cast<char>('a' + rng() % 3));
  return key;
}

// Compares FindMany with Find on `queries` (repeats included) in batches
// of every size from 0 to past the pipeline's depth, and a whole one.
void ExpectFindManyAsFind(const SeriesIdCache& cache, const std::vector<std::string>& queries,
                          std::mt19937_64& rng) {
  size_t at = 0, found = 0;
  while (at < queries.size()) {
    const size_t n = rng() % 3 == 0 ? queries.size() - at : std::min(queries.size() - at, size_t(rng() % 20));
    std::vector<SeriesIdCache::Lookup> lookups;
    for (size_t i = at; i < at + n; ++i)
      lookups.push_back(SeriesIdCache::Lookup{cache.Hash(queries[i]), queries[i], /*id=*/12345});
    cache.FindMany(lookups);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(lookups[i].id, cache.Find(lookups[i].hash, queries[at + i])) << "key " << queries[at + i];
      found += lookups[i].id != 0;
    }
    at += n;
  }
  EXPECT_GT(found, 0u);
  EXPECT_LT(found, queries.size());
}

class FindManyTest : public ::testing::TestWithParam<bool> {};  // whether hashes collide

TEST_P(FindManyTest, AnswersAsFindOneKeyAtATime) {
  std::mt19937_64 rng(GetParam() ? 7 : 8);
  SeriesIdCache cache;
  if (GetParam()) cache.SetHashForTesting(FewHashes);
  std::vector<std::string> keys;
  for (int i = 0; i < 3000; ++i) keys.push_back(RandomKey(rng));
  std::vector<SeriesId> ids(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (rng() % 4 == 0) continue;  // never inserted
    ids[i] = 1 + rng() % 1000000;
    cache.Insert(cache.Hash(keys[i]), keys[i], ids[i]);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (ids[i] != 0 && rng() % 5 == 0) cache.Erase(cache.Hash(keys[i]), keys[i], ids[i]);      // erased
    if (ids[i] != 0 && rng() % 7 == 0) cache.Erase(cache.Hash(keys[i]), keys[i], ids[i] + 1);  // kept
  }
  for (size_t i = 0; i < keys.size(); i += 11) cache.Insert(cache.Hash(keys[i]), keys[i], 5000000 + i);
  std::vector<std::string> queries;
  for (int i = 0; i < 6000; ++i) {
    const size_t k = rng() % keys.size();
    queries.push_back(keys[k]);
    if (rng() % 10 == 0) queries.push_back(keys[k]);        // a series twice in one request
    if (rng() % 10 == 0) queries.push_back(keys[k] + "x");  // never inserted
    if (rng() % 20 == 0 && keys[k].size() > 1) queries.push_back(keys[k].substr(1));
  }
  ExpectFindManyAsFind(cache, queries, rng);

  SeriesIdCache empty;
  std::vector<SeriesIdCache::Lookup> lookups = {{empty.Hash("a"), "a", 9}, {empty.Hash("b"), "b", 9}};
  empty.FindMany(lookups);
  EXPECT_EQ(lookups[0].id, 0u);
  EXPECT_EQ(lookups[1].id, 0u);
  empty.FindMany({});
}

// Shards that started over (their bound passed) answer alike, emptied or
// refilled.
TEST_P(FindManyTest, AnswersAsFindAcrossResets) {
  std::mt19937_64 rng(GetParam() ? 9 : 10);
  SeriesIdCache cache(nullptr, /*max_bytes=*/64 * 8192);  // 8 KiB a shard
  if (GetParam()) cache.SetHashForTesting(FewHashes);
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) keys.push_back(RandomKey(rng) + std::to_string(i));
  for (size_t i = 0; i < keys.size(); ++i) cache.Insert(cache.Hash(keys[i]), keys[i], i + 1);
  EXPECT_GT(cache.resets(), 0u);
  std::vector<std::string> queries;
  for (int i = 0; i < 5000; ++i) queries.push_back(keys[keys.size() - 1 - rng() % 4000]);
  ExpectFindManyAsFind(cache, queries, rng);
}

INSTANTIATE_TEST_SUITE_P(Hashes, FindManyTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Colliding" : "XXH3"; });

// Readers looking up batches while writers insert, erase and reinsert, and
// shards start over: every answer is 0 or the key's one id, and no reader
// or writer waits forever (shards are locked in one order).
TEST(FindManyConcurrency, ReadersBesideWritersSeeOnlyTheKeysIds) {
  SeriesIdCache cache(nullptr, /*max_bytes=*/64 * 32768);
  constexpr int kKeys = 20000;
  auto key = [](int i) { return "series-" + std::to_string(i * 7919 % kKeys) + std::string(i % 90, 'v'); };
  auto id_of = [](int i) { return SeriesId(i + 1); };
  std::atomic<bool> stop{false};
  std::atomic<size_t> found{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int round = 0; round < 3; ++round) {
        for (int i = w; i < kKeys; i += 2) {
          const std::string k = key(i);
          cache.Insert(cache.Hash(k), k, id_of(i));
          if (i % 3 == 0) cache.Erase(cache.Hash(k), k, id_of(i));
        }
      }
    });
  }
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(r);
      while (!stop.load()) {
        std::vector<std::string> keys;
        std::vector<int> which;
        for (int n = 0; n < 500; ++n) which.push_back(static_cast<int>(rng() % kKeys));
        for (int i : which) keys.push_back(key(i));
        std::vector<SeriesIdCache::Lookup> lookups;
        for (const std::string& k : keys) lookups.push_back({cache.Hash(k), k});
        cache.FindMany(lookups);
        for (size_t n = 0; n < lookups.size(); ++n) {
          if (lookups[n].id == 0) continue;
          ++found;
          if (lookups[n].id != id_of(which[n])) ++wrong;
        }
      }
    });
  }
  threads[0].join();
  threads[1].join();
  stop = true;
  for (size_t t = 2; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(wrong.load(), 0u);
  EXPECT_GT(found.load(), 0u);
}

}  // namespace
}  // namespace overtone::adapters
