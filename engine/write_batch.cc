#include "overtone/database.h"

namespace overtone {

uint32_t WriteBatch::SeriesIndex(const Labels& labels) {
  // Consecutive samples of one series are the common case: reuse its slot.
  // A series added again later just gets a second slot; both resolve to the
  // same id when written.
  if (num_series_ > 0 && series_[num_series_ - 1] == labels) return static_cast<uint32_t>(num_series_ - 1);
  if (num_series_ < series_.size()) {
    series_[num_series_] = labels;  // copy-assigned: the slot's strings keep their memory
  } else {
    series_.push_back(labels);
  }
  return static_cast<uint32_t>(num_series_++);
}

uint32_t WriteBatch::SeriesIndex(Labels&& labels) {
  if (num_series_ > 0 && series_[num_series_ - 1] == labels) return static_cast<uint32_t>(num_series_ - 1);
  if (num_series_ < series_.size()) {
    series_[num_series_] = std::move(labels);
  } else {
    series_.push_back(std::move(labels));
  }
  return static_cast<uint32_t>(num_series_++);
}

void WriteBatch::Add(Labels&& labels, std::span<const Sample> samples) {
  if (samples.empty()) return;
  uint32_t index = SeriesIndex(std::move(labels));
  // No reserve(size() + n) here: reserving the exact size defeats the
  // vector's geometric growth, and a batch of one sample per series (remote
  // write's usual shape) then reallocates on every call.
  for (const Sample& s : samples) samples_.push_back(Entry{index, s});
}

void WriteBatch::Add(const Labels& labels, int64_t ts, double value) {
  samples_.push_back(Entry{SeriesIndex(labels), Sample{ts, value}});
}

void WriteBatch::Add(const Labels& labels, std::span<const Sample> samples) {
  if (samples.empty()) return;
  uint32_t index = SeriesIndex(labels);
  for (const Sample& s : samples) samples_.push_back(Entry{index, s});
}

void WriteBatch::Clear() {
  num_series_ = 0;
  samples_.clear();
}

Status Database::Append(const Labels& labels, int64_t ts, double value) {
  WriteBatch batch;
  batch.Add(labels, ts, value);
  return Write(batch);
}

}  // namespace overtone
