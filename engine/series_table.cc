#include "engine/series_table.h"

namespace overtone::engine {

uint32_t SeriesTable::IdTag(SeriesId id) {
  // SplitMix64's finalizer: ids are consecutive, their tags must not be.
  uint64_t z = id;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return Tag(z ^ (z >> 31));
}

const SeriesTable::Entry* SeriesTable::FindId(SeriesId id) const {
  const uint32_t tag = IdTag(id);
  for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
    const Slot s = by_id_[i];
    if (s.pos == 0) return nullptr;
    if (s.tag == tag && entries_[s.pos - 1].id == id) return &entries_[s.pos - 1];
  }
}

void SeriesTable::Rebuild(size_t n) {
  size_t slots = 16;
  while (slots * 3 < n * 4) slots *= 2;
  mask_ = slots - 1;
  std::vector<Slot>(slots).swap(by_hash_);
  std::vector<Slot>(slots).swap(by_id_);
  for (size_t i = 0; i < entries_.size(); ++i) {
    const uint32_t pos = static_cast<uint32_t>(i + 1);
    Place(&by_hash_, Tag(entries_[i].hash), pos);
    Place(&by_id_, IdTag(entries_[i].id), pos);
  }
}

void SeriesTable::Place(std::vector<Slot>* table, uint32_t tag, uint32_t pos) {
  size_t i = tag & mask_;
  while ((*table)[i].pos != 0) i = (i + 1) & mask_;
  (*table)[i] = Slot{tag, pos};
}

void SeriesTable::Remove(std::vector<Slot>* table, uint32_t tag, uint32_t pos) {
  std::vector<Slot>& t = *table;
  size_t i = tag & mask_;
  while (t[i].pos != pos) i = (i + 1) & mask_;
  // Backward shift: move up each later slot of the run whose home is not
  // between the hole and itself, so that no probe meets a gap early.
  for (size_t j = (i + 1) & mask_; t[j].pos != 0; j = (j + 1) & mask_) {
    const size_t home = t[j].tag & mask_;
    const bool reachable = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!reachable) {
      t[i] = t[j];
      i = j;
    }
  }
  t[i] = Slot{};
}

void SeriesTable::Repoint(std::vector<Slot>* table, uint32_t tag, uint32_t from, uint32_t to) {
  size_t i = tag & mask_;
  while ((*table)[i].pos != from) i = (i + 1) & mask_;
  (*table)[i].pos = to;
}

void SeriesTable::Insert(uint64_t h, SeriesId id, std::string key, bool written) {
  if ((entries_.size() + 1) * 4 > (mask_ + 1) * 3) Rebuild(2 * (entries_.size() + 1));
  key_bytes_ += KeyBytes(key);
  entries_.emplace_back(id, h, std::move(key), written);
  const uint32_t pos = static_cast<uint32_t>(entries_.size());
  Place(&by_hash_, Tag(h), pos);
  Place(&by_id_, IdTag(id), pos);
}

bool SeriesTable::Erase(SeriesId id) {
  const Entry* found = FindId(id);
  if (found == nullptr) return false;
  const uint32_t pos = static_cast<uint32_t>(found - entries_.data() + 1);
  Remove(&by_hash_, Tag(found->hash), pos);
  Remove(&by_id_, IdTag(id), pos);
  key_bytes_ -= KeyBytes(found->key);
  // The last entry fills the hole, so the entries stay side by side.
  const uint32_t last = static_cast<uint32_t>(entries_.size());
  if (pos != last) {
    Entry& moved = entries_[last - 1];
    Repoint(&by_hash_, Tag(moved.hash), last, pos);
    Repoint(&by_id_, IdTag(moved.id), last, pos);
    entries_[pos - 1] = std::move(moved);
  }
  entries_.pop_back();
  return true;
}

void SeriesTable::Clear() {
  std::vector<Entry>().swap(entries_);
  key_bytes_ = 0;
  Rebuild(0);
}

size_t SeriesTable::memory_bytes() const {
  return entries_.capacity() * sizeof(Entry) + (by_hash_.capacity() + by_id_.capacity()) * sizeof(Slot) +
         key_bytes_;
}

}  // namespace overtone::engine
