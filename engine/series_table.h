// SeriesTable: the hot series of the SeriesIndex in flat arrays.
//
// Entries (id, label hash, encoded labels, written flag) sit side by side
// in one vector, and two open-addressing tables of 8-byte slots point into
// it: one keyed by the label hash, one by the series id. A slot holds the
// upper 32 bits of its key's hash (its tag, which also gives its home
// position) and the entry's position, so a probe reads one cache line of
// slots and touches an entry only when the tag matches; no node is
// allocated per series. Linear probing, at most 3/4 full, and deletion by
// backward shift (no tombstones), so a table that lost many entries probes
// as fast as a fresh one.
//
// Several entries may share a label hash (two label sets colliding): Find
// gives each candidate with the hash to the caller's predicate, which
// compares the labels.
//
// Not thread-safe: the SeriesIndex's lock guards it. The written flags
// are atomic so that lookups under a shared lock may set them.

#ifndef OVERTONE_ENGINE_SERIES_TABLE_H_
#define OVERTONE_ENGINE_SERIES_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "overtone/types.h"

namespace overtone::engine {

class SeriesTable {
 public:
  SeriesTable() { Rebuild(0); }

  struct Entry {
    Entry(SeriesId i, uint64_t h, std::string k, bool w) : id(i), hash(h), key(std::move(k)), written(w) {}
    // Moved only while the table grows or shrinks, under the exclusive lock.
    Entry(Entry&& o) noexcept
        : id(o.id), hash(o.hash), key(std::move(o.key)), written(o.written.load(std::memory_order_relaxed)) {}
    Entry& operator=(Entry&& o) noexcept {
      id = o.id;
      hash = o.hash;
      key = std::move(o.key);
      written.store(o.written.load(std::memory_order_relaxed), std::memory_order_relaxed);
      return *this;
    }
    SeriesId id;
    uint64_t hash;    // HashLabelKey of the encoded label set
    std::string key;  // storage::EncodeLabels: one allocation per series, not one per string
    // Written to since the last EvictIdle(); set under the shared lock.
    mutable std::atomic<bool> written;
  };

  // The entry with label hash `h` for which same(entry) holds, or null.
  template <class Same>
  const Entry* Find(uint64_t h, Same same) const {
    const uint32_t tag = Tag(h);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Slot s = by_hash_[i];
      if (s.pos == 0) return nullptr;
      if (s.tag == tag) {
        const Entry& e = entries_[s.pos - 1];
        if (e.hash == h && same(e)) return &e;
      }
    }
  }
  const Entry* FindId(SeriesId id) const;

  // Hints for a Find(h, ...) soon: the first loads the home slot of `h`
  // into the cache; the second, once that slot is there, the entry it
  // points at when its tag matches. A batch of lookups issued a few ahead
  // overlaps the cache misses that a lookup at a time waits out one by one.
  void PrefetchSlot(uint64_t h) const { __builtin_prefetch(&by_hash_[Tag(h) & mask_]); }
  void PrefetchEntry(uint64_t h) const {
    const Slot s = by_hash_[Tag(h) & mask_];
    if (s.pos != 0 && s.tag == Tag(h)) __builtin_prefetch(&entries_[s.pos - 1]);
  }
  // And, once the entry is there, its key's bytes (held apart from the
  // entry when longer than a short string).
  void PrefetchKey(uint64_t h) const {
    const Slot s = by_hash_[Tag(h) & mask_];
    if (s.pos != 0 && s.tag == Tag(h)) __builtin_prefetch(entries_[s.pos - 1].key.data());
  }

  // The same for a FindId(id) soon: its home slot, then its entry.
  void PrefetchIdSlot(SeriesId id) const { __builtin_prefetch(&by_id_[IdTag(id) & mask_]); }
  void PrefetchIdEntry(SeriesId id) const {
    const Slot s = by_id_[IdTag(id) & mask_];
    if (s.pos != 0 && s.tag == IdTag(id)) __builtin_prefetch(&entries_[s.pos - 1]);
  }

  // Adds a series. REQUIRES: `id` absent.
  void Insert(uint64_t h, SeriesId id, std::string key, bool written);
  // Removes series `id`; false when absent.
  bool Erase(SeriesId id);
  // Removes every entry for which drop(entry) holds, in one pass, and
  // shrinks the tables to what is left. Returns how many were removed.
  template <class Drop>
  size_t EraseIf(Drop drop) {
    size_t kept = 0;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (drop(entries_[i])) {
        key_bytes_ -= KeyBytes(entries_[i].key);
        continue;
      }
      if (kept != i) entries_[kept] = std::move(entries_[i]);
      ++kept;
    }
    const size_t removed = entries_.size() - kept;
    entries_.erase(entries_.begin() + kept, entries_.end());
    if (removed != 0) {
      entries_.shrink_to_fit();
      Rebuild(entries_.size());
    }
    return removed;
  }
  void Clear();

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  // What the entries, their keys and both tables hold on the heap.
  size_t memory_bytes() const;

  // The tag of a hash: its upper 32 bits. Exposed for tests.
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t pos = 0;  // 1 + index into entries_; 0: empty
  };
  static uint32_t IdTag(SeriesId id);
  static size_t KeyBytes(const std::string& key) { return key.size() > 15 ? key.capacity() + 1 : 0; }
  // Slots for `n` entries at most 3/4 full; rebuilds both tables.
  void Rebuild(size_t n);
  void Place(std::vector<Slot>* table, uint32_t tag, uint32_t pos);
  // Removes the slot (tag, pos) by backward shift.
  void Remove(std::vector<Slot>* table, uint32_t tag, uint32_t pos);
  // Points the slot (tag, from) at `to`.
  void Repoint(std::vector<Slot>* table, uint32_t tag, uint32_t from, uint32_t to);

  std::vector<Entry> entries_;
  std::vector<Slot> by_hash_;  // tag: Tag(hash)
  std::vector<Slot> by_id_;    // tag: IdTag(id)
  size_t mask_ = 0;            // both tables have mask_ + 1 slots
  size_t key_bytes_ = 0;       // the keys' own allocations
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SERIES_TABLE_H_
