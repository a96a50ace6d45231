// The raw samples' memtable representation alone (storage/sample_memtable.h),
// driven as RocksDB's MemTable drives it but through every iterator call,
// including the ones RocksDB's MemTable does not make today (SeekForPrev, a
// seek by memtable key): against a sorted set of the same entries, and with
// readers beside the writer.

#include <gtest/gtest.h>
#include <rocksdb/memtablerep.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/sample_memtable.h"
#include "storage/store_keys.h"

namespace overtone::storage {
namespace {

using rocksdb::MemTableRep;
using rocksdb::Slice;

// An internal key: the user key, then 8 little-endian bytes of
// sequence << 8 | type.
std::string InternalKey(const std::string& user_key, uint64_t seq) {
  std::string k = user_key;
  const uint64_t tag = seq << 8 | 1;
  for (int i = 0; i < 8; ++i) k.push_back(static_cast<char>(tag >> (8 * i)));
  return k;
}

// RocksDB's order of internal keys over the bytewise comparator: user key
// ascending, then sequence descending.
int CompareInternal(const Slice& a, const Slice& b) {
  const int c = Slice(a.data(), a.size() - 8).compare(Slice(b.data(), b.size() - 8));
  if (c != 0) return c;
  uint64_t ta = 0, tb = 0;
  for (int i = 7; i >= 0; --i) {
    ta = ta << 8 | static_cast<unsigned char>(a.data()[a.size() - 8 + i]);
    tb = tb << 8 | static_cast<unsigned char>(b.data()[b.size() - 8 + i]);
  }
  return ta > tb ? -1 : ta < tb ? 1 : 0;
}

// Entries as MemTable::Add lays them out: a one-byte length (every test
// key is shorter than 128 bytes), the internal key, a value.
Slice Decode(const char* entry) { return Slice(entry + 1, static_cast<unsigned char>(entry[0])); }

class Comparator final : public MemTableRep::KeyComparator {
 public:
  int operator()(const char* a, const char* b) const override {
    return CompareInternal(Decode(a), Decode(b));
  }
  int operator()(const char* a, const Slice& b) const override { return CompareInternal(Decode(a), b); }
};

struct InternalLess {
  bool operator()(const std::string& a, const std::string& b) const { return CompareInternal(a, b) < 0; }
};
using Model = std::set<std::string, InternalLess>;

// Memory that outlives the representation's use of it.
class Memory {
 public:
  char* Allocate(size_t n) {
    std::lock_guard lock(mu_);
    blocks_.emplace_back(n, '\0');
    return blocks_.back().data();
  }
  const char* Entry(const std::string& internal_key) {
    char* e = Allocate(internal_key.size() + 2);
    e[0] = static_cast<char>(internal_key.size());
    std::memcpy(e + 1, internal_key.data(), internal_key.size());
    e[internal_key.size() + 1] = 'v';
    return e;
  }

 private:
  std::mutex mu_;
  std::deque<std::string> blocks_;
};

std::string Series(uint64_t id, uint64_t ts, const std::string& extra = "") {
  std::string k;
  PutBE64(&k, id);
  PutBE64(&k, ts);
  return k + extra;
}

std::string KeyAt(const MemTableRep::Iterator& it) { return Decode(it.key()).ToString(); }

// Where `it` is, against where the model says it should be.
void ExpectAt(const MemTableRep::Iterator& it, Model::const_iterator want, const Model& model,
              const std::string& what) {
  if (want == model.end()) {
    EXPECT_FALSE(it.Valid()) << what << ": at " << Slice(it.Valid() ? KeyAt(it) : "").ToString(true);
  } else {
    ASSERT_TRUE(it.Valid()) << what << ": wanted " << Slice(*want).ToString(true);
    EXPECT_EQ(KeyAt(it), *want) << what;
  }
}

bool SameSeries(const std::string& a, const std::string& b) {
  return a.size() >= 16 && b.size() >= 16 && a.compare(0, 8, b, 0, 8) == 0;
}

void Check(MemTableRep* rep, Memory* memory, const Model& model, std::mt19937_64* rng) {
  std::unique_ptr<MemTableRep::Iterator> it(rep->GetIterator(nullptr));
  std::vector<std::string> forward, backward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward.push_back(KeyAt(*it));
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward.push_back(KeyAt(*it));
  std::reverse(backward.begin(), backward.end());
  const std::vector<std::string> all(model.begin(), model.end());
  EXPECT_EQ(forward, all);
  EXPECT_EQ(backward, all);

  std::vector<std::string> targets = {InternalKey("", 0), InternalKey(std::string(20, '\xff'), 0)};
  for (const std::string& k : model) {
    targets.push_back(k);
    const std::string user = k.substr(0, k.size() - 8);
    targets.push_back(InternalKey(user, (*rng)() % 2000));  // between versions of the user key
    if ((*rng)() % 3 == 0) targets.push_back(InternalKey(user + '\0', 5));
  }
  std::unique_ptr<MemTableRep::Iterator> prefix(rep->GetDynamicPrefixIterator(nullptr));
  for (const std::string& target : targets) {
    const std::string what = "target " + Slice(target).ToString(true);
    EXPECT_EQ(rep->Contains(memory->Entry(target)), model.count(target) == 1) << what;
    const char* as_entry = memory->Entry(target);
    const auto lower = model.lower_bound(target);
    const auto upper = model.upper_bound(target);
    const auto last = upper == model.begin() ? model.end() : std::prev(upper);

    for (const char* memtable_key : {static_cast<const char*>(nullptr), as_entry}) {
      it->Seek(target, memtable_key);
      ExpectAt(*it, lower, model, what + " Seek");
      if (lower != model.end()) {
        it->Next();
        ExpectAt(*it, std::next(lower), model, what + " Seek, Next");
        it->Seek(target, memtable_key);
        it->Prev();
        ExpectAt(*it, lower == model.begin() ? model.end() : std::prev(lower), model, what + " Seek, Prev");
      }
      it->SeekForPrev(target, memtable_key);
      ExpectAt(*it, last, model, what + " SeekForPrev");
      if (last != model.end()) {
        it->Prev();
        ExpectAt(*it, last == model.begin() ? model.end() : std::prev(last), model,
                 what + " SeekForPrev, Prev");
      }
    }

    // The prefix iterator: the target's series only (series keys have 16
    // bytes and more; the model keeps no shorter ones).
    if (target.size() < 16 + 8) continue;
    prefix->Seek(target, nullptr);
    std::vector<std::string> got, wanted;
    for (; prefix->Valid(); prefix->Next()) got.push_back(KeyAt(*prefix));
    for (auto w = lower; w != model.end() && SameSeries(*w, target); ++w) wanted.push_back(*w);
    EXPECT_EQ(got, wanted) << what << " prefix Seek";
    prefix->SeekForPrev(target, as_entry);
    got.clear();
    wanted.clear();
    for (; prefix->Valid(); prefix->Prev()) got.push_back(KeyAt(*prefix));
    for (auto w = upper; w != model.begin() && SameSeries(*std::prev(w), target); --w) {
      wanted.push_back(*std::prev(w));
    }
    EXPECT_EQ(got, wanted) << what << " prefix SeekForPrev";
  }
}

TEST(SampleMemTableRepUnitTest, EveryIteratorCallAgreesWithASortedSet) {
  const Comparator cmp;
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Memory memory;
    std::unique_ptr<MemTableRep> rep = NewSampleMemTableRep(
        cmp, [&](size_t n) { return memory.Allocate(n); }, 16);
    std::mt19937_64 rng(seed);
    const uint64_t ids[] = {0, 1, 7, 255, 256, uint64_t{1} << 40, ~uint64_t{0}};
    std::vector<uint64_t> last_ts(std::size(ids), 100);
    Model model;
    uint64_t seq = 1;
    for (int op = 1; op <= 1500; ++op) {
      const size_t s = rng() % std::size(ids);
      // Series at even places only ever grow at their end (an array);
      // the others also take late samples and rewrites (a skip list).
      uint64_t roll = rng() % 100;
      if (s % 2 == 0 && roll >= 60 && roll < 90) roll = 0;
      std::string user;
      if (roll < 60) {
        user = Series(ids[s], last_ts[s] += 1 + rng() % 5);
      } else if (roll < 75) {
        user = Series(ids[s], rng() % (last_ts[s] + 1));  // late
      } else if (roll < 90) {
        user = Series(ids[s], last_ts[s]);  // the last timestamp again, newer: sorts before it
      } else if (roll < 95) {
        user = Series(ids[s], ++last_ts[s], "+");  // longer than 16 bytes
      } else {
        user = std::string("\x01\x02", 1 + rng() % 2);  // shorter than a series id
      }
      const std::string key = InternalKey(user, seq++);
      rep->Insert(const_cast<char*>(memory.Entry(key)));
      model.insert(key);
      if (op % 500 == 0) Check(rep.get(), &memory, model, &rng);
    }
    rep->MarkReadOnly();
    Check(rep.get(), &memory, model, &rng);
  }
}

// Readers beside the writer, at the representation itself: each reader
// sees every entry inserted before it began, in order, in both kinds of
// iterator.
TEST(SampleMemTableRepUnitTest, ReadersBesideTheWriter) {
  const Comparator cmp;
  Memory memory;
  std::unique_ptr<MemTableRep> rep = NewSampleMemTableRep(
      cmp, [&](size_t n) { return memory.Allocate(n); }, 64);
  constexpr uint64_t kSeriesCount = 300;
  constexpr size_t kOps = 60000;
  std::vector<std::string> keys(kOps);
  std::atomic<size_t> inserted{0};
  std::atomic<bool> failed{false};
  std::thread writer([&] {
    std::mt19937_64 rng(5);
    std::vector<uint64_t> last(kSeriesCount, 10);
    for (size_t op = 0; op < kOps; ++op) {
      const uint64_t s = rng() % kSeriesCount;
      const uint64_t roll = rng() % 16;
      const uint64_t ts = roll == 0 ? rng() % last[s] : ++last[s];
      keys[op] = InternalKey(Series(s, ts), op + 1);
      rep->Insert(const_cast<char*>(memory.Entry(keys[op])));
      inserted.store(op + 1, std::memory_order_release);
    }
  });
  auto reader = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (inserted.load(std::memory_order_acquire) < kOps && !failed) {
      const size_t n = inserted.load(std::memory_order_acquire);
      const uint64_t s = rng() % kSeriesCount;
      std::unique_ptr<MemTableRep::Iterator> it(rng() % 4 == 0 ? rep->GetIterator(nullptr)
                                                               : rep->GetDynamicPrefixIterator(nullptr));
      std::vector<std::string> seen;
      for (it->Seek(InternalKey(Series(s, 0), ~uint64_t{0} >> 8), nullptr);
           it->Valid() && seen.size() < 100000; it->Next()) {
        const std::string k = KeyAt(*it);
        if (k.compare(0, 8, Series(s, 0), 0, 8) != 0) break;
        seen.push_back(k);
      }
      if (!std::is_sorted(seen.begin(), seen.end(), InternalLess())) {
        ADD_FAILURE() << "series " << s << " out of order";
        failed = true;
      }
      for (size_t op = 0; op < n && !failed; ++op) {
        if (keys[op].compare(0, 8, Series(s, 0), 0, 8) != 0) continue;
        if (!std::binary_search(seen.begin(), seen.end(), keys[op], InternalLess())) {
          ADD_FAILURE() << "series " << s << " lacks insert " << op << " of " << n;
          failed = true;
        }
      }
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_FALSE(failed);
}

}  // namespace
}  // namespace overtone::storage
