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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* round_trip = new fuzz::ExportRoundTrip();
  fuzz::InputReader in(data, size);
  bool om = in.U8() & fuzz::kOpenMetrics;
  std::string_view text = in.Rest();
  adapters::GuessTextFormat(text);

  adapters::TextLineParser parser(om ? adapters::TextFormat::kOpenMetrics
                                     : adapters::TextFormat::kPrometheus);
  round_trip->CheckLines(&parser, text,
                         om ? adapters::ExportFormat::kOpenMetrics : adapters::ExportFormat::kPrometheusText);
  parser.Finish().IgnoreError();  // run for coverage: a truncated input may well end badly
  return 0;
}
