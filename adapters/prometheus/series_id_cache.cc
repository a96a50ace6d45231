#include "adapters/prometheus/series_id_cache.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "base/prefetch.h"

namespace overtone::adapters {
namespace {

uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

constexpr size_t kMinSlots = 64;

}  // namespace

SeriesIdCache::SeriesIdCache(MemoryPool* pool, size_t max_bytes)
    : hash_(HashKey), pool_(pool), max_shard_bytes_(max_bytes / kShards), shards_(new Shard[kShards]) {}

SeriesIdCache::~SeriesIdCache() {
  if (pool_ == nullptr) return;
  for (size_t i = 0; i < kShards; ++i) pool_->Release(shards_[i].charged);
}

size_t SeriesIdCache::NextCandidate(const Shard& shard, uint64_t h, size_t i) {
  const size_t mask = shard.slots.size() - 1;
  for (i &= mask;; i = (i + 1) & mask) {
    const Slot& s = shard.slots[i];
    if (s.len == 0 || s.hash == h) return i;
  }
}

bool SeriesIdCache::Holds(const Shard& shard, const Slot& s, std::string_view key) {
  return s.len == key.size() && std::memcmp(shard.arena.data() + s.off, key.data(), s.len) == 0;
}

size_t SeriesIdCache::Probe(const Shard& shard, uint64_t h, std::string_view key) {
  if (shard.slots.empty()) return SIZE_MAX;
  for (size_t i = NextCandidate(shard, h, h);; i = NextCandidate(shard, h, i + 1)) {
    const Slot& s = shard.slots[i];
    if (s.len == 0 || Holds(shard, s, key)) return i;
  }
}

SeriesId SeriesIdCache::Find(uint64_t h, std::string_view key) const {
  const Shard& shard = ShardOf(h);
  std::shared_lock lock(shard.mu);
  const size_t i = Probe(shard, h, key);
  return i == SIZE_MAX ? 0 : shard.slots[i].id;  // an empty or erased slot holds 0
}

void SeriesIdCache::FindMany(std::span<Lookup> lookups) const {
  const size_t n = lookups.size();
  if (n == 0) return;
  // The lookups in shard order (a counting sort), so that a shard's lock
  // is taken once; kept per thread, released when a huge request grew it.
  thread_local std::vector<uint32_t> order;
  if (order.capacity() > (size_t{1} << 16)) std::vector<uint32_t>().swap(order);
  order.resize(n);
  size_t next[kShards + 1] = {};
  for (const Lookup& l : lookups) ++next[ShardIndex(l.hash) + 1];
  for (size_t s = 1; s <= kShards; ++s) next[s] += next[s - 1];
  for (size_t i = 0; i < n; ++i) order[next[ShardIndex(lookups[i].hash)]++] = static_cast<uint32_t>(i);

  // Three passes over `order`, every shard of the batch locked (shared) in
  // the first and unlocked after its last key in the third: ask for every
  // key's home slot; then find each key's candidate slot (the first empty
  // one or one of the same hash) and ask for that key's bytes; then compare.
  // The misses of a pass overlap as far as the memory system allows; a
  // pipeline a fixed distance ahead (8 or 16 keys) still waited on most slots
  // at 1M keys. Shards are locked in ascending order and only shared, so two
  // calls never wait for each other in a cycle, and an Insert (one lock)
  // waits at most for one call.
  const auto same_shard = [&](size_t a, size_t b) {
    return ShardIndex(lookups[order[a]].hash) == ShardIndex(lookups[order[b]].hash);
  };
  for (size_t j = 0; j < n; ++j) {
    const uint64_t h = lookups[order[j]].hash;
    const Shard& shard = ShardOf(h);
    if (j == 0 || !same_shard(j - 1, j)) shard.mu.lock_shared();
    if (!shard.slots.empty()) PrefetchLines(&shard.slots[h & (shard.slots.size() - 1)], sizeof(Slot), 1);
  }
  for (size_t j = 0; j < n; ++j) {
    Lookup& l = lookups[order[j]];
    const Shard& shard = ShardOf(l.hash);
    if (shard.slots.empty()) {
      l.candidate_ = SIZE_MAX;
      continue;
    }
    l.candidate_ = NextCandidate(shard, l.hash, l.hash);
    const Slot& s = shard.slots[l.candidate_];
    // At most a key's first four lines: the hardware prefetcher follows a
    // longer key on its own.
    if (s.len != 0) PrefetchLines(shard.arena.data() + s.off, s.len, 4);
  }
  for (size_t j = 0; j < n; ++j) {
    Lookup& l = lookups[order[j]];
    const Shard& shard = ShardOf(l.hash);
    l.id = 0;
    if (l.candidate_ != SIZE_MAX) {
      for (size_t i = l.candidate_;; i = NextCandidate(shard, l.hash, i + 1)) {
        const Slot& s = shard.slots[i];
        if (s.len == 0) break;
        if (Holds(shard, s, l.key)) {
          l.id = s.id;  // 0 when erased
          break;
        }
      }
    }
    if (j + 1 == n || !same_shard(j, j + 1)) shard.mu.unlock_shared();
  }
}

void SeriesIdCache::Insert(uint64_t h, std::string_view key, SeriesId id) {
  Shard& shard = ShardOf(h);
  std::unique_lock lock(shard.mu);
  size_t i = Probe(shard, h, key);
  if (i != SIZE_MAX && shard.slots[i].len != 0) {  // the key is there: a new id after a deletion
    if (shard.slots[i].id == 0) ++shard.live;
    shard.slots[i].id = id;
    return;
  }
  if (shard.arena.size() + key.size() > UINT32_MAX) Reset(shard);
  if (shard.slots.empty() || (shard.used + 1) * 4 > shard.slots.size() * 3) Grow(shard);
  i = Probe(shard, h, key);
  const size_t off = Append(shard, key);
  shard.slots[i] = Slot{h, id, static_cast<uint32_t>(off), static_cast<uint32_t>(key.size())};
  ++shard.used;
  ++shard.live;
  if (!Charge(shard)) Reset(shard);
}

void SeriesIdCache::Erase(uint64_t h, std::string_view key, SeriesId id) {
  Shard& shard = ShardOf(h);
  std::unique_lock lock(shard.mu);
  const size_t i = Probe(shard, h, key);
  if (i == SIZE_MAX || shard.slots[i].len == 0 || shard.slots[i].id != id) return;
  shard.slots[i].id = 0;
  --shard.live;
}

size_t SeriesIdCache::Append(Shard& shard, std::string_view key) {
  std::vector<char>& a = shard.arena;
  const size_t off = a.size();
  if (a.capacity() - off < key.size()) a.reserve(off + std::max(key.size(), off / 4 + 256));
  a.insert(a.end(), key.begin(), key.end());
  return off;
}

void SeriesIdCache::Grow(Shard& shard) {
  // Erased slots are dropped on the way; their key bytes stay in the
  // arena until the shard is reset.
  std::vector<Slot> old = std::move(shard.slots);
  size_t n = kMinSlots;
  while (n < 2 * (shard.live + 1)) n *= 2;  // at most half full after growing: twice the last size
  shard.slots.assign(n, Slot{});
  shard.used = 0;
  for (const Slot& s : old) {
    if (s.len == 0 || s.id == 0) continue;
    size_t i = s.hash & (n - 1);
    while (shard.slots[i].len != 0) i = (i + 1) & (n - 1);
    shard.slots[i] = s;
    ++shard.used;
  }
  shard.live = shard.used;
}

void SeriesIdCache::Reset(Shard& shard) {
  std::vector<Slot>().swap(shard.slots);
  std::vector<char>().swap(shard.arena);
  shard.used = shard.live = 0;
  if (pool_ != nullptr) pool_->Release(shard.charged);
  shard.charged = 0;
  resets_.fetch_add(1, std::memory_order_relaxed);
}

bool SeriesIdCache::Charge(Shard& shard) {
  const size_t now = shard.slots.capacity() * sizeof(Slot) + shard.arena.capacity();
  if (now > max_shard_bytes_) return false;
  if (now > shard.charged) {
    if (pool_ != nullptr && !pool_->TryReserve(now - shard.charged)) return false;
  } else if (pool_ != nullptr) {
    pool_->Release(shard.charged - now);
  }
  shard.charged = now;
  return true;
}

size_t SeriesIdCache::size() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::shared_lock lock(shards_[i].mu);
    n += shards_[i].live;
  }
  return n;
}

size_t SeriesIdCache::memory_bytes() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::shared_lock lock(shards_[i].mu);
    n += shards_[i].charged;
  }
  return n;
}

uint64_t SeriesIdCache::resets() const { return resets_.load(std::memory_order_relaxed); }

}  // namespace overtone::adapters
