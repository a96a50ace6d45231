// Import lines in overtone's CSV format (adapters/formats/csv_format.h), one input
// being a file's text, header first.
//
// Checks: a record's series parses to labels the engine accepts, and the
// sample survives export and re-import (export_round_trip.h).

#include <cstdint>

#include "adapters/formats/csv_format.h"
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
  std::string_view text(reinterpret_cast<const char*>(data), size);
  adapters::CsvLineParser parser;
  for (std::string_view line : fuzz::SplitLines(text)) {
    adapters::IsCsvHeader(line);
    adapters::ParsedLine parsed;
    if (!parser.ParseLine(line, &parsed).ok() || parsed.kind != adapters::ParsedLine::Kind::kSample) continue;
    Labels labels;
    if (!adapters::CsvLineParser::ParseSeries(parsed.series, &labels).ok()) continue;
    FUZZ_CHECK(ValidateLabels(labels).ok());
    round_trip->Check(adapters::ExportFormat::kCsv, labels, Sample{parsed.ts, parsed.value});
  }
  return 0;
}
