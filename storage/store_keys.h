// The key layout of the Store's column families (docs/FORMAT.md): family
// indexes, fixed keys and how series, samples, postings and records are
// keyed. For storage/store*.cc only: the rest of overtone sees the Store.

#ifndef OVERTONE_STORAGE_STORE_KEYS_H_
#define OVERTONE_STORAGE_STORE_KEYS_H_

#include <rocksdb/slice.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/coding.h"
#include "storage/store.h"

namespace overtone::storage {

enum Family : size_t { kMeta = 0, kSeries, kPostings, kSamples, kSegments, kSummaries, kNumFamilies };
// "default" is rocksdb::kDefaultColumnFamilyName, spelled out: a static of
// another library is not yet constructed while ours are.
inline const char* const kFamilyNames[kNumFamilies] = {"default", "series",   "postings",
                                                       "samples", "segments", "summaries"};

inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kNextSeriesIdKey = "next_series_id";
inline constexpr std::string_view kDeletedSeriesKey = "deleted_series";

// A record's key: its space's prefix, then the caller's key. No other key of
// the default family starts with "rec." (docs/FORMAT.md).
inline std::string RecordPrefix(RecordSpace space) {
  switch (space) {
    case RecordSpace::kMetricMetadata: return std::string("rec.metadata\0", 13);
    case RecordSpace::kPushGroup: return std::string("rec.push_group\0", 15);
    case RecordSpace::kReadHint: break;
  }
  return std::string("rec.read_hint\0", 14);
}

inline rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// PutBE64 into a caller's buffer.
inline void StoreBE64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}

inline std::string SeriesKey(SeriesId id) {
  std::string k;
  PutBE64(&k, id);
  return k;
}

inline std::string SampleKey(SeriesId id, int64_t ts) {
  std::string k;
  k.reserve(16);
  PutBE64(&k, id);
  PutTimestamp(&k, ts);
  return k;
}

// Label values are escaped so that the encoding is prefix-free and keeps
// byte order: 0x00 becomes 0x00 0xFF, and the value ends with 0x00 0x01.
// Names cannot contain 0x00, so a single 0x00 ends them.
inline void AppendEscaped(std::string* dst, std::string_view value) {
  for (char c : value) {
    dst->push_back(c);
    if (c == '\0') dst->push_back('\xff');
  }
  dst->push_back('\0');
  dst->push_back('\x01');
}

// Decodes an escaped value at the front of `in`, consuming it.
inline bool ConsumeEscaped(std::string_view* in, std::string* value) {
  value->clear();
  for (size_t i = 0; i + 1 < in->size(); ++i) {
    char c = (*in)[i];
    if (c != '\0') {
      value->push_back(c);
      continue;
    }
    char next = (*in)[i + 1];
    if (next == '\x01') {
      in->remove_prefix(i + 2);
      return true;
    }
    if (next != '\xff') return false;
    value->push_back('\0');
    ++i;
  }
  return false;
}

// Appends the postings key prefix of (name, value) to *dst: the one place
// that builds it, so that a caller writing many keys reuses its buffer.
inline void AppendPostingsValuePrefix(std::string* dst, std::string_view name, std::string_view value) {
  dst->append(name);
  dst->push_back('\0');
  AppendEscaped(dst, value);
}

inline std::string PostingsValuePrefix(std::string_view name, std::string_view value) {
  std::string k;
  AppendPostingsValuePrefix(&k, name, value);
  return k;
}

inline std::string PostingKey(std::string_view name, std::string_view value, SeriesId id) {
  std::string k = PostingsValuePrefix(name, value);
  PutBE64(&k, id);
  return k;
}

// The smallest key greater than every key starting with `prefix`, or "" if
// there is none (prefix all 0xff).
inline std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char last = static_cast<unsigned char>(prefix.back());
    if (last != 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace overtone::storage

#endif  // OVERTONE_STORAGE_STORE_KEYS_H_
