// Line parsers for the Prometheus text exposition format (0.0.4) and
// OpenMetrics 1.0 text, as `promtool tsdb create-blocks-from openmetrics`
// reads them:
//
//   # HELP http_requests Requests served.
//   # TYPE http_requests counter
//   http_requests_total{code="200",path="/a\"b"} 1027 1700000000.123
//   # EOF
//
// The two formats differ where it matters for an import:
//   - timestamps: OpenMetrics writes seconds (a decimal, "1700000000.123"),
//     the Prometheus text format integer milliseconds ("1700000000123");
//   - `# EOF` ends an OpenMetrics text and nothing may follow it;
//   - OpenMetrics has `# UNIT` and exemplars (`... 1 1700000000 # {id="x"} 1`).
// Both are parsed leniently in one respect: runs of spaces and tabs separate
// tokens, blank lines and unknown `#` comments are skipped.
//
// HOW IT WORKS
// ParseLine() splits a sample line without allocating: it returns the series
// text `name{labels}` as a view, the value and the timestamp. Turning that text
// into Labels (ParseSeries) allocates, so the importer calls it only for a
// series text it has not seen in the current batch: files list a series'
// samples one after another, so most lines skip it.
// Metadata lines (HELP, TYPE, UNIT) come back as kMetadata lines, the text
// as written (HELP escapes undone by UnescapeHelp); exposition.h gathers
// them per family for Database::PutMetadata.

#ifndef OVERTONE_ADAPTERS_FORMATS_OPENMETRICS_PARSER_H_
#define OVERTONE_ADAPTERS_FORMATS_OPENMETRICS_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

enum class TextFormat { kPrometheus, kOpenMetrics };

// One line, parsed.
struct ParsedLine {
  enum class Kind { kSkip, kSample, kMetadata, kEof };
  enum class Keyword { kHelp, kType, kUnit };
  Kind kind = Kind::kSkip;
  std::string_view series;           // kSample: `name` or `name{...}`, as written
  int64_t ts = 0;                    // kSample: milliseconds
  double value = 0;                  // kSample
  Keyword keyword = Keyword::kHelp;  // kMetadata: which line
  std::string_view family;           // kMetadata: the metric family's name
  std::string_view text;             // kMetadata: the help text (escaped), type or unit
};

// A HELP text with its escapes (`\\`, `\n`, and in OpenMetrics `\"`) undone.
std::string UnescapeHelp(std::string_view text);

class TextLineParser {
 public:
  explicit TextLineParser(TextFormat format) : format_(format) {}

  TextFormat format() const { return format_; }

  // The timestamp of samples written without one; without it such a
  // sample is an error (an import has no scrape time to give it). A push
  // gives the time it arrived.
  void set_default_timestamp(std::optional<int64_t> ms) { default_ts_ = ms; }

  // Parses `line` (without its newline). Errors name the column (1-based)
  // and what was expected there. A sample without a timestamp takes the
  // default timestamp, and is an error when there is none.
  Status ParseLine(std::string_view line, ParsedLine* out);

  // Labels of a series text returned by ParseLine, with __name__, normalized
  // and validated (label names, UTF-8, duplicates).
  static Status ParseSeries(std::string_view series, Labels* labels);

  // Call at the end of the input: an OpenMetrics text must have ended with
  // `# EOF`.
  Status Finish() const;

 private:
  Status ParseComment(std::string_view line, size_t hash, ParsedLine* out);
  // Whether an OpenMetrics exemplar (`# {...} ...`) starts at line[at].
  bool IsExemplar(std::string_view line, size_t at) const;

  TextFormat format_;
  std::optional<int64_t> default_ts_;
  bool seen_eof_ = false;
};

// Guesses the format from the start of a text (a few KB are plenty): `# UNIT`,
// an OpenMetrics-only type, `# EOF`, or a first timestamp that is a decimal
// or too small to be milliseconds since 1973 mean OpenMetrics; otherwise the
// Prometheus text format.
TextFormat GuessTextFormat(std::string_view head);

// Label values as the exposition formats quote them: `\` `"` and newline
// escaped. Appends to `out`.
void AppendEscapedLabelValue(std::string_view value, std::string* out);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_OPENMETRICS_PARSER_H_
