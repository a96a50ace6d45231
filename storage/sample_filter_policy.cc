#include "storage/sample_filter_policy.h"

#include <rocksdb/table.h>

namespace overtone::storage {
namespace {

class CompactionOnlyFilterPolicy final : public rocksdb::FilterPolicy {
 public:
  explicit CompactionOnlyFilterPolicy(double bits_per_key)
      : bloom_(rocksdb::NewBloomFilterPolicy(bits_per_key)) {}
  const char* Name() const override { return "overtone.CompactionOnlyBloomFilter"; }
  // The name a table file's filter block is found by: the built-in Bloom
  // filter's, so that files written with either read alike.
  const char* CompatibilityName() const override { return bloom_->CompatibilityName(); }
  rocksdb::FilterBitsBuilder* GetBuilderWithContext(
      const rocksdb::FilterBuildingContext& context) const override {
    if (context.reason == rocksdb::TableFileCreationReason::kFlush) return nullptr;  // no filter
    return bloom_->GetBuilderWithContext(context);
  }
  rocksdb::FilterBitsReader* GetFilterBitsReader(const rocksdb::Slice& contents) const override {
    return bloom_->GetFilterBitsReader(contents);
  }

 private:
  std::unique_ptr<const rocksdb::FilterPolicy> bloom_;
};

}  // namespace

std::shared_ptr<const rocksdb::FilterPolicy> NewCompactionOnlyBloomFilterPolicy(double bits_per_key) {
  return std::make_shared<CompactionOnlyFilterPolicy>(bits_per_key);
}

}  // namespace overtone::storage
