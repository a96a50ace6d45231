#include "base/csv.h"

namespace overtone {
namespace {

bool NeedsQuotes(std::string_view field, CsvQuoting quoting) {
  switch (quoting) {
    case CsvQuoting::kAlways: return true;
    case CsvQuoting::kWhenNeededOrEmpty:
      if (field.empty()) return true;
      break;
    case CsvQuoting::kWhenNeeded: break;
  }
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

}  // namespace

void AppendCsvField(std::string_view field, CsvQuoting quoting, std::string* out) {
  if (!NeedsQuotes(field, quoting)) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string CsvField(std::string_view field, CsvQuoting quoting) {
  std::string out;
  AppendCsvField(field, quoting, &out);
  return out;
}

}  // namespace overtone
