// Remote write payloads (1.0 prometheus.WriteRequest and 2.0
// io.prometheus.write.v2.Request) decoded into an engine WriteBatch, and
// written. No HTTP here: write_endpoint.h handles headers and status codes.
//
// Decisions (docs/SERVER.md):
// - Unsorted labels are tolerated: the engine sorts them.
// - A series with an invalid or duplicate label name, invalid UTF-8, no
//   metric name, or (2.0) a symbol reference out of range is refused; the
//   request's other series are still written and the reply is 400 naming the
//   first problem, so a sender that drops the batch on 400 loses only what
//   was wrong.
// - Labels with an empty value are dropped (Prometheus's rule: absent ==
//   empty).
// - Native histograms are refused (400 after the float samples are written);
//   exemplars are ignored (2.0 reports 0 exemplars written).
// - Metadata (1.0's per family, 2.0's per series, keyed by the series' metric
//   name without a histogram's or summary's _bucket/_sum/_count) is stored
//   with Database::PutMetadata, last write wins; a metadata entry with an
//   invalid family name is skipped.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_WRITE_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_WRITE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::adapters {

enum class WriteProtocol { kV1, kV2 };

inline constexpr std::string_view kWriteV2ContentType =
    "application/x-protobuf;proto=io.prometheus.write.v2.Request";

// From a request's Content-Type: none, `application/x-protobuf` or
// `...;proto=prometheus.WriteRequest` is 1.0; `...;proto=io.prometheus.
// write.v2.Request` is 2.0. NotSupported for anything else (a 415).
Result<WriteProtocol> WriteProtocolFromContentType(std::string_view content_type);

struct DecodedWrite {
  WriteBatch batch;
  size_t series_rejected = 0;
  size_t samples_rejected = 0;  // float samples of refused series
  size_t histograms = 0;        // native histogram samples: not stored
  size_t exemplars = 0;         // not stored
  std::vector<MetricMetadata> metadata;
  std::string first_problem;  // why the first refused series was refused
};

// Parses an uncompressed protobuf body. InvalidArgument when it does not
// parse; refused series are counted in *out, not an error.
Status DecodeWriteRequest(WriteProtocol protocol, std::string_view body, DecodedWrite* out);

struct WriteResult {
  // OK; InvalidArgument when part of the request was refused (the rest is
  // written and durable); or the engine's error, with nothing written.
  Status status;
  size_t samples_written = 0;
};

// Writes decoded.batch in one Database::Write (atomic, durable when OK),
// then the metadata.
WriteResult ApplyWrite(Database* db, const DecodedWrite& decoded);

class SeriesIdCache;  // series_id_cache.h

// DecodeWriteRequest then ApplyWrite, with the same answers, for a receiver
// that remembers the series it wrote in `cache`: a series the cache knows
// is written by id (Database::WriteWithIds) without building its labels.
// 1.0 requests of time series with labels and float samples, and 2.0
// requests of a symbol table and time series with label references,
// float samples and metadata, are walked in place without building
// messages; any other shape takes the full parser (a 2.0 one still through
// the cache). The error is the body's (it does not parse: nothing
// written); the WriteResult is ApplyWrite's.
Result<WriteResult> DecodeAndWrite(Database* db, SeriesIdCache* cache, WriteProtocol protocol,
                                   std::string_view body, DecodedWrite* out);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_WRITE_H_
