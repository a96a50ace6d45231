// Export: the samples of the series some selectors pick, in a time range,
// through a SampleWriter (OpenMetrics, Prometheus text or CSV). What the
// importer reads back into the same samples, bit for bit, with
// NanStyle::kLossless.
//
// Series come out ordered by metric name and then labels, so each metric's
// series are together (OpenMetrics families must not be split), each
// series' samples in time order. overtone keeps no HELP/TYPE/UNIT metadata,
// so none is written: every metric is an untyped family of its own.

#ifndef OVERTONE_ADAPTERS_FORMATS_EXPORTER_H_
#define OVERTONE_ADAPTERS_FORMATS_EXPORTER_H_

#include <cstdint>
#include <vector>

#include "adapters/formats/sample_writer.h"
#include "overtone/database.h"
#include "overtone/matcher.h"
#include "overtone/status.h"

namespace overtone::adapters {

struct ExportOptions {
  // Series matching any of these selectors (each a list of matchers that
  // must all match). REQUIRES: not empty.
  std::vector<std::vector<LabelMatcher>> selectors;
  int64_t start_ms = kMinTime;  // inclusive
  int64_t end_ms = kMaxTime;    // inclusive
};

struct ExportStats {
  uint64_t series = 0;   // series with at least one sample written
  uint64_t samples = 0;  // samples handed to the writer
};

// Writes the selected samples and finishes the writer.
Status Export(Database* db, const ExportOptions& options, SampleWriter* writer, ExportStats* stats);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_EXPORTER_H_
