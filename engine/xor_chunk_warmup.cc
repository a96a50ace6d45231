// The XOR chunk cache made ready after open (Options::warm_xor_chunks_at_open).
//
// A Prometheus using overtone as remote storage reads its recent history
// back again and again; a running server answers those reads from the
// XorChunkCache (xor_chunk_cache.h) and sends the chunks as they are. After
// a restart the cache is empty, and each first read decodes the FLAC
// segments and encodes chunks again: 3× Prometheus's time for a narrow read
// of the last hour, which Prometheus answers from chunks it keeps in memory
// and mapped files. So a server whose remote reads asked for chunks before
// (the read hint: docs/FORMAT.md) builds them again in the background
// after open, newest first: every series' newest segment, then each one's
// next newest, and so on, until three quarters of the cache are used (the
// rest stays for what reads bring). A read meanwhile builds what it needs
// itself, as before; neither waits for the other, and whichever inserts a
// segment's chunks first keeps them.
//
// What is built is what a read of the whole segment builds
// (BuildSegmentXorChunks over the decoded segment), keyed by the segment's
// bytes as reads key it, so an answer cannot differ from one without the
// warm-up. A segment that fails to parse or decode is left for the read
// that asks for it, which reports the error.

#include <memory>
#include <utility>
#include <vector>

#include "engine/database_impl.h"
#include "storage/codec/segment.h"

namespace overtone {
namespace {

// The one read hint so far: remote reads asked this database for chunks.
constexpr std::string_view kXorChunksHint = "xor_chunks";

// Seeks between two fresh cursors: a cursor pins the store (a
// reopen after a storage fault waits for it) and a snapshot (compaction
// cannot drop what it holds), so the warm-up lets go of both now and then.
constexpr int kSegmentsPerCursor = 1024;

}  // namespace

void DatabaseImpl::NoteXorChunkReads() {
  if (noted_xor_chunk_reads_.load(std::memory_order_relaxed)) return;
  if (noted_xor_chunk_reads_.exchange(true)) return;
  // A reader cannot store it; the writer does when its own reads ask.
  if (store_->read_only()) return;
  storage::Batch batch(store_.get());
  batch.PutRecord(storage::RecordSpace::kReadHint, kXorChunksHint, "");
  // Only a hint: without it the next open merely starts with a cold cache.
  store_->Commit(&batch).IgnoreError();
}

Status DatabaseImpl::StartXorChunkWarmUp() {
  Result<std::string> hint = store_->GetRecord(storage::RecordSpace::kReadHint, kXorChunksHint);
  if (!hint.ok() && !hint.status().IsNotFound()) return hint.status();
  if (!hint.ok()) return Status::OK();
  noted_xor_chunk_reads_ = true;
  if (!options_.warm_xor_chunks_at_open || xor_chunk_cache_.capacity_bytes() == 0) return Status::OK();
  warming_.store(true, std::memory_order_release);
  warm_thread_ = std::thread([this] {
    WarmXorChunks();
    warming_.store(false, std::memory_order_release);
  });
  return Status::OK();
}

void DatabaseImpl::WarmXorChunks() {
  const size_t budget = xor_chunk_cache_.capacity_bytes() / 4 * 3;
  std::unique_ptr<storage::ReadView> view;
  std::unique_ptr<storage::SegmentCursor> cursor;
  int cursor_uses = kSegmentsPerCursor;
  auto fresh_cursor = [&] {
    if (++cursor_uses < kSegmentsPerCursor) return;
    cursor.reset();
    view = store_->NewReadView();
    cursor = store_->NewAllSegmentsCursor(view.get());
    cursor_uses = 0;
  };
  std::vector<Sample> decoded;
  bool full = false;
  // Builds the chunks of the segment under the cursor unless the cache
  // holds all of them; sets `full` instead when they would pass the budget.
  auto warm = [&] {
    const SeriesId id = cursor->series();
    const std::string_view bytes = cursor->bytes();
    const engine::XorChunkCache::Key key = engine::XorChunkCache::KeyOf(id, cursor->max_ts(), bytes);
    std::shared_ptr<const engine::SegmentXorChunks> had = xor_chunk_cache_.Find(key);
    if (had != nullptr && had->whole()) return;
    storage::SegmentView seg;
    if (!storage::ParseSegment(bytes, &seg).ok()) return;
    decoded.clear();
    if (!store_->DecodeStoredSegment(seg, kMinTime, kMaxTime, view.get(), &decoded).ok()) return;
    auto built = std::make_shared<engine::SegmentXorChunks>();
    if (!engine::BuildSegmentXorChunks(decoded, kXorChunkMaxSamples, built.get()).ok()) return;
    if (xor_chunk_cache_.size_bytes() + built->charge() > budget) {
      full = true;
      return;
    }
    if (had != nullptr) xor_chunk_cache_.Erase(key);  // a run of its chunks, which a read built
    xor_chunk_cache_.Insert(key, std::move(built));
    warm_segments_.fetch_add(1, std::memory_order_relaxed);
  };
  auto stop = [&] { return full || warm_stop_.load(std::memory_order_relaxed) || !cursor->status().ok(); };

  // Each series with segments left to build, and the last timestamp of the
  // newest segment of it built so far.
  std::vector<std::pair<SeriesId, int64_t>> pending;
  // The newest segment of every series, from the last series down: a seek
  // before the newest key of the series after it.
  fresh_cursor();
  cursor->SeekForPrev(~SeriesId{0}, kMaxTime);
  while (cursor->Valid() && cursor->series() != storage::kTimestampColumnSeries) {
    const SeriesId id = cursor->series();
    warm();
    if (stop()) return;
    pending.emplace_back(id, cursor->max_ts());
    fresh_cursor();
    cursor->SeekForPrev(id - 1, kMaxTime);
  }
  // Then each one's next newest, round after round.
  while (!pending.empty()) {
    size_t kept = 0;
    for (const auto& [id, built_to] : pending) {
      if (built_to == kMinTime) continue;
      fresh_cursor();
      cursor->SeekForPrev(id, built_to - 1);
      if (!cursor->Valid() || cursor->series() != id) continue;
      warm();
      if (stop()) return;
      pending[kept++] = {id, cursor->max_ts()};
    }
    pending.resize(kept);
  }
}

}  // namespace overtone
