// Writes series as OpenMetrics text (timestamps in seconds, `# EOF` at the
// end) or as the Prometheus text format (timestamps in milliseconds): what
// the parsers in openmetrics_parser.h read back, bit for bit with
// NanStyle::kLossless, and what `promtool tsdb create-blocks-from
// openmetrics` reads with NanStyle::kPortable.
//
//   # TYPE http_requests counter
//   # HELP http_requests Requests served.
//   http_requests_total{host="web-001",role="web"} 1027 1700000000.123

#ifndef OVERTONE_ADAPTERS_FORMATS_OPENMETRICS_WRITER_H_
#define OVERTONE_ADAPTERS_FORMATS_OPENMETRICS_WRITER_H_

#include <memory>
#include <string>

#include "adapters/formats/openmetrics_parser.h"
#include "adapters/formats/sample_writer.h"

namespace overtone::adapters {

std::unique_ptr<SampleWriter> NewTextWriter(TextFormat format, OutputFile* out, NanStyle nan_style);

// Appends `name{a="b",c="d"}` for `labels` (which include __name__; sorted
// labels give the canonical text).
void AppendSeriesText(const Labels& labels, std::string* out);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_OPENMETRICS_WRITER_H_
