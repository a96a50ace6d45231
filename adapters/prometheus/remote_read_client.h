// Migration from a running Prometheus: the client side of remote read.
//
//   overtone import DBDIR --from-remote-read http://prom:9090/api/v1/read
//       --match '{job="node"}' --start 2024-05-01T00:00:00Z --end now
//
// HOW IT WORKS
// The time range is cut into slices (6 h by default) and each slice is one
// ReadRequest, so what one answer holds stays bounded however long the
// history is. Each request accepts STREAMED_XOR_CHUNKS first (Prometheus
// answers it as frames that are decoded as they arrive) and SAMPLES
// second (one snappy ReadResponse), and the answer's Content-Type says which
// came. Streamed chunks may hold samples outside the slice (Prometheus sends
// whole chunks): those are dropped, so each sample is imported once.
// Values are carried bit for bit (NaN payloads, staleness markers).
//
// Slices are inclusive [a, b] ranges that do not overlap, as remote read's
// start/end are inclusive.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_CLIENT_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_CLIENT_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "adapters/formats/importer.h"
#include "adapters/prometheus/remote_write_client.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"

namespace overtone::adapters {

enum class RemoteReadMode {
  kPreferStreamed,  // accept STREAMED_XOR_CHUNKS, then SAMPLES
  kSamplesOnly,     // accept SAMPLES only
};

struct RemoteReadOptions {
  std::string url;  // e.g. http://127.0.0.1:9090/api/v1/read
  std::vector<LabelMatcher> matchers;
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // inclusive
  int64_t slice_ms = 6 * 3600 * 1000;
  RemoteReadMode mode = RemoteReadMode::kPreferStreamed;
  RemoteClientOptions client;
};

// Gets the samples of a series (labels normalized, with __name__); a
// series may come in several calls (one per slice, or per frame).
using RemoteSeriesSink = std::function<Status(const Labels& labels, std::span<const Sample> samples)>;
// Called after each slice with the milliseconds of the range done so far.
using RemoteProgress = std::function<void(int64_t done_ms, int64_t total_ms)>;

// The body RemoteRead posts for the slice [from_ms, to_ms]: a
// snappy-compressed prometheus.ReadRequest of one query, with the response
// types `options.mode` accepts.
std::string EncodeReadRequestBody(const RemoteReadOptions& options, int64_t from_ms, int64_t to_ms);

Status RemoteRead(const RemoteReadOptions& options, const RemoteSeriesSink& sink,
                  const RemoteProgress& progress = nullptr);

// Reads and writes into `db` in atomic batches of about
// import_options.batch_samples. stats->series, samples and batches are as for
// a file; lines are 0; bytes_read / total_bytes count milliseconds of the
// range, for a progress display through import_options.on_progress.
Status ImportFromRemoteRead(Database* db, const RemoteReadOptions& options,
                            const ImportOptions& import_options, ImportStats* stats);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_CLIENT_H_
