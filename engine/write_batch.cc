#include <algorithm>
#include <cstring>
#include <string>

#include "base/coding.h"
#include "base/prefetch.h"
#include "engine/series_index.h"
#include "overtone/database.h"

namespace overtone {
namespace {

// Copies n bytes, reading and writing only [src, src + n) and [dst, dst + n).
// Label names and values are mostly under 16 bytes: two overlapping 8-byte
// (or 4-byte) moves copy them without a call to memcpy, which took a fifth
// of WriteBatch::Add with every string hot in the cache.
inline char* CopyShort(char* dst, const char* src, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n < 4) {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, n);
  }
  return dst + n;
}

// Whether label `l` may follow `prev` in a normalized set: l < prev is what
// rules it out (as Label's ordering has it: name, then value). Names mostly
// differ in their first byte, which decides without a call to compare.
inline bool InOrder(const Label& prev, const Label& l) {
  if (!prev.name.empty() && !l.name.empty() && prev.name[0] != l.name[0]) {
    return static_cast<unsigned char>(prev.name[0]) < static_cast<unsigned char>(l.name[0]);
  }
  return !(l < prev);
}

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
    if (l.value.empty() || (i > 0 && !InOrder(labels[i - 1], l))) {
      out->resize(start);
      return false;
    }
    p = EncodeVarint64(p, l.name.size());
    p = CopyShort(p, l.name.data(), l.name.size());
    p = EncodeVarint64(p, l.value.size());
    p = CopyShort(p, l.value.data(), l.value.size());
  }
  out->resize(static_cast<size_t>(p - out->data()));
  return true;
}

// Asks for a label set's array of labels (eight lines at most). Both
// helpers are inlined always, as PrefetchLines is (base/prefetch.h says why).
[[gnu::always_inline]] inline void PrefetchLabelArray(const Labels& labels) {
  PrefetchLines(labels.data(), labels.size() * sizeof(Label), 8);
}

// And, once the array is there, the strings held apart from it: those
// longer than fit in a std::string itself.
[[gnu::always_inline]] inline void PrefetchLabelStrings(const Labels& labels) {
  for (const Label& l : labels) {
    if (l.name.size() >= sizeof(std::string) / 2) __builtin_prefetch(l.name.data());
    if (l.value.size() >= sizeof(std::string) / 2) __builtin_prefetch(l.value.data());
  }
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

Status WriteBatch::AddEach(std::span<const Labels> label_sets, std::span<const Sample> samples) {
  if (label_sets.size() != samples.size()) {
    return Status::InvalidArgument("WriteBatch::AddEach: " + std::to_string(label_sets.size()) +
                                   " label sets but " + std::to_string(samples.size()) + " samples");
  }
  // Arrays 8 pairs ahead, their strings 4 ahead: far enough for a miss to
  // arrive before the pair is read, near enough to stay in the cache.
  constexpr size_t kArrayAhead = 8, kStringsAhead = 4;
  const size_t n = label_sets.size();
  for (size_t i = 0; i < std::min(n, kArrayAhead); ++i) PrefetchLabelArray(label_sets[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kArrayAhead < n) PrefetchLabelArray(label_sets[i + kArrayAhead]);
    if (i + kStringsAhead < n) PrefetchLabelStrings(label_sets[i + kStringsAhead]);
    samples_.push_back(Entry{SeriesIndex(label_sets[i]), samples[i]});
  }
  return Status::OK();
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
