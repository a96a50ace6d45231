#include <cstring>

#include "base/coding.h"
#include "engine/series_index.h"
#include "overtone/database.h"

namespace overtone {
namespace {

// Appends the canonical encoding of `labels` (storage::EncodeLabels' bytes)
// to *out when they are normalized (no empty value, names in order), in one
// pass over the caller's strings; false, with *out as it was, otherwise.
bool AppendIfNormalized(const Labels& labels, std::string* out) {
  size_t bound = 0;
  for (const Label& l : labels) bound += l.name.size() + l.value.size() + 2 * 10;
  const size_t start = out->size();
  // Sized once, written through a pointer: one capacity check a label set
  // instead of one a string.
  out->resize(start + bound);
  char* p = out->data() + start;
  for (size_t i = 0; i < labels.size(); ++i) {
    const Label& l = labels[i];
    if (l.value.empty() || (i > 0 && l < labels[i - 1])) {
      out->resize(start);
      return false;
    }
    p = EncodeVarint64(p, l.name.size());
    std::memcpy(p, l.name.data(), l.name.size());
    p += l.name.size();
    p = EncodeVarint64(p, l.value.size());
    std::memcpy(p, l.value.data(), l.value.size());
    p += l.value.size();
  }
  out->resize(static_cast<size_t>(p - out->data()));
  return true;
}

}  // namespace

uint32_t WriteBatch::SeriesIndex(const Labels& labels) {
  const size_t start = keys_.size();
  if (!AppendIfNormalized(labels, &keys_)) {
    Labels normalized = labels;
    NormalizeLabels(&normalized);
    const bool ok = AppendIfNormalized(normalized, &keys_);
    (void)ok;  // normalized just now
  }
  const std::string_view encoded = std::string_view(keys_).substr(start);
  const uint64_t hash = engine::HashLabelKey(encoded);
  // Consecutive samples of one series are the common case: reuse its slot.
  // A series added again later just gets a second slot; both resolve to the
  // same id when written.
  if (!series_.empty()) {
    const SeriesKey& last = series_.back();
    if (last.hash == hash && key(series_.size() - 1) == encoded) {
      keys_.resize(start);
      return static_cast<uint32_t>(series_.size() - 1);
    }
  }
  series_.push_back(SeriesKey{start, encoded.size(), hash});
  return static_cast<uint32_t>(series_.size() - 1);
}

void WriteBatch::Add(Labels&& labels, std::span<const Sample> samples) {
  Add(static_cast<const Labels&>(labels), samples);
}

void WriteBatch::Add(const Labels& labels, int64_t ts, double value) {
  samples_.push_back(Entry{SeriesIndex(labels), Sample{ts, value}});
}

void WriteBatch::Add(const Labels& labels, std::span<const Sample> samples) {
  if (samples.empty()) return;
  uint32_t index = SeriesIndex(labels);
  // No reserve(size() + n) here: reserving the exact size defeats the
  // vector's geometric growth, and a batch of one sample per series (remote
  // write's usual shape) then reallocates on every call.
  for (const Sample& s : samples) samples_.push_back(Entry{index, s});
}

void WriteBatch::Clear() {
  keys_.clear();
  series_.clear();
  samples_.clear();
}

Status Database::Append(const Labels& labels, int64_t ts, double value) {
  WriteBatch batch;
  batch.Add(labels, ts, value);
  return Write(batch);
}

}  // namespace overtone
