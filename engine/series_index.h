// SeriesIndex: the series catalog in memory, backed by the Store.
//
// Every series is loaded at open (as Prometheus keeps its head index in
// memory): label set <-> id lookups on the write path cost one probe of a
// flat open-addressing table (SeriesTable: no node per series), keyed by a
// 64-bit hash of the label set computed over its strings in place (no key
// is built), and checked against the stored canonical encoding, so two
// label sets with the same hash stay two series.
// Selection by matchers uses the persistent postings for matchers that need
// the label to be present, and the in-memory label sets for the rest.
//
// Hot and cold: a series written to since the last EvictIdle() is hot (its
// label set in memory); one not written between two EvictIdle() calls (the
// compactor calls it after each run) turns cold: only its id and label
// hash stay, 16 bytes in each of two sorted arrays, and its labels are read
// from the catalog on demand. A write to a cold series finds it through the
// hash and the catalog and makes it hot again. So under churn (series
// replaced by new ones) the label sets in memory are those of the series
// written lately, not of every series ever seen. What the index holds is
// charged to a MemoryPool (the index share of Options::memory_limit_bytes).
//
// Thread-safe. New series are committed to the Store (catalog, postings and
// the id counter in one batch) before their id is handed out, so samples
// never refer to a series that a crash could lose.

#ifndef OVERTONE_ENGINE_SERIES_INDEX_H_
#define OVERTONE_ENGINE_SERIES_INDEX_H_

#include <atomic>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/matcher_set.h"
#include "engine/series_table.h"
#include "overtone/memory.h"
#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/store.h"

namespace overtone::engine {

// A 64-bit hash of a label set's canonical encoding (storage::EncodeLabels
// of the normalized set). Equal label sets hash equal; only ever kept in
// memory.
uint64_t HashLabelKey(std::string_view key);
// The same for a normalized label set (it encodes it first).
uint64_t HashLabels(const Labels& labels);

// A label set to resolve: its canonical encoding and HashLabelKey of it.
struct LabelKey {
  std::string_view key;
  uint64_t hash;
};

// Whether `encoded` (storage::EncodeLabels) encodes exactly `labels`.
bool EncodedEquals(std::string_view encoded, const Labels& labels);

// The value of label `name` in an encoded label set, or "" when absent.
std::string_view EncodedLabel(std::string_view encoded, std::string_view name);

class SeriesIndex {
 public:
  // `memory`, when given, is charged with what the index holds; it must
  // outlive the index.
  explicit SeriesIndex(storage::Store* store, MemoryPool* memory = nullptr)
      : store_(store), memory_(memory) {}
  ~SeriesIndex();
  SeriesIndex(const SeriesIndex&) = delete;
  SeriesIndex& operator=(const SeriesIndex&) = delete;

  // Replaces HashLabelKey, so that tests can make label sets collide.
  // REQUIRES: called before Load().
  void SetHashForTesting(uint64_t (*hash)(std::string_view key)) { hash_ = hash; }

  // Reads the catalog. REQUIRES: called once, before anything else.
  Status Load();

  // For a Store that follows a writer, after Store::CatchUp: adds the
  // series the writer created since (ids from next_id_ on, one catalog
  // seek), or reloads everything when the writer deleted a series.
  Status Refresh();

  // Ids for each label set, creating the missing series. Only new label
  // sets are validated (known ones were when they were created); an invalid
  // one fails the call before anything is created.
  // REQUIRES: every label set normalized.
  Status GetOrCreate(std::span<const Labels* const> label_sets, std::vector<SeriesId>* ids);
  // The same for encoded label sets whose hashes the caller computed (the
  // write path, which encodes each label set as it is added).
  Status GetOrCreate(std::span<const LabelKey> keys, std::vector<SeriesId>* ids);

  // Marks each of `ids` written, as GetOrCreate does for the series it
  // finds, and appends to *not_hot those whose label set is not in memory
  // (gone cold, deleted, or never there): a writer that kept their ids
  // writes those by label set again.
  Status TouchHot(std::span<const SeriesId> ids, std::vector<SeriesId>* not_hot);

  Result<SeriesId> Find(const Labels& normalized) const;
  bool Get(SeriesId id, Labels* labels) const;
  bool Contains(SeriesId id) const;

  // Ids of the series matching every matcher, ascending.
  Result<std::vector<SeriesId>> Select(const std::vector<CompiledMatcher>& matchers) const;

  Status Delete(SeriesId id);
  size_t size() const;
  // The id the next new series gets. Ids are handed out ascending, so the
  // series created since a call are among the ids from its answer on.
  SeriesId next_id() const;

  // Turns cold every hot series not written since the previous call.
  // Returns how many turned cold.
  size_t EvictIdle();
  size_t hot_size() const;      // series whose label set is in memory
  size_t memory_bytes() const;  // what the index holds, as charged

 private:
  // Reads the id counter, the deletion count and the catalog from id
  // `first` on. REQUIRES: mu_ held exclusively.
  Status LoadFrom(SeriesId first);

  // Ids of series whose label `m.name` is present and matches, ascending.
  Result<std::vector<SeriesId>> Postings(const CompiledMatcher& m) const;
  // Reads the catalog again when the store was reopened after a storage
  // fault since it was last read: a catalog write that failed may still
  // have reached the write-ahead log whole (its sync failed, say), and the
  // reopen's replay applied it, so the catalog may hold more or fewer
  // series than this index does.
  Status ReloadAfterReopen();
  Status LoadLocked();  // REQUIRES: mu_ held exclusively, or no other user yet

  using Entry = SeriesTable::Entry;
  // The id of the label set encoded as `key` (whose hash is h), or 0,
  // among hot series. REQUIRES: mu_ held.
  SeriesId Lookup(uint64_t h, std::string_view key) const;
  // The same among cold series, reading candidates from the catalog.
  // REQUIRES: mu_ held.
  Result<SeriesId> LookupCold(uint64_t h, std::string_view key) const;
  bool IsCold(SeriesId id) const;           // REQUIRES: mu_ held
  const Entry* EntryOf(SeriesId id) const;  // REQUIRES: mu_ held
  // `written`: false for series read from the catalog, so that the first
  // EvictIdle() after an open turns cold those not written since.
  void Insert(uint64_t h, SeriesId id, std::string key,
              bool written = true);  // REQUIRES: mu_ held exclusively
  // Forgets cold series `id`. REQUIRES: mu_ held exclusively.
  void EraseCold(SeriesId id);
  // Charges the pool with what the hot table or the cold arrays hold now.
  void ChargeHot();    // REQUIRES: mu_ held exclusively
  void ChargeCold();   // REQUIRES: mu_ held exclusively
  void ClearLocked();  // REQUIRES: mu_ held exclusively

  storage::Store* store_;
  uint64_t (*hash_)(std::string_view key) = HashLabelKey;
  mutable std::shared_mutex mu_;
  SeriesTable hot_;  // hot series, by label hash and by id
  // Cold series: (hash, id) sorted, and their ids sorted. A cold series
  // written to again is hot as well until the next EvictIdle(); hot wins.
  std::vector<std::pair<uint64_t, SeriesId>> cold_by_hash_;
  std::vector<SeriesId> cold_ids_;
  size_t cold_only_ = 0;  // cold series that are not hot as well
  MemoryPool* memory_;
  size_t charged_hot_ = 0;   // guarded by mu_ (exclusive)
  size_t charged_cold_ = 0;  // guarded by mu_ (exclusive)
  SeriesId next_id_ = 1;
  std::atomic<uint64_t> loaded_at_reopen_{0};  // store_->reopens() when last read
  uint64_t deleted_series_ = 0;                // the Store's count of deleted series (docs/FORMAT.md)
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SERIES_INDEX_H_
