// CSV with one sample a line, after a header naming the four columns:
//
//   metric,labels,ts,value
//   http_requests_total,"{""code"":""200"",""host"":""web-001""}",1700000000123,1027
//   temp,{},1700000000123,NaN
//
// - labels: a JSON object of the labels other than __name__, as the SQL
//   `labels` column shows them (docs/SQL.md); quoted as CSV quotes (RFC 4180:
//   a field with a comma or quote is in double quotes, a quote doubled).
//   Empty or {} for none.
// - ts: integer milliseconds since the Unix epoch.
// - value: as value_text.h reads it (numbers, NaN, +Inf, -Inf, stale,
//   raw:0x<16 hex digits>).
// The header's columns may come in any order; ts may be named timestamp.
// A line is a record: quoted fields cannot hold line breaks (JSON escapes
// them as \n anyway).

#ifndef OVERTONE_ADAPTERS_FORMATS_CSV_FORMAT_H_
#define OVERTONE_ADAPTERS_FORMATS_CSV_FORMAT_H_

#include <memory>
#include <string>
#include <string_view>

#include "adapters/formats/openmetrics_parser.h"
#include "adapters/formats/sample_writer.h"
#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

class CsvLineParser {
 public:
  // Parses a line: the first non-blank one must be the header. A record's
  // `series` is a key valid until the next call: identical keys mean
  // identical series, and ParseSeries() turns one into labels.
  Status ParseLine(std::string_view line, ParsedLine* out);

  static Status ParseSeries(std::string_view series, Labels* labels);

 private:
  Status ParseHeader(std::string_view line);

  bool have_header_ = false;
  int metric_col_ = -1, labels_col_ = -1, ts_col_ = -1, value_col_ = -1;
  std::string key_;        // metric '\n' labels-json of the last record
  std::string fields_[4];  // unquoted field text, reused
};

// True when `line` looks like the CSV header (for format detection).
bool IsCsvHeader(std::string_view line);

std::unique_ptr<SampleWriter> NewCsvWriter(OutputFile* out, NanStyle nan_style);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_CSV_FORMAT_H_
