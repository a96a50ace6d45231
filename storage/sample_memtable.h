// The raw samples' memtable: RocksDB's hashed linked lists, with a cheaper
// sort for the flush.
//
// The samples column family's memtable hashes each key by its series (the
// 8-byte prefix), so that a write finds its series' short list at once.
// Such a memtable keeps no total order: to flush it, RocksDB's
// HashLinkListRep inserts every entry, bucket after bucket (in hash order,
// i.e. at random), into a new skip list. At 1 M series that sort took 41%
// of the whole process's CPU under remote write (a skip list insert that
// misses the cache on every level), more than the writes themselves.
//
// This decorator leaves every write and every read to the hashed memtable
// and only replaces the total-order iterator of a memtable that is no
// longer written (the flush's, and a total-order read's of an immutable
// memtable). While the memtable is written it records each entry's address
// in insertion order; the first total-order iterator after MarkReadOnly()
// sorts those records by series id with a stable sort (one 16-byte record
// per entry, no key read) and then checks each series' run, which a
// scraper writes in time order: a run found out of order (a late sample, a
// timestamp written twice) is sorted with the memtable's own comparator.
// The order is the comparator's, so the flushed files are the same bytes.
//
// Used only where every user key starts with an 8-byte big-endian series
// id (storage/store_keys.h); a key shorter than that makes the sort fall
// back to the comparator for everything.

#ifndef OVERTONE_STORAGE_SAMPLE_MEMTABLE_H_
#define OVERTONE_STORAGE_SAMPLE_MEMTABLE_H_

#include <rocksdb/memtablerep.h>

#include <memory>

namespace overtone::storage {

// Wraps `inner` (the hashed linked lists' factory), whose memtables must
// take writes from one thread at a time (allow_concurrent_memtable_write
// off).
std::shared_ptr<rocksdb::MemTableRepFactory> NewSampleMemTableRepFactory(
    std::shared_ptr<rocksdb::MemTableRepFactory> inner);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_SAMPLE_MEMTABLE_H_
