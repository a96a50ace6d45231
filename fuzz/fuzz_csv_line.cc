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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* round_trip = new fuzz::ExportRoundTrip();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::string_view line : fuzz::SplitLines(text)) adapters::IsCsvHeader(line);
  adapters::CsvLineParser parser;
  round_trip->CheckLines(&parser, text, adapters::ExportFormat::kCsv);
  return 0;
}
