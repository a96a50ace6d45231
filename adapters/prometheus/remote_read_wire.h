// Remote read answers written straight in protobuf wire format, byte for
// byte what protobuf's own serialization of the same messages gives
// (remote_read_wire_test compares them), without building a message of a
// few million Sample objects first.
//
//   prometheus.TimeSeries    1: Label (repeated)  2: Sample (repeated)
//   prometheus.Label         1: name  2: value           (bytes)
//   prometheus.Sample        1: value (fixed64 double)  2: timestamp (varint)
//   prometheus.ChunkedSeries 1: Label (repeated)  2: Chunk (repeated)
//   prometheus.Chunk         1: min_time_ms  2: max_time_ms  3: type (XOR = 1)  4: data
//   prometheus.ChunkedReadResponse  1: ChunkedSeries (repeated)  2: query_index
//
// As proto3 does, a field that holds its default (0, 0.0 with all bits
// zero, an empty string) is left out.
//
// Worked example: the sample (ts 1000, value 1.0) is
//   12 0c  09 00 00 00 00 00 00 f0 3f  10 e8 07
//   field 2 LEN 12, value 1.0 (fixed64, little-endian), timestamp 1000.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_WIRE_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "overtone/types.h"

namespace overtone::adapters {

// Appends field `field` of wire type LEN holding `bytes`.
void AppendLenField(int field, std::string_view bytes, std::string* out);

// Appends each label as field 1 (TimeSeries.labels, ChunkedSeries.labels).
void AppendLabelFields(const Labels& labels, std::string* out);

// The most bytes AppendSampleFields writes for one sample.
inline constexpr size_t kMaxSampleWireBytes = 22;

// Appends each sample as field 2 (TimeSeries.samples).
void AppendSampleFields(std::span<const Sample> samples, std::string* out);

// Appends one XOR chunk as field 2 (ChunkedSeries.chunks).
void AppendXorChunkField(int64_t min_time_ms, int64_t max_time_ms, std::string_view data, std::string* out);

// Appends one STREAMED_XOR_CHUNKS frame (chunked_frame.h) whose message is
// a ChunkedReadResponse of `query_index` holding one ChunkedSeries, given
// that series' serialized fields (labels, then chunks).
void AppendChunkedSeriesFrame(std::string_view series_fields, int64_t query_index, std::string* out);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_WIRE_H_
