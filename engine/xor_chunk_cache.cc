#include "engine/xor_chunk_cache.h"

#include <algorithm>

#include "storage/codec/xor_chunk.h"

namespace overtone::engine {

Status BuildSegmentXorChunks(std::span<const Sample> samples, size_t chunk_samples, SegmentXorChunks* out) {
  out->chunks.clear();
  out->data.clear();
  std::string chunk;
  for (size_t begin = 0; begin < samples.size(); begin += chunk_samples) {
    std::span<const Sample> part = samples.subspan(begin, std::min(chunk_samples, samples.size() - begin));
    OT_RETURN_IF_ERROR(storage::EncodeXorChunk(part, &chunk));
    out->chunks.push_back(SegmentXorChunks::Chunk{
        part.front().ts, part.back().ts, static_cast<uint32_t>(part.size()),
        static_cast<uint32_t>(out->data.size()), static_cast<uint32_t>(chunk.size())});
    out->data.append(chunk);
  }
  out->data.shrink_to_fit();
  out->chunks.shrink_to_fit();
  return Status::OK();
}

XorChunkCache::~XorChunkCache() {
  if (memory_ != nullptr) memory_->Release(used_);
}

XorChunkCache::Key XorChunkCache::KeyOf(SeriesId id, int64_t key_ts, std::string_view bytes) {
  uint32_t crc = 0;
  for (size_t i = 0; i < 4 && bytes.size() >= 4; ++i)
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[bytes.size() - 4 + i])) << (8 * i);
  return Key{id, key_ts, static_cast<uint32_t>(bytes.size()), crc};
}

std::shared_ptr<const SegmentXorChunks> XorChunkCache::Find(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->chunks;
}

void XorChunkCache::Insert(const Key& key, std::shared_ptr<const SegmentXorChunks> chunks) {
  const size_t bytes = chunks->charge();
  std::lock_guard lock(mu_);
  if (index_.count(key) != 0 || bytes > capacity_) return;
  used_ += bytes;
  if (memory_ != nullptr) memory_->Charge(bytes);
  lru_.push_front(Entry{key, std::move(chunks), bytes});
  index_[key] = lru_.begin();
  while (used_ > capacity_) EvictOne();
}

void XorChunkCache::EvictOne() {
  used_ -= lru_.back().bytes;
  if (memory_ != nullptr) memory_->Release(lru_.back().bytes);
  index_.erase(lru_.back().key);
  lru_.pop_back();
}

size_t XorChunkCache::size_bytes() const {
  std::lock_guard lock(mu_);
  return used_;
}

}  // namespace overtone::engine
