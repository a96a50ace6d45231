#include "storage/sample_memtable.h"

#include <rocksdb/slice.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace overtone::storage {
namespace {

using rocksdb::KeyHandle;
using rocksdb::MemTableRep;
using rocksdb::Slice;

// An entry is RocksDB's varint32 length of the internal key, the internal
// key (user key, then 8 little-endian bytes of sequence << 8 | type), then
// the value.
Slice InternalKeyOf(const char* entry) {
  uint32_t len = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(entry);
  for (int shift = 0; shift <= 28; shift += 7) {
    const uint32_t byte = *p++;
    len |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return Slice(reinterpret_cast<const char*>(p), len);
}

uint64_t LoadBE64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return std::endian::native == std::endian::little ? __builtin_bswap64(v) : v;
}

uint64_t LoadLE64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return std::endian::native == std::endian::little ? v : __builtin_bswap64(v);
}

// The series of an internal key: its user key's first 8 bytes, big-endian,
// padded with zeros when shorter (padding with the smallest byte keeps the
// bytewise order: a key's series is never above a larger key's).
uint64_t SeriesOf(const Slice& internal_key) {
  const size_t user_len = internal_key.size() >= 8 ? internal_key.size() - 8 : 0;
  if (user_len >= 8) return LoadBE64(internal_key.data());
  char padded[8] = {};
  std::memcpy(padded, internal_key.data(), user_len);
  return LoadBE64(padded);
}

// What the writer remembers of a series' last key: with 16-byte user keys
// (series id, timestamp) the order inside a series is the timestamp's, then
// the tag's, descending.
struct KeyTail {
  uint64_t timestamp = 0;  // user key bytes 8..16, big-endian
  uint64_t tag = 0;
  bool plain = false;  // the user key has exactly 16 bytes
};

KeyTail TailOf(const Slice& internal_key) {
  KeyTail t;
  if (internal_key.size() != 16 + 8) return t;
  t.timestamp = LoadBE64(internal_key.data() + 8);
  t.tag = LoadLE64(internal_key.data() + 16);
  t.plain = true;
  return t;
}

// A series' entries in key order: readers read `count` (acquire), then the
// entries before it. Only the writer appends; a full run is replaced.
struct Run {
  uint32_t capacity;
  std::atomic<uint32_t> count;
  const char** entries() { return reinterpret_cast<const char**>(this + 1); }
};

constexpr int kMaxHeight = 12;

struct Node {
  const char* key;
  std::atomic<Node*> next_[1];  // as many as the node's height

  Node* Next(int level) { return next_[level].load(std::memory_order_acquire); }
  void SetNext(int level, Node* n) { next_[level].store(n, std::memory_order_release); }
};

// A series written out of order: a skip list with one writer and readers
// beside it, as LevelDB's. `tail` lets appends skip the search.
struct SkipList {
  Node* head;
  std::atomic<int> height;
  Node* tail[kMaxHeight];  // the writer's: the last node of each level
};

struct Series {
  uint64_t id;
  Series* bucket_next;  // set before the series is published
  // A Run*, or a SkipList* with the low bit set.
  std::atomic<uintptr_t> body;
  KeyTail last;  // the writer's
};

bool IsList(uintptr_t body) { return (body & 1) != 0; }
Run* AsRun(uintptr_t body) { return reinterpret_cast<Run*>(body); }
SkipList* AsList(uintptr_t body) { return reinterpret_cast<SkipList*>(body & ~uintptr_t{1}); }

class SampleMemTableRep;

// Memory for iterators RocksDB places in its arena: RocksDB ends them with
// an explicit destructor call and never frees them, and its Arena is not in
// the public API, so the memtable keeps that memory itself. An iterator's
// destructor hands its block to the thread it runs on, and the block goes
// back to the pool when that thread retires its next pooled iterator: by
// then the first destructor, its base class's included, has certainly
// returned. A thread holds back at most one block, so the pool is bounded by
// the iterators open at once plus one a thread.
class IteratorPool {
 public:
  IteratorPool() : state_(std::make_shared<State>()) {}

  // Every block has the same size, one SampleIterator's.
  void* Take(size_t bytes) {
    std::lock_guard lock(state_->mu);
    if (!state_->free.empty()) {
      void* p = state_->free.back();
      state_->free.pop_back();
      return p;
    }
    state_->blocks.push_back(std::make_unique<std::max_align_t[]>((bytes + sizeof(std::max_align_t) - 1) /
                                                                  sizeof(std::max_align_t)));
    return state_->blocks.back().get();
  }

  // Called from the destructor of the iterator that lives in `p`.
  void Retire(void* p) {
    HeldBack previous = std::exchange(held_back_, HeldBack{state_, p});
    // The previous block's pool may be gone with its memtable; then so is
    // the block.
    if (std::shared_ptr<State> pool = previous.pool.lock()) {
      std::lock_guard lock(pool->mu);
      pool->free.push_back(previous.block);
    }
  }

 private:
  struct State {
    std::mutex mu;
    std::vector<void*> free;
    std::vector<std::unique_ptr<std::max_align_t[]>> blocks;
  };
  struct HeldBack {
    std::weak_ptr<State> pool;
    void* block = nullptr;
  };
  static thread_local HeldBack held_back_;
  std::shared_ptr<State> state_;
};

thread_local IteratorPool::HeldBack IteratorPool::held_back_;

class SampleMemTableRep final : public MemTableRep {
 public:
  // Memory comes from `allocate` when set, else from the memtable's arena.
  SampleMemTableRep(const KeyComparator& cmp, rocksdb::Allocator* allocator,
                    std::function<char*(size_t)> allocate, size_t buckets)
      : MemTableRep(allocator), cmp_(cmp), allocate_(std::move(allocate)), mask_(buckets - 1) {
    buckets_ = static_cast<std::atomic<Series*>*>(ArenaAligned(sizeof(std::atomic<Series*>) * buckets));
    for (size_t i = 0; i < buckets; ++i) new (&buckets_[i]) std::atomic<Series*>(nullptr);
  }

  void Insert(KeyHandle handle) override;

  bool Contains(const char* key) const override;
  void MarkReadOnly() override { read_only_.store(true, std::memory_order_release); }
  size_t ApproximateMemoryUsage() override { return 0; }  // all of it is the arena's
  // RocksDB's default Get makes an iterator and never frees it (its own
  // representations all override Get), so this one does too.
  void Get(const rocksdb::LookupKey& k, void* callback_args,
           bool (*callback_func)(void* arg, const char* entry)) override;
  Iterator* GetIterator(rocksdb::Arena* arena) override { return NewIterator(arena, /*prefix_only=*/false); }
  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    return NewIterator(arena, /*prefix_only=*/true);
  }

  const KeyComparator& cmp() const { return cmp_; }
  Series* Find(uint64_t id) const {
    for (Series* s = buckets_[Bucket(id)].load(std::memory_order_acquire); s != nullptr; s = s->bucket_next) {
      if (s->id == id) return s;
    }
    return nullptr;
  }
  // Every series, by id: of this moment for a memtable still written, built
  // once for one that is not.
  const std::vector<Series*>* Order(std::vector<Series*>* own) {
    if (read_only_.load(std::memory_order_acquire)) {
      std::call_once(order_once_, [this] { Collect(&order_); });
      return &order_;
    }
    Collect(own);
    return own;
  }
  IteratorPool* pool() { return &pool_; }

 private:
  // Series ids are handed out consecutively and a request writes its series
  // in about the order they were created, so consecutive ids go to
  // consecutive buckets: the writer then walks the bucket array (and the
  // records, allocated in the same order) front to back, where a
  // multiplicative hash made every insert a cache miss on the bucket array
  // (93% of the insert's time at 100k series). The high bits are folded in
  // for keys that are not series ids (tests' short keys, padded).
  size_t Bucket(uint64_t id) const { return (id ^ (id >> 24) ^ (id >> 48)) & mask_; }

  // Sorts (id, record) pairs: comparing through the records would miss the
  // cache on both sides of every comparison.
  void Collect(std::vector<Series*>* out) const {
    std::vector<std::pair<uint64_t, Series*>> by_id;
    for (size_t b = 0; b <= mask_; ++b) {
      for (Series* s = buckets_[b].load(std::memory_order_acquire); s != nullptr; s = s->bucket_next) {
        by_id.emplace_back(s->id, s);
      }
    }
    std::sort(by_id.begin(), by_id.end(),
              [](const std::pair<uint64_t, Series*>& a, const std::pair<uint64_t, Series*>& b) {
                return a.first < b.first;
              });
    out->clear();
    out->reserve(by_id.size());
    for (const auto& [id, s] : by_id) out->push_back(s);
  }

  // Memory of the memtable's arena, 8-byte aligned (the arena's Allocate
  // is not; its AllocateAligned is not in the public API).
  void* ArenaAligned(size_t bytes) {
    char* buf = nullptr;
    if (allocate_) {
      buf = allocate_(bytes + 7);
    } else {
      MemTableRep::Allocate(bytes + 7, &buf);
    }
    return reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(buf) + 7) & ~uintptr_t{7});
  }

  Run* NewRun(uint32_t capacity) {
    auto* run = static_cast<Run*>(ArenaAligned(sizeof(Run) + sizeof(const char*) * capacity));
    run->capacity = capacity;
    new (&run->count) std::atomic<uint32_t>(0);
    return run;
  }
  Node* NewNode(const char* key, int height) {
    auto* node = static_cast<Node*>(ArenaAligned(sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1)));
    node->key = key;
    for (int i = 0; i < height; ++i) new (&node->next_[i]) std::atomic<Node*>(nullptr);
    return node;
  }
  int RandomHeight() {
    int height = 1;
    while (height < kMaxHeight) {
      rng_ ^= rng_ << 13;
      rng_ ^= rng_ >> 7;
      rng_ ^= rng_ << 17;
      if ((rng_ & 3) != 0) break;  // one node in four goes a level up
      ++height;
    }
    return height;
  }

  void Append(Run* run, const char* key, Series* s);
  SkipList* ToList(Run* run);
  void ListAppend(SkipList* list, const char* key);
  void ListInsert(SkipList* list, const char* key);

  const KeyComparator& cmp_;
  const std::function<char*(size_t)> allocate_;
  std::atomic<Series*>* buckets_;
  const size_t mask_;
  uint64_t rng_ = 0x2545F4914F6CDD1Dull;
  std::atomic<bool> read_only_{false};
  std::once_flag order_once_;
  std::vector<Series*> order_;
  IteratorPool pool_;

  Iterator* NewIterator(rocksdb::Arena* arena, bool prefix_only);
};

void SampleMemTableRep::Insert(KeyHandle handle) {
  const char* key = static_cast<const char*>(handle);
  const Slice ikey = InternalKeyOf(key);
  const uint64_t id = SeriesOf(ikey);
  const KeyTail tail = TailOf(ikey);
  std::atomic<Series*>& bucket = buckets_[Bucket(id)];
  Series* s = bucket.load(std::memory_order_relaxed);
  while (s != nullptr && s->id != id) s = s->bucket_next;
  if (s == nullptr) {
    s = static_cast<Series*>(ArenaAligned(sizeof(Series)));
    s->id = id;
    s->bucket_next = bucket.load(std::memory_order_relaxed);
    Run* run = NewRun(4);
    run->entries()[0] = key;
    run->count.store(1, std::memory_order_relaxed);
    new (&s->body) std::atomic<uintptr_t>(reinterpret_cast<uintptr_t>(run));
    s->last = tail;
    bucket.store(s, std::memory_order_release);
    return;
  }
  const uintptr_t body = s->body.load(std::memory_order_relaxed);
  bool after_last;
  if (tail.plain && s->last.plain) {
    after_last =
        tail.timestamp > s->last.timestamp || (tail.timestamp == s->last.timestamp && tail.tag < s->last.tag);
  } else {
    const char* last = IsList(body)
                           ? AsList(body)->tail[0]->key
                           : AsRun(body)->entries()[AsRun(body)->count.load(std::memory_order_relaxed) - 1];
    after_last = cmp_(key, last) > 0;
  }
  if (after_last) {
    s->last = tail;
    if (IsList(body)) {
      ListAppend(AsList(body), key);
    } else {
      Append(AsRun(body), key, s);
    }
    return;
  }
  SkipList* list = IsList(body) ? AsList(body) : ToList(AsRun(body));
  ListInsert(list, key);
  if (!IsList(body)) s->body.store(reinterpret_cast<uintptr_t>(list) | 1, std::memory_order_release);
}

void SampleMemTableRep::Append(Run* run, const char* key, Series* s) {
  const uint32_t n = run->count.load(std::memory_order_relaxed);
  if (n < run->capacity) {
    run->entries()[n] = key;
    run->count.store(n + 1, std::memory_order_release);
    return;
  }
  Run* grown = NewRun(run->capacity * 2);
  std::memcpy(grown->entries(), run->entries(), sizeof(const char*) * n);
  grown->entries()[n] = key;
  grown->count.store(n + 1, std::memory_order_relaxed);
  s->body.store(reinterpret_cast<uintptr_t>(grown), std::memory_order_release);
}

SkipList* SampleMemTableRep::ToList(Run* run) {
  auto* list = static_cast<SkipList*>(ArenaAligned(sizeof(SkipList)));
  list->head = NewNode(nullptr, kMaxHeight);
  new (&list->height) std::atomic<int>(1);
  std::fill(std::begin(list->tail), std::end(list->tail), nullptr);
  const uint32_t n = run->count.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < n; ++i) ListAppend(list, run->entries()[i]);
  return list;
}

void SampleMemTableRep::ListAppend(SkipList* list, const char* key) {
  const int height = RandomHeight();
  if (height > list->height.load(std::memory_order_relaxed)) {
    list->height.store(height, std::memory_order_relaxed);  // the new levels' head links are null
  }
  Node* node = NewNode(key, height);
  for (int level = 0; level < height; ++level) {
    Node* prev = list->tail[level] != nullptr ? list->tail[level] : list->head;
    prev->SetNext(level, node);
    list->tail[level] = node;
  }
}

void SampleMemTableRep::ListInsert(SkipList* list, const char* key) {
  Node* prev[kMaxHeight];
  Node* x = list->head;
  const int old_height = list->height.load(std::memory_order_relaxed);
  for (int level = old_height - 1; level >= 0; --level) {
    for (Node* next = x->Next(level); next != nullptr && cmp_(next->key, key) < 0; next = x->Next(level)) {
      x = next;
    }
    prev[level] = x;
  }
  const int height = RandomHeight();
  for (int level = old_height; level < height; ++level) prev[level] = list->head;
  if (height > old_height) list->height.store(height, std::memory_order_relaxed);
  Node* node = NewNode(key, height);
  for (int level = 0; level < height; ++level) {
    Node* next = prev[level]->next_[level].load(std::memory_order_relaxed);
    node->next_[level].store(next, std::memory_order_relaxed);
    prev[level]->SetNext(level, node);
    if (next == nullptr) list->tail[level] = node;
  }
}

// A position inside one series: an index into a run, or a skip list node.
struct SeriesPos {
  Run* run = nullptr;
  SkipList* list = nullptr;
  uint32_t index = 0;
  uint32_t count = 0;  // the run's count when last read
  Node* node = nullptr;
};

// Finding keys inside one series, against a target internal key.
class SeriesReader {
 public:
  explicit SeriesReader(const MemTableRep::KeyComparator& cmp) : cmp_(cmp) {}

  static SeriesPos Open(Series* s) {
    SeriesPos p;
    const uintptr_t body = s->body.load(std::memory_order_acquire);
    if (IsList(body)) {
      p.list = AsList(body);
    } else {
      p.run = AsRun(body);
      p.count = p.run->count.load(std::memory_order_acquire);
    }
    return p;
  }
  static bool Valid(const SeriesPos& p) { return p.list != nullptr ? p.node != nullptr : p.index < p.count; }
  static const char* Key(const SeriesPos& p) {
    return p.list != nullptr ? p.node->key : p.run->entries()[p.index];
  }

  static void First(SeriesPos* p) {
    if (p->list != nullptr) {
      p->node = p->list->head->Next(0);
    } else {
      p->index = 0;
    }
  }
  static void Last(SeriesPos* p) {
    if (p->list != nullptr) {
      Node* x = p->list->head;
      for (int level = p->list->height.load(std::memory_order_relaxed) - 1; level >= 0; --level) {
        for (Node* next = x->Next(level); next != nullptr; next = x->Next(level)) x = next;
      }
      p->node = x == p->list->head ? nullptr : x;
    } else {
      p->index = p->count == 0 ? p->count : p->count - 1;
    }
  }
  static void Next(SeriesPos* p) {
    if (p->list != nullptr) {
      p->node = p->node->Next(0);
    } else if (++p->index >= p->count) {
      p->count = p->run->count.load(std::memory_order_acquire);  // entries appended since
    }
  }
  void Prev(SeriesPos* p) const {
    if (p->list != nullptr) {
      p->node = LastBefore(p->list, p->node->key, /*or_equal=*/false);
    } else {
      p->index = p->index == 0 ? p->count : p->index - 1;
    }
  }
  // The first key at or after `target`.
  void Seek(SeriesPos* p, const Slice& target) const {
    if (p->list != nullptr) {
      Node* last = LastBefore(p->list, target, /*or_equal=*/false);
      p->node = last != nullptr ? last->Next(0) : p->list->head->Next(0);
      return;
    }
    const char** e = p->run->entries();
    p->index = static_cast<uint32_t>(
        std::partition_point(e, e + p->count, [&](const char* k) { return cmp_(k, target) < 0; }) - e);
  }
  // The last key at or before `target`.
  void SeekForPrev(SeriesPos* p, const Slice& target) const {
    if (p->list != nullptr) {
      p->node = LastBefore(p->list, target, /*or_equal=*/true);
      return;
    }
    const char** e = p->run->entries();
    const auto after = static_cast<uint32_t>(
        std::partition_point(e, e + p->count, [&](const char* k) { return cmp_(k, target) <= 0; }) - e);
    p->index = after == 0 ? p->count : after - 1;
  }

 private:
  // The last node before `target` (or equal to it), nullptr when none.
  template <typename Target>
  Node* LastBefore(SkipList* list, const Target& target, bool or_equal) const {
    Node* x = list->head;
    for (int level = list->height.load(std::memory_order_relaxed) - 1; level >= 0; --level) {
      for (Node* next = x->Next(level); next != nullptr; next = x->Next(level)) {
        const int c = cmp_(next->key, target);
        if (c > 0 || (c == 0 && !or_equal)) break;
        x = next;
      }
    }
    return x == list->head ? nullptr : x;
  }

  const MemTableRep::KeyComparator& cmp_;
};

// Walks the memtable in key order (series by id, each series' keys in
// order), or, for a prefix iterator, one series: its Seek stays in the
// target's series until a SeekToFirst or SeekToLast asks for everything.
class SampleIterator final : public MemTableRep::Iterator {
 public:
  SampleIterator(SampleMemTableRep* rep, bool prefix_only, bool pooled)
      : rep_(rep), reader_(rep->cmp()), prefix_only_(prefix_only), pooled_(pooled) {}
  ~SampleIterator() override {
    delete own_order_;
    if (pooled_) rep_->pool()->Retire(this);
  }

  bool Valid() const override { return series_ != nullptr && SeriesReader::Valid(pos_); }
  const char* key() const override { return SeriesReader::Key(pos_); }
  void Next() override {
    SeriesReader::Next(&pos_);
    if (!SeriesReader::Valid(pos_)) StepSeries(+1);
  }
  void Prev() override {
    reader_.Prev(&pos_);
    if (!SeriesReader::Valid(pos_)) StepSeries(-1);
  }
  void Seek(const Slice& internal_key, const char* memtable_key) override {
    const Slice target = memtable_key != nullptr ? InternalKeyOf(memtable_key) : internal_key;
    const uint64_t id = SeriesOf(target);
    if (prefix_only_) {
      OpenSeries(rep_->Find(id));
      if (series_ != nullptr) reader_.Seek(&pos_, target);
      return;
    }
    const std::vector<Series*>& order = Order();
    order_pos_ = static_cast<size_t>(
        std::partition_point(order.begin(), order.end(), [&](const Series* s) { return s->id < id; }) -
        order.begin());
    if (order_pos_ == order.size()) return OpenSeries(nullptr);
    OpenSeries(order[order_pos_]);
    if (series_->id == id) {
      reader_.Seek(&pos_, target);
      if (!SeriesReader::Valid(pos_)) StepSeries(+1);
    } else {
      SeriesReader::First(&pos_);
    }
  }
  void SeekForPrev(const Slice& internal_key, const char* memtable_key) override {
    const Slice target = memtable_key != nullptr ? InternalKeyOf(memtable_key) : internal_key;
    const uint64_t id = SeriesOf(target);
    if (prefix_only_) {
      OpenSeries(rep_->Find(id));
      if (series_ != nullptr) reader_.SeekForPrev(&pos_, target);
      return;
    }
    const std::vector<Series*>& order = Order();
    const size_t after = static_cast<size_t>(
        std::partition_point(order.begin(), order.end(), [&](const Series* s) { return s->id <= id; }) -
        order.begin());
    if (after == 0) return OpenSeries(nullptr);
    order_pos_ = after - 1;
    OpenSeries(order[order_pos_]);
    if (series_->id == id) {
      reader_.SeekForPrev(&pos_, target);
      if (!SeriesReader::Valid(pos_)) StepSeries(-1);
    } else {
      SeriesReader::Last(&pos_);
    }
  }
  void SeekToFirst() override {
    prefix_only_ = false;
    const std::vector<Series*>& order = Order();
    order_pos_ = 0;
    OpenSeries(order.empty() ? nullptr : order.front());
    if (series_ != nullptr) SeriesReader::First(&pos_);
  }
  void SeekToLast() override {
    prefix_only_ = false;
    const std::vector<Series*>& order = Order();
    order_pos_ = order.empty() ? 0 : order.size() - 1;
    OpenSeries(order.empty() ? nullptr : order.back());
    if (series_ != nullptr) SeriesReader::Last(&pos_);
  }

 private:
  const std::vector<Series*>& Order() {
    if (order_ == nullptr) {
      own_order_ = new std::vector<Series*>();
      order_ = rep_->Order(own_order_);
    }
    return *order_;
  }
  void OpenSeries(Series* s) {
    series_ = s;
    if (s != nullptr) pos_ = SeriesReader::Open(s);
  }
  // Past either end of the current series: the neighbour's first or last
  // key, or the end of a prefix iterator.
  void StepSeries(int direction) {
    if (prefix_only_) return OpenSeries(nullptr);
    const std::vector<Series*>& order = Order();
    if (direction > 0 ? order_pos_ + 1 >= order.size() : order_pos_ == 0) return OpenSeries(nullptr);
    order_pos_ += direction;
    OpenSeries(order[order_pos_]);
    if (direction > 0) {
      SeriesReader::First(&pos_);
    } else {
      SeriesReader::Last(&pos_);
    }
  }

  SampleMemTableRep* const rep_;
  const SeriesReader reader_;
  bool prefix_only_;
  const bool pooled_;
  const std::vector<Series*>* order_ = nullptr;
  std::vector<Series*>* own_order_ = nullptr;
  size_t order_pos_ = 0;  // series_'s place in order_, in total order
  Series* series_ = nullptr;
  SeriesPos pos_;
};

// LookupKey is not in RocksDB's public headers. As in LevelDB, where it
// comes from, its first member points at the memtable key (the varint32
// length, then the internal key), which is all Get needs; the model test's
// gets through RocksDB check that it still is.
const char* MemtableKeyOf(const rocksdb::LookupKey& k) {
  const char* start = nullptr;
  std::memcpy(&start, static_cast<const void*>(&k), sizeof start);
  return start;
}

void SampleMemTableRep::Get(const rocksdb::LookupKey& k, void* callback_args,
                            bool (*callback_func)(void* arg, const char* entry)) {
  const char* memtable_key = MemtableKeyOf(k);
  SampleIterator iter(this, /*prefix_only=*/true, /*pooled=*/false);
  for (iter.Seek(InternalKeyOf(memtable_key), memtable_key);
       iter.Valid() && callback_func(callback_args, iter.key()); iter.Next()) {
  }
}

MemTableRep::Iterator* SampleMemTableRep::NewIterator(rocksdb::Arena* arena, bool prefix_only) {
  if (arena == nullptr) return new SampleIterator(this, prefix_only, /*pooled=*/false);
  return new (pool_.Take(sizeof(SampleIterator))) SampleIterator(this, prefix_only, /*pooled=*/true);
}

bool SampleMemTableRep::Contains(const char* key) const {
  const Slice ikey = InternalKeyOf(key);
  Series* s = Find(SeriesOf(ikey));
  if (s == nullptr) return false;
  SeriesReader reader(cmp_);
  SeriesPos p = SeriesReader::Open(s);
  reader.Seek(&p, ikey);
  return SeriesReader::Valid(p) && cmp_(SeriesReader::Key(p), ikey) == 0;
}

class SampleMemTableRepFactory final : public rocksdb::MemTableRepFactory {
 public:
  explicit SampleMemTableRepFactory(size_t buckets)
      : buckets_(std::bit_ceil(std::max<size_t>(buckets, 16))) {}

  using rocksdb::MemTableRepFactory::CreateMemTableRep;
  MemTableRep* CreateMemTableRep(const MemTableRep::KeyComparator& cmp, rocksdb::Allocator* allocator,
                                 const rocksdb::SliceTransform* /*transform*/,
                                 rocksdb::Logger* /*logger*/) override {
    return new SampleMemTableRep(cmp, allocator, nullptr, buckets_);
  }
  const char* Name() const override { return "OvertoneSampleMemTableRepFactory"; }
  bool IsInsertConcurrentlySupported() const override { return false; }
  bool CanHandleDuplicatedKey() const override { return false; }

 private:
  const size_t buckets_;
};

}  // namespace

std::shared_ptr<rocksdb::MemTableRepFactory> NewSampleMemTableRepFactory(size_t buckets) {
  return std::make_shared<SampleMemTableRepFactory>(buckets);
}

std::unique_ptr<rocksdb::MemTableRep> NewSampleMemTableRep(const rocksdb::MemTableRep::KeyComparator& cmp,
                                                           std::function<char*(size_t)> allocate,
                                                           size_t buckets) {
  return std::make_unique<SampleMemTableRep>(cmp, nullptr, std::move(allocate),
                                             std::bit_ceil(std::max<size_t>(buckets, 16)));
}

}  // namespace overtone::storage
