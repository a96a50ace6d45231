#include "engine/xor_chunk_cache.h"

#include <algorithm>

#include "storage/codec/xor_chunk.h"

namespace overtone::engine {

Status BuildSegmentXorChunks(std::span<const Sample> samples, size_t chunk_samples, SegmentXorChunks* out) {
  *out = SegmentXorChunks{};
  if (!samples.empty()) {
    out->segment_min_ts = samples.front().ts;
    out->segment_max_ts = samples.back().ts;
  }
  return EncodeXorChunkRun(samples, chunk_samples, out);
}

Status EncodeXorChunkRun(std::span<const Sample> samples, size_t chunk_samples, SegmentXorChunks* out) {
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

std::shared_ptr<const SegmentXorChunks> XorChunkCache::Find(const Key& key) {
  std::shared_ptr<const SegmentXorChunks> chunks;
  lru_.Find(key, &chunks);
  return chunks;
}

void XorChunkCache::Insert(const Key& key, std::shared_ptr<const SegmentXorChunks> chunks) {
  const size_t bytes = chunks->charge();
  using Lru = decltype(lru_);
  const bool hot = inserts_.fetch_add(1, std::memory_order_relaxed) % kHotInsertEvery == kHotInsertEvery - 1;
  lru_.Insert(key, std::move(chunks), bytes,
              hot ? Lru::Place::kMostRecent : Lru::Place::kLeastRecentWhenFull);
}

}  // namespace overtone::engine
