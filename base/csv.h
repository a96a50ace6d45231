// CSV field quoting (RFC 4180): the one rule every CSV writer in overtone
// follows, the export format, the shell's .mode csv and the HTTP query API.
//
// A quoted field is wrapped in double quotes and every quote inside it is
// doubled: a"b becomes "a""b". Writers differ only in WHEN they quote, so
// that is the one choice a caller makes.

#ifndef OVERTONE_BASE_CSV_H_
#define OVERTONE_BASE_CSV_H_

#include <string>
#include <string_view>

namespace overtone {

enum class CsvQuoting {
  // Only when the field holds a comma, a double quote, CR or LF: RFC 4180's
  // minimum. An empty field stays empty.
  kWhenNeeded,
  // As kWhenNeeded, and an empty field too ("" on the wire), so that an
  // empty string stays apart from NULL, which a writer leaves empty.
  kWhenNeededOrEmpty,
  // Always, whatever the field holds.
  kAlways,
};

// Appends `field` to `out`, quoted as `quoting` says.
void AppendCsvField(std::string_view field, CsvQuoting quoting, std::string* out);

// `field` as AppendCsvField writes it.
std::string CsvField(std::string_view field, CsvQuoting quoting);

}  // namespace overtone

#endif  // OVERTONE_BASE_CSV_H_
