#include "storage/sample_memtable.h"

#include <rocksdb/slice.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace overtone::storage {
namespace {

using rocksdb::KeyHandle;
using rocksdb::MemTableRep;

// One entry of the memtable: its series (the user key's first 8 bytes,
// big-endian, as a number) and the address of the entry (RocksDB's
// length-prefixed internal key, then the value).
struct SortRecord {
  uint64_t series;
  const char* entry;
};

// Iterates a sorted, no longer changing array of records.
class SortedIterator final : public MemTableRep::Iterator {
 public:
  SortedIterator(const std::vector<SortRecord>* records, const MemTableRep::KeyComparator* cmp)
      : records_(records), cmp_(cmp), pos_(records->size()) {}

  bool Valid() const override { return pos_ < records_->size(); }
  const char* key() const override { return (*records_)[pos_].entry; }
  void Next() override { ++pos_; }
  void Prev() override { pos_ = pos_ == 0 ? records_->size() : pos_ - 1; }
  void Seek(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    auto it = std::lower_bound(records_->begin(), records_->end(), 0, [&](const SortRecord& r, int) {
      return Compare(r, internal_key, memtable_key) < 0;
    });
    pos_ = static_cast<size_t>(it - records_->begin());
  }
  void SeekForPrev(const rocksdb::Slice& internal_key, const char* memtable_key) override {
    auto it = std::upper_bound(records_->begin(), records_->end(), 0, [&](int, const SortRecord& r) {
      return Compare(r, internal_key, memtable_key) > 0;
    });
    pos_ = it == records_->begin() ? records_->size() : static_cast<size_t>(it - records_->begin()) - 1;
  }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = records_->empty() ? 0 : records_->size() - 1; }

 private:
  int Compare(const SortRecord& r, const rocksdb::Slice& internal_key, const char* memtable_key) const {
    return memtable_key != nullptr ? (*cmp_)(r.entry, memtable_key) : (*cmp_)(r.entry, internal_key);
  }

  const std::vector<SortRecord>* records_;
  const MemTableRep::KeyComparator* cmp_;
  size_t pos_;  // records_->size(): not valid
};

class SampleMemTableRep final : public MemTableRep {
 public:
  SampleMemTableRep(const KeyComparator& cmp, rocksdb::Allocator* allocator, MemTableRep* inner)
      : MemTableRep(allocator), cmp_(cmp), inner_(inner) {}

  ~SampleMemTableRep() override = default;

  KeyHandle Allocate(const size_t len, char** buf) override {
    KeyHandle handle = inner_->Allocate(len, buf);
    pending_handle_ = handle;
    pending_entry_ = *buf;
    return handle;
  }

  void Insert(KeyHandle handle) override {
    inner_->Insert(handle);
    Remember(handle);
  }
  bool InsertKey(KeyHandle handle) override {
    if (!inner_->InsertKey(handle)) return false;
    Remember(handle);
    return true;
  }
  void InsertWithHint(KeyHandle handle, void** hint) override {
    inner_->InsertWithHint(handle, hint);
    Remember(handle);
  }
  bool InsertKeyWithHint(KeyHandle handle, void** hint) override {
    if (!inner_->InsertKeyWithHint(handle, hint)) return false;
    Remember(handle);
    return true;
  }
  // Concurrent inserts would race on the records: the total order is then
  // left to the inner memtable.
  void InsertConcurrently(KeyHandle handle) override {
    untracked_.store(true, std::memory_order_relaxed);
    inner_->InsertConcurrently(handle);
  }
  bool InsertKeyConcurrently(KeyHandle handle) override {
    untracked_.store(true, std::memory_order_relaxed);
    return inner_->InsertKeyConcurrently(handle);
  }
  void InsertWithHintConcurrently(KeyHandle handle, void** hint) override {
    untracked_.store(true, std::memory_order_relaxed);
    inner_->InsertWithHintConcurrently(handle, hint);
  }
  bool InsertKeyWithHintConcurrently(KeyHandle handle, void** hint) override {
    untracked_.store(true, std::memory_order_relaxed);
    return inner_->InsertKeyWithHintConcurrently(handle, hint);
  }

  bool Contains(const char* key) const override { return inner_->Contains(key); }
  void MarkReadOnly() override {
    inner_->MarkReadOnly();
    read_only_.store(true, std::memory_order_release);
  }
  void MarkFlushed() override { inner_->MarkFlushed(); }
  void Get(const rocksdb::LookupKey& k, void* callback_args,
           bool (*callback_func)(void* arg, const char* entry)) override {
    inner_->Get(k, callback_args, callback_func);
  }
  uint64_t ApproximateNumEntries(const rocksdb::Slice& start_ikey, const rocksdb::Slice& end_key) override {
    return inner_->ApproximateNumEntries(start_ikey, end_key);
  }
  size_t ApproximateMemoryUsage() override {
    return inner_->ApproximateMemoryUsage() + extra_bytes_.load(std::memory_order_relaxed);
  }
  bool IsMergeOperatorSupported() const override { return inner_->IsMergeOperatorSupported(); }
  bool IsSnapshotSupported() const override { return inner_->IsSnapshotSupported(); }

  Iterator* GetDynamicPrefixIterator(rocksdb::Arena* arena) override {
    return inner_->GetDynamicPrefixIterator(arena);
  }

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    // A memtable still written keeps the inner order: its records change.
    if (!read_only_.load(std::memory_order_acquire) || untracked_.load(std::memory_order_relaxed)) {
      return inner_->GetIterator(arena);
    }
    std::call_once(sorted_once_, [this] { Sort(); });
    if (arena == nullptr) return new SortedIterator(&sorted_, &cmp_);
    // RocksDB destroys an iterator made in its arena without freeing it,
    // and its Arena is not part of the public API: the memory is this
    // memtable's, freed with it (no iterator outlives its memtable).
    std::lock_guard lock(iterators_mu_);
    iterators_.push_back(std::make_unique<IteratorMemory>());
    return new (iterators_.back().get()) SortedIterator(&sorted_, &cmp_);
  }

 private:
  struct alignas(SortedIterator) IteratorMemory {
    std::byte bytes[sizeof(SortedIterator)];
  };
  // Entries recorded per chunk: one allocation per 64 KiB.
  static constexpr size_t kChunkEntries = 8192;

  // The writer's thread only: Allocate then Insert, one entry at a time.
  void Remember(KeyHandle handle) {
    if (handle != pending_handle_) {  // not the entry just allocated: give up the records
      untracked_.store(true, std::memory_order_relaxed);
      return;
    }
    if (chunks_.empty() || last_chunk_size_ == kChunkEntries) {
      chunks_.push_back(std::make_unique<const char*[]>(kChunkEntries));
      last_chunk_size_ = 0;
      extra_bytes_.fetch_add(kChunkEntries * sizeof(const char*), std::memory_order_relaxed);
    }
    chunks_.back()[last_chunk_size_++] = pending_entry_;
    pending_handle_ = nullptr;
  }

  // The user key's first 8 bytes, big-endian; false when it is shorter.
  bool SeriesOf(const char* entry, uint64_t* series) const {
    const rocksdb::Slice internal_key = cmp_.decode_key(entry);
    if (internal_key.size() < 8 + 8) return false;  // user key, then 8 bytes of sequence and type
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(internal_key.data()[i]);
    *series = v;
    return true;
  }

  void Sort() {
    const size_t n = chunks_.empty() ? 0 : (chunks_.size() - 1) * kChunkEntries + last_chunk_size_;
    sorted_.reserve(n);
    bool by_series = true;
    for (size_t c = 0; c < chunks_.size(); ++c) {
      const size_t size = c + 1 == chunks_.size() ? last_chunk_size_ : kChunkEntries;
      for (size_t i = 0; i < size; ++i) {
        SortRecord r{0, chunks_[c][i]};
        if (by_series && !SeriesOf(r.entry, &r.series)) by_series = false;
        sorted_.push_back(r);
      }
    }
    chunks_.clear();
    auto less = [this](const SortRecord& a, const SortRecord& b) { return cmp_(a.entry, b.entry) < 0; };
    if (!by_series) {
      std::sort(sorted_.begin(), sorted_.end(), less);
    } else {
      // Stable: each series keeps its insertion order, usually its order.
      std::stable_sort(sorted_.begin(), sorted_.end(),
                       [](const SortRecord& a, const SortRecord& b) { return a.series < b.series; });
      for (size_t begin = 0; begin < sorted_.size();) {
        size_t end = begin + 1;
        bool ordered = true;
        for (; end < sorted_.size() && sorted_[end].series == sorted_[begin].series; ++end) {
          if (ordered && !less(sorted_[end - 1], sorted_[end])) ordered = false;
        }
        if (!ordered) std::sort(sorted_.begin() + begin, sorted_.begin() + end, less);
        begin = end;
      }
    }
    // extra_bytes_ stays as it was: RocksDB requires an immutable
    // memtable's memory usage not to change (the sorted records take 8
    // bytes an entry more than the recorded addresses did, until the flush).
  }

  const KeyComparator& cmp_;
  std::unique_ptr<MemTableRep> inner_;
  // The entry Allocate() handed out last, until its Insert.
  KeyHandle pending_handle_ = nullptr;
  const char* pending_entry_ = nullptr;
  // Every entry's address in insertion order, written by the writer until
  // MarkReadOnly(); then moved into sorted_ by the first total-order iterator.
  std::vector<std::unique_ptr<const char*[]>> chunks_;
  size_t last_chunk_size_ = 0;
  std::atomic<bool> untracked_{false};  // some entry is not recorded
  std::atomic<bool> read_only_{false};
  std::atomic<size_t> extra_bytes_{0};  // the recorded addresses' memory
  std::once_flag sorted_once_;
  std::vector<SortRecord> sorted_;
  std::mutex iterators_mu_;
  std::vector<std::unique_ptr<IteratorMemory>> iterators_;
};

class SampleMemTableRepFactory final : public rocksdb::MemTableRepFactory {
 public:
  explicit SampleMemTableRepFactory(std::shared_ptr<rocksdb::MemTableRepFactory> inner)
      : inner_(std::move(inner)) {}

  using rocksdb::MemTableRepFactory::CreateMemTableRep;
  MemTableRep* CreateMemTableRep(const MemTableRep::KeyComparator& cmp, rocksdb::Allocator* allocator,
                                 const rocksdb::SliceTransform* transform, rocksdb::Logger* logger) override {
    return new SampleMemTableRep(cmp, allocator,
                                 inner_->CreateMemTableRep(cmp, allocator, transform, logger));
  }
  const char* Name() const override { return "OvertoneSampleMemTableRepFactory"; }
  bool IsInsertConcurrentlySupported() const override { return false; }
  bool CanHandleDuplicatedKey() const override { return inner_->CanHandleDuplicatedKey(); }

 private:
  std::shared_ptr<rocksdb::MemTableRepFactory> inner_;
};

}  // namespace

std::shared_ptr<rocksdb::MemTableRepFactory> NewSampleMemTableRepFactory(
    std::shared_ptr<rocksdb::MemTableRepFactory> inner) {
  return std::make_shared<SampleMemTableRepFactory>(std::move(inner));
}

}  // namespace overtone::storage
