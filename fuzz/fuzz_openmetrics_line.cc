// Import lines in the OpenMetrics or Prometheus text format
// (adapters/formats/openmetrics_parser.h), one input being a file's text.
//
// Checks: a sample line's series text parses to labels the engine accepts,
// and the sample survives export and re-import (export_round_trip.h).

#include <cstdint>

#include "adapters/formats/openmetrics_parser.h"
#include "fuzz/export_round_trip.h"
#include "fuzz/fuzz_input.h"

using namespace overtone;

namespace {
fuzz::ExportRoundTrip* round_trip;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  round_trip = new fuzz::ExportRoundTrip();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader in(data, size);
  bool om = in.U8() & fuzz::kOpenMetrics;
  std::string_view text = in.Rest();
  adapters::GuessTextFormat(text);

  adapters::TextLineParser parser(om ? adapters::TextFormat::kOpenMetrics : adapters::TextFormat::kPrometheus);
  for (std::string_view line : fuzz::SplitLines(text)) {
    adapters::ParsedLine parsed;
    if (!parser.ParseLine(line, &parsed).ok() || parsed.kind != adapters::ParsedLine::Kind::kSample) continue;
    Labels labels;
    if (!adapters::TextLineParser::ParseSeries(parsed.series, &labels).ok()) continue;
    FUZZ_CHECK(ValidateLabels(labels).ok());
    round_trip->Check(om ? adapters::ExportFormat::kOpenMetrics : adapters::ExportFormat::kPrometheusText, labels,
                      Sample{parsed.ts, parsed.value});
  }
  parser.Finish().ok();
  return 0;
}
