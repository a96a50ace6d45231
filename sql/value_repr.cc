#include "sql/value_repr.h"

#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "overtone/types.h"

namespace overtone::sql {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void ResultValue(sqlite3_context* ctx, double v) {
  if (std::isnan(v)) {
    sqlite3_result_null(ctx);
  } else {
    sqlite3_result_double(ctx, v);
  }
}

void ResultRaw(sqlite3_context* ctx, double v) { sqlite3_result_int64(ctx, std::bit_cast<int64_t>(v)); }

std::string_view ValueKind(double v) {
  if (IsStaleNaN(v)) return "stale";
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return "number";
}

Result<double> ParseValueText(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (EqualsIgnoreCase(text, "nan")) return PrometheusNaN();
  if (EqualsIgnoreCase(text, "stale")) return StaleNaN();
  if (EqualsIgnoreCase(text, "inf") || EqualsIgnoreCase(text, "+inf")) {
    return std::numeric_limits<double>::infinity();
  }
  if (EqualsIgnoreCase(text, "-inf")) return -std::numeric_limits<double>::infinity();
  std::string s(text);
  if (!s.empty()) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    // strtod also accepts "infinity", "nan(...)" and hex: all fine as numbers.
    if (end == s.c_str() + s.size() && errno != ERANGE) return v;
  }
  return Status::InvalidArgument("value '" + s +
                                 "' is not a number (use a number, 'NaN', '+Inf', '-Inf' or 'stale')");
}

Result<double> ValueFromSql(sqlite3_value* value, sqlite3_value* raw) {
  if (raw != nullptr && sqlite3_value_type(raw) != SQLITE_NULL) {
    if (sqlite3_value_type(raw) != SQLITE_INTEGER) {
      return Status::InvalidArgument("raw must be an INTEGER holding the IEEE-754 bits of the value");
    }
    return std::bit_cast<double>(sqlite3_value_int64(raw));
  }
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: return static_cast<double>(sqlite3_value_int64(value));
    case SQLITE_FLOAT: return sqlite3_value_double(value);
    case SQLITE_TEXT:
      return ParseValueText(std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(value)),
                                             sqlite3_value_bytes(value)));
    case SQLITE_NULL:
      return Status::InvalidArgument(
          "value is NULL: write NaN as 'NaN', the staleness marker as 'stale', or give raw bits");
    default: return Status::InvalidArgument("value must be a number, not a BLOB");
  }
}

}  // namespace overtone::sql
