#include "shell/cell.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/hex.h"

namespace overtone::shell {

Cell CellFromColumn(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: return Cell::Integer(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT: return Cell::Real(sqlite3_column_double(stmt, i));
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return Cell::Text(std::string_view(p ? p : "", sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      return Cell::Blob(std::string_view(p ? p : "", sqlite3_column_bytes(stmt, i)));
    }
    default: return Cell::Null();
  }
}

std::string FormatReal(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  // %.17g always round-trips but prints 0.1 as 0.10000000000000001; the
  // shortest precision that still round-trips is what a person expects.
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  // Like sqlite3, keep REAL apart from INTEGER in the text: 1 -> 1.0,
  // 1e+20 -> 1.0e+20.
  if (s.find_first_of(".") == std::string::npos) {
    size_t e = s.find('e');
    if (e == std::string::npos) {
      s += ".0";
    } else {
      s.insert(e, ".0");
    }
  }
  return s;
}

namespace {

std::string HexLiteral(std::string_view bytes) {
  std::string out = "X'";
  out.reserve(bytes.size() * 2 + 3);
  AppendHex(bytes, HexCase::kUpper, &out);
  out += '\'';
  return out;
}

}  // namespace

std::string CellText(const Cell& cell, std::string_view null_value) {
  switch (cell.type) {
    case Cell::Type::kNull: return std::string(null_value);
    case Cell::Type::kInteger: return std::to_string(cell.integer);
    case Cell::Type::kReal: return FormatReal(cell.real);
    case Cell::Type::kText: return cell.bytes;
    case Cell::Type::kBlob: return HexLiteral(cell.bytes);
  }
  return std::string();
}

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte but continuation bytes
  }
  return n;
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace overtone::shell
