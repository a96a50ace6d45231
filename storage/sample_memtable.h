// The raw samples' memtable representation: per series, the keys in an
// array that writes append to.
//
// Every user key of the samples column family starts with an 8-byte
// big-endian series id, then the timestamp (storage/store_keys.h), and a
// scraper writes each series in time order while interleaving many series.
// This memtable hashes each entry by its series to that series' record; the
// record holds the series' entries in key order in an array, so the common
// insert (a key after the series' last) is a comparison with the last key,
// kept in the record, and a store. The first insert that does not come
// last in its series (a late sample, a timestamp written again: RocksDB
// orders a newer sequence number first) turns that series into a skip list
// of its own, which takes every later insert of the series. Readers run
// beside the single writer without locks: an array publishes its length
// after its entry, a grown array or the skip list replaces the series'
// array through one atomic pointer, and a series joins its hash chain after
// it is complete. A reader may miss entries written after it started,
// never an earlier one, which is all RocksDB needs (every entry it must see
// has a sequence number at most its snapshot's, written before it began).
//
// RocksDB's own hashed memtables cost more here: HashLinkListRep asserts
// !Contains(key) on every insert in Debian's build (a search of the series
// from the top, 25% of the remote write receiver's CPU at 10k series and
// 300 scrapes), and sorts the whole memtable through a skip list to flush
// it. This one flushes by sorting the series records by id and reading
// each series' entries in order.
//
// Everything lives in the memtable's arena (charged to the write buffer
// manager) except iterators and the flush's order of series. Requirements:
// the column family's comparator is the bytewise one (a series' place in
// the order is its id's), the writes come from one thread at a time
// (allow_concurrent_memtable_write off). A user key shorter than 8 bytes is
// filed under its bytes padded with zeros, which keeps the order.

#ifndef OVERTONE_STORAGE_SAMPLE_MEMTABLE_H_
#define OVERTONE_STORAGE_SAMPLE_MEMTABLE_H_

#include <rocksdb/memtablerep.h>

#include <cstddef>
#include <functional>
#include <memory>

namespace overtone::storage {

// `buckets`: the hash table's size (rounded up to a power of two), 8 bytes
// each of every memtable's arena.
std::shared_ptr<rocksdb::MemTableRepFactory> NewSampleMemTableRepFactory(size_t buckets);

// The same representation over memory from `allocate` (kept until the
// representation is destroyed) rather than a memtable's arena: for tests
// of the representation alone, whose entries the caller makes.
std::unique_ptr<rocksdb::MemTableRep> NewSampleMemTableRep(const rocksdb::MemTableRep::KeyComparator& cmp,
                                                           std::function<char*(size_t)> allocate,
                                                           size_t buckets);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_SAMPLE_MEMTABLE_H_
