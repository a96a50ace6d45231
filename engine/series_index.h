// SeriesIndex: the series catalog in memory, backed by the Store.
//
// Every series is loaded at open (as Prometheus keeps its head index in
// memory): label set <-> id lookups on the write path cost one hash lookup,
// keyed by a 64-bit hash of the label set computed over its strings in
// place (no key is built), and checked against the stored canonical
// encoding, so two label sets with the same hash stay two series.
// Selection by matchers uses the persistent postings for matchers that need
// the label to be present, and the in-memory label sets for the rest.
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
#include <unordered_map>
#include <vector>

#include "engine/matcher_set.h"
#include "overtone/status.h"
#include "overtone/types.h"
#include "storage/store.h"

namespace overtone::engine {

// A 64-bit hash of a normalized label set, over its names and values in
// place. Equal label sets hash equal; only ever kept in memory.
uint64_t HashLabels(const Labels& labels);

// Whether `encoded` (storage::EncodeLabels) encodes exactly `labels`.
bool EncodedEquals(std::string_view encoded, const Labels& labels);

// The value of label `name` in an encoded label set, or "" when absent.
std::string_view EncodedLabel(std::string_view encoded, std::string_view name);

class SeriesIndex {
 public:
  explicit SeriesIndex(storage::Store* store) : store_(store) {}

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

  Result<SeriesId> Find(const Labels& normalized) const;
  bool Get(SeriesId id, Labels* labels) const;
  bool Contains(SeriesId id) const;

  // Ids of the series matching every matcher, ascending.
  Result<std::vector<SeriesId>> Select(const std::vector<CompiledMatcher>& matchers) const;

  Status Delete(SeriesId id);
  size_t size() const;

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

  struct Entry {
    SeriesId id;
    std::string key;  // storage::EncodeLabels: one allocation per series, not one per string
  };
  // The id of `labels` (whose hash is h), or 0. REQUIRES: mu_ held.
  SeriesId Lookup(uint64_t h, const Labels& labels) const;
  const Entry* EntryOf(SeriesId id) const;                // REQUIRES: mu_ held
  void Insert(uint64_t h, SeriesId id, std::string key);  // REQUIRES: mu_ held exclusively

  storage::Store* store_;
  mutable std::shared_mutex mu_;
  std::unordered_multimap<uint64_t, Entry> by_hash_;  // HashLabels -> series (a collision adds one more)
  std::unordered_map<SeriesId, uint64_t> hash_of_;    // id -> its label set's hash
  SeriesId next_id_ = 1;
  std::atomic<uint64_t> loaded_at_reopen_{0};  // store_->reopens() when last read
  uint64_t deleted_series_ = 0;                // the Store's count of deleted series (docs/FORMAT.md)
};

}  // namespace overtone::engine

#endif  // OVERTONE_ENGINE_SERIES_INDEX_H_
