// The series index's flat table and its behaviour when label hashes
// collide: every label set keeps its own id through lookups, eviction,
// re-appearance, deletion and a reload from the catalog.

#include "engine/series_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/series_table.h"
#include "overtone/memory.h"
#include "storage/store.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

using engine::SeriesIndex;
using engine::SeriesTable;

// Random inserts and erases over few distinct hashes (so that runs of equal
// tags, wrap-around and backward shifts all happen), checked against a map.
TEST(SeriesTableTest, MatchesAMapUnderInsertsAndErasesWithCollidingHashes) {
  SeriesTable table;
  std::map<SeriesId, uint64_t> model;  // id -> hash
  std::mt19937_64 rng(7);
  SeriesId next = 1;
  auto hash_of = [&rng](int distinct) {
    // Distinct hashes with equal tags, equal hashes, and hashes whose homes wrap.
    uint64_t k = rng() % distinct;
    return (k % 3 == 0) ? (k << 32) | 0xffff'ffffu : (k * 0x9e3779b97f4a7c15ull);
  };
  for (int round = 0; round < 20000; ++round) {
    if (model.empty() || rng() % 3 != 0) {
      uint64_t h = hash_of(40);
      table.Insert(h, next, "key-" + std::to_string(next), true);
      model[next++] = h;
    } else {
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      ASSERT_TRUE(table.Erase(it->first));
      model.erase(it);
    }
    if (round % 997 == 0 || round > 19900) {
      ASSERT_EQ(table.size(), model.size());
      for (const auto& [id, h] : model) {
        const SeriesTable::Entry* e = table.FindId(id);
        ASSERT_NE(e, nullptr) << id;
        EXPECT_EQ(e->hash, h);
        EXPECT_EQ(e->key, "key-" + std::to_string(id));
        const SeriesId want = id;
        const SeriesTable::Entry* f =
            table.Find(h, [want](const SeriesTable::Entry& c) { return c.id == want; });
        ASSERT_EQ(f, e);
      }
    }
  }
  EXPECT_FALSE(table.Erase(next + 5));
  EXPECT_EQ(table.FindId(next + 5), nullptr);

  // EraseIf keeps the rest findable and shrinks the tables.
  const size_t before = table.memory_bytes();
  size_t removed = table.EraseIf([](const SeriesTable::Entry& e) { return e.id % 4 != 0; });
  size_t expected_removed = 0;
  for (auto it = model.begin(); it != model.end();) {
    if (it->first % 4 != 0) {
      it = model.erase(it);
      ++expected_removed;
    } else {
      ++it;
    }
  }
  EXPECT_EQ(removed, expected_removed);
  EXPECT_LT(table.memory_bytes(), before);
  ASSERT_EQ(table.size(), model.size());
  for (const auto& [id, h] : model) {
    const SeriesId want = id;
    ASSERT_NE(table.Find(h, [want](const SeriesTable::Entry& c) { return c.id == want; }), nullptr);
  }
}

Labels Series(int s) {
  return {{"__name__", "m"}, {"instance", "host-" + std::to_string(s)}, {"job", "node"}};
}

// Every label set hashes to one of three values.
uint64_t CollidingHash(std::string_view key) { return engine::HashLabelKey(key) % 3; }

class CollidingIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenIndex(); }
  void OpenIndex() {
    index_.reset();
    if (store_ == nullptr) {
      auto s = storage::Store::Open(storage::StoreOptions{}, dir_.path() + "/rocksdb");
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      store_ = std::move(*s);
    }
    index_ = std::make_unique<SeriesIndex>(store_.get(), &pool_);
    index_->SetHashForTesting(CollidingHash);
    ASSERT_TRUE(index_->Load().ok());
  }
  std::vector<SeriesId> Ids(const std::vector<Labels>& sets) {
    std::vector<const Labels*> ptrs;
    for (const Labels& l : sets) ptrs.push_back(&l);
    std::vector<SeriesId> ids;
    Status s = index_->GetOrCreate(ptrs, &ids);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }

  testing::TempDir dir_;
  MemoryPool pool_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SeriesIndex> index_;
};

TEST_F(CollidingIndexTest, CollidingLabelSetsKeepTheirOwnIdsThroughEvictionReloadAndDeletion) {
  constexpr int kSeries = 300;
  std::vector<Labels> sets;
  for (int s = 0; s < kSeries; ++s) sets.push_back(Series(s));
  sets.push_back(Series(5));  // a duplicate within the call
  std::vector<SeriesId> ids = Ids(sets);
  ASSERT_EQ(ids.size(), sets.size());
  EXPECT_EQ(ids[kSeries], ids[5]);
  std::map<SeriesId, int> seen;
  for (int s = 0; s < kSeries; ++s) seen[ids[s]] = s;
  ASSERT_EQ(seen.size(), size_t{kSeries});  // no two label sets share an id
  EXPECT_EQ(index_->size(), size_t{kSeries});
  EXPECT_EQ(pool_.in_use(), index_->memory_bytes());

  // Known series: the same ids again, nothing created.
  sets.pop_back();
  EXPECT_EQ(Ids(sets), std::vector<SeriesId>(ids.begin(), ids.begin() + kSeries));
  EXPECT_EQ(index_->size(), size_t{kSeries});

  // Two EvictIdle() calls with only the even series written between them:
  // the odd ones turn cold, and are still found by labels and by id.
  EXPECT_EQ(index_->EvictIdle(), 0u);
  std::vector<Labels> even;
  for (int s = 0; s < kSeries; s += 2) even.push_back(Series(s));
  Ids(even);
  EXPECT_EQ(index_->EvictIdle(), size_t{kSeries / 2});
  EXPECT_EQ(index_->hot_size(), size_t{kSeries / 2});
  EXPECT_EQ(pool_.in_use(), index_->memory_bytes());
  for (int s = 0; s < kSeries; ++s) {
    auto id = index_->Find(Series(s));
    ASSERT_TRUE(id.ok()) << s;
    EXPECT_EQ(*id, ids[s]);
    Labels got;
    ASSERT_TRUE(index_->Get(ids[s], &got));
    EXPECT_EQ(got, Series(s));
  }
  // A cold series written again comes back hot under its id; a new one
  // colliding with cold ones gets a new id.
  std::vector<SeriesId> again = Ids({Series(1), Series(kSeries)});
  EXPECT_EQ(again[0], ids[1]);
  EXPECT_EQ(seen.count(again[1]), 0u);
  EXPECT_EQ(index_->hot_size(), size_t{kSeries / 2 + 2});
  EXPECT_EQ(index_->size(), size_t{kSeries + 1});

  // Deleting hot and cold series leaves the others as they were.
  ASSERT_TRUE(index_->Delete(ids[2]).ok());  // hot
  ASSERT_TRUE(index_->Delete(ids[3]).ok());  // cold
  EXPECT_FALSE(index_->Find(Series(2)).ok());
  EXPECT_FALSE(index_->Find(Series(3)).ok());
  EXPECT_EQ(index_->size(), size_t{kSeries - 1});
  EXPECT_EQ(pool_.in_use(), index_->memory_bytes());

  // Reloaded from the catalog: the same ids.
  OpenIndex();
  EXPECT_EQ(index_->size(), size_t{kSeries - 1});
  for (int s = 0; s <= kSeries; ++s) {
    auto id = index_->Find(Series(s));
    if (s == 2 || s == 3) {
      EXPECT_FALSE(id.ok()) << s;
      continue;
    }
    ASSERT_TRUE(id.ok()) << s;
    EXPECT_EQ(*id, s == kSeries ? again[1] : ids[s]);
  }
  index_.reset();
  EXPECT_EQ(pool_.in_use(), 0u);  // everything charged was given back
}

TEST_F(CollidingIndexTest, ABatchResolvesAsOneLabelSetAtATimeDoes) {
  // New and known series mixed, each label set colliding with a third of
  // the others, some twice in the batch: the ids of one call over the
  // encoded label sets equal those of one call per label set, and only
  // the new series are created.
  std::vector<Labels> known;
  for (int s = 0; s < 100; s += 2) known.push_back(Series(s));
  const std::vector<SeriesId> known_ids = Ids(known);
  std::vector<std::string> encoded;
  for (int s = 0; s < 100; ++s) encoded.push_back(storage::EncodeLabels(Series(s)));
  for (int s : {7, 8, 7, 99, 0}) encoded.push_back(storage::EncodeLabels(Series(s)));
  std::vector<engine::LabelKey> keys;
  for (const std::string& e : encoded) keys.push_back(engine::LabelKey{e, engine::HashLabelKey(e)});
  std::vector<SeriesId> batched;
  ASSERT_TRUE(index_->GetOrCreate(keys, &batched).ok());
  ASSERT_EQ(batched.size(), keys.size());
  EXPECT_EQ(index_->size(), 100u);
  for (size_t i = 0; i < known.size(); ++i) EXPECT_EQ(batched[2 * i], known_ids[i]) << i;
  EXPECT_EQ(batched[100], batched[7]);
  EXPECT_EQ(batched[101], batched[8]);
  EXPECT_EQ(batched[102], batched[7]);
  EXPECT_EQ(batched[103], batched[99]);
  EXPECT_EQ(batched[104], batched[0]);
  EXPECT_EQ(std::set<SeriesId>(batched.begin(), batched.end()).size(), 100u);
  for (int s = 0; s < 100; ++s) {
    EXPECT_EQ(Ids({Series(s)}), std::vector<SeriesId>{batched[s]}) << s;
    Labels got;
    ASSERT_TRUE(index_->Get(batched[s], &got));
    EXPECT_EQ(got, Series(s));
  }
  EXPECT_EQ(index_->size(), 100u);
}

TEST_F(CollidingIndexTest, ABatchWithAnInvalidLabelSetCreatesNothing) {
  const std::vector<SeriesId> known = Ids({Series(1)});
  std::vector<std::string> encoded = {storage::EncodeLabels(Series(1)), storage::EncodeLabels(Series(2)),
                                      storage::EncodeLabels({{"__name__", "m"}, {"bad-name", "x"}}),
                                      storage::EncodeLabels(Series(3))};
  std::vector<engine::LabelKey> keys;
  for (const std::string& e : encoded) keys.push_back(engine::LabelKey{e, engine::HashLabelKey(e)});
  std::vector<SeriesId> ids;
  EXPECT_TRUE(index_->GetOrCreate(keys, &ids).IsInvalidArgument());
  EXPECT_EQ(index_->size(), 1u);
  EXPECT_EQ(index_->next_id(), known[0] + 1);  // no id handed out
  EXPECT_FALSE(index_->Find(Series(2)).ok());
  EXPECT_FALSE(index_->Find(Series(3)).ok());
  OpenIndex();  // nor written to the catalog
  EXPECT_EQ(index_->size(), 1u);
}

// A batch that creates many series at once, with label sets twice in it,
// label sets that differ in one label only, and values that are prefixes
// of one another or hold a 0 byte (whose posting keys are escaped): after a
// reopen every series has its id, and every label pair's postings hold
// exactly the series that have it, each once, ascending.
TEST(SeriesIndexBatchTest, ManyNewSeriesAreFoundByEveryLabelPairAfterReopen) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/rocksdb";
  const std::string kValues[] = {"a", std::string("a\0", 2), "ab", std::string("a\0\0", 3)};
  auto series = [&](int s) {
    Labels l = {{"__name__", s < 600 ? "m" : "m_other"},
                {"a", kValues[s % 4]},
                {"ab", "h" + std::to_string(s / 4)},
                {"zone", s / 4 % 3 == 0 ? "z" : "zz"}};
    NormalizeLabels(&l);
    return l;
  };
  constexpr int kSeries = 1200;
  std::vector<int> order;
  for (int s = 0; s < kSeries; ++s) order.push_back(s);
  std::mt19937 rng(7);
  for (int d = 0; d < 40; ++d) order.push_back(static_cast<int>(rng() % kSeries));  // duplicates
  std::shuffle(order.begin(), order.end(), rng);

  std::map<int, SeriesId> id_of;
  {
    auto store = storage::Store::Open(storage::StoreOptions{}, path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    SeriesIndex index(store->get());
    ASSERT_TRUE(index.Load().ok());
    std::vector<Labels> sets;
    for (int s : order) sets.push_back(series(s));
    std::vector<const Labels*> ptrs;
    for (const Labels& l : sets) ptrs.push_back(&l);
    std::vector<SeriesId> ids;
    ASSERT_TRUE(index.GetOrCreate(ptrs, &ids).ok());
    ASSERT_EQ(ids.size(), order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      auto [it, inserted] = id_of.emplace(order[i], ids[i]);
      EXPECT_EQ(it->second, ids[i]) << order[i];  // a duplicate gets the first one's id
    }
    std::set<SeriesId> distinct(ids.begin(), ids.end());
    EXPECT_EQ(distinct.size(), size_t{kSeries});
    EXPECT_EQ(index.size(), size_t{kSeries});
    EXPECT_EQ(index.next_id(), *distinct.rbegin() + 1);
  }

  auto store = storage::Store::Open(storage::StoreOptions{}, path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  SeriesIndex index(store->get());
  ASSERT_TRUE(index.Load().ok());
  EXPECT_EQ(index.size(), size_t{kSeries});
  std::map<std::pair<std::string, std::string>, std::vector<SeriesId>> expected;
  for (const auto& [s, id] : id_of) {
    auto found = index.Find(series(s));
    ASSERT_TRUE(found.ok()) << s;
    EXPECT_EQ(*found, id) << s;
    Labels got;
    ASSERT_TRUE(index.Get(id, &got));
    EXPECT_EQ(got, series(s));
    for (const Label& l : series(s)) expected[{l.name, l.value}].push_back(id);
  }
  for (auto& [pair, ids] : expected) {
    std::sort(ids.begin(), ids.end());
    std::vector<SeriesId> posted;
    ASSERT_TRUE(
        (*store)->ForEachPosting(pair.first, pair.second, [&](SeriesId id) { posted.push_back(id); }).ok());
    EXPECT_EQ(posted, ids) << pair.first << "=" << pair.second;
  }
  size_t entries = 0;
  ASSERT_TRUE(
      (*store)->ForEachPostingEntry([&](std::string_view, std::string_view, SeriesId) { ++entries; }).ok());
  EXPECT_EQ(entries, size_t{4 * kSeries});  // one a label, nothing doubled
  std::vector<std::string> values;
  ASSERT_TRUE((*store)->ForEachLabelValue("a", [&](std::string_view v) { values.emplace_back(v); }).ok());
  EXPECT_EQ(values, (std::vector<std::string>{"a", kValues[1], kValues[3], "ab"}));
}

// An invalid label set among new ones fails the call with the message
// ValidateLabels gives it, and creates nothing.
TEST(SeriesIndexBatchTest, AnInvalidLabelSetFailsWithItsMessageAndCreatesNothing) {
  testing::TempDir dir;
  auto store = storage::Store::Open(storage::StoreOptions{}, dir.path() + "/rocksdb");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  SeriesIndex index(store->get());
  ASSERT_TRUE(index.Load().ok());
  const std::vector<Labels> invalid = {
      {{"__name__", "m"}, {"a", "\xff"}},           // not UTF-8
      {{"__name__", "9m"}, {"a", "x"}},             // a bad metric name
      {{"a", "x"}},                                 // no metric name
      {{"__name__", "m"}, {"a", "x"}, {"a", "y"}},  // a name twice
      {{"__name__", "m"}, {"a:b", "x"}},            // a bad label name
  };
  for (const Labels& bad : invalid) {
    const std::vector<Labels> sets = {{{"__name__", "m"}, {"a", "1"}}, bad, {{"__name__", "m"}, {"a", "2"}}};
    std::vector<const Labels*> ptrs;
    for (const Labels& l : sets) ptrs.push_back(&l);
    std::vector<SeriesId> ids;
    const Status s = index.GetOrCreate(ptrs, &ids);
    EXPECT_TRUE(s.IsInvalidArgument()) << LabelsToString(bad);
    EXPECT_EQ(s.ToString(), ValidateLabels(bad).ToString());
    EXPECT_EQ(index.size(), 0u);
    EXPECT_EQ(index.next_id(), 1u);
  }
  std::vector<std::string> names;
  ASSERT_TRUE((*store)->ForEachLabelName([&](std::string_view n) { names.emplace_back(n); }).ok());
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace overtone
