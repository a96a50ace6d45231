// The raw samples family's filter policy: prefix Bloom filters in the table
// files compactions write, none in the level-0 files flushes write.
//
// A flush writes every series of its memtable into one level-0 file, and
// each write touches every series it has, so a reader seeking a series
// finds it in nearly every such file: the filter seldom spares a read there,
// and building it (a hash of each key's prefix, the partitioned filter
// blocks) was about 9% of the flush's CPU at 100k series. Level-0 files are
// few (compaction merges them at four) and short-lived; the files
// compactions write, where series thin out, keep their filters. Files
// without a filter are read without one; files flushed with one, before,
// keep and use it.

#ifndef OVERTONE_STORAGE_SAMPLE_FILTER_POLICY_H_
#define OVERTONE_STORAGE_SAMPLE_FILTER_POLICY_H_

#include <rocksdb/filter_policy.h>

#include <memory>

namespace overtone::storage {

// RocksDB's Bloom filter of `bits_per_key`, built by compactions only. Its
// filters are the built-in Bloom filter's, and read as such by any policy
// of that family.
std::shared_ptr<const rocksdb::FilterPolicy> NewCompactionOnlyBloomFilterPolicy(double bits_per_key);

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_SAMPLE_FILTER_POLICY_H_
