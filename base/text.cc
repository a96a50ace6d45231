#include "base/text.h"

namespace overtone {
namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// Reads `digits` digits of `base` from text[*pos]; false (with *pos at the
// offending character) when one is missing or not a digit.
bool ReadDigits(std::string_view text, size_t* pos, int digits, int base, uint32_t* value) {
  *value = 0;
  for (int i = 0; i < digits; ++i, ++*pos) {
    if (*pos >= text.size()) return false;
    int d = DigitValue(text[*pos]);
    if (d >= base) return false;
    *value = *value * base + d;
  }
  return true;
}

// Reads the escape whose backslash is just before text[*pos].
StringLiteral::Error ReadEscape(std::string_view text, size_t* pos, char quote, std::string* out) {
  if (*pos >= text.size()) return StringLiteral::kUnterminatedEscape;
  char c = text[*pos];
  switch (c) {
    case 'a': out->push_back('\a'); break;
    case 'b': out->push_back('\b'); break;
    case 'f': out->push_back('\f'); break;
    case 'n': out->push_back('\n'); break;
    case 'r': out->push_back('\r'); break;
    case 't': out->push_back('\t'); break;
    case 'v': out->push_back('\v'); break;
    case '\\': out->push_back('\\'); break;
    case 'x':
    case 'u':
    case 'U': {
      ++*pos;
      uint32_t v = 0;
      if (!ReadDigits(text, pos, c == 'x' ? 2 : c == 'u' ? 4 : 8, 16, &v))
        return StringLiteral::kBadEscapeDigit;
      if (c == 'x') {
        out->push_back(static_cast<char>(v));  // a byte, as in Go
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return StringLiteral::kInvalidCodePoint;
        AppendUtf8(v, out);
      }
      return StringLiteral::kNone;
    }
    default:
      if (c == quote) {
        out->push_back(c);
        break;
      }
      if (c >= '0' && c <= '7') {  // three octal digits: a byte
        uint32_t v = 0;
        if (!ReadDigits(text, pos, 3, 8, &v)) return StringLiteral::kBadEscapeDigit;
        if (v > 0xff) return StringLiteral::kOctalOutOfRange;
        out->push_back(static_cast<char>(v));
        return StringLiteral::kNone;
      }
      return StringLiteral::kUnknownEscape;
  }
  ++*pos;
  return StringLiteral::kNone;
}

}  // namespace

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

int32_t DecodeUtf8(std::string_view text, size_t pos, size_t* len) {
  *len = 0;
  if (pos >= text.size()) return -1;
  const auto lead = static_cast<unsigned char>(text[pos]);
  *len = 1;
  if (lead < 0x80) return lead;
  const size_t n = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (n == 0 || lead > 0xf4 || pos + n > text.size()) return 0xfffd;
  int32_t cp = lead & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[pos + k]);
    if ((b & 0xc0) != 0x80) return 0xfffd;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return 0xfffd;
  *len = n;
  return cp;
}

std::string QuoteGo(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\x";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

StringLiteral ReadStringLiteral(std::string_view text, size_t pos) {
  StringLiteral lit;
  const size_t start = pos;
  const char quote = text[pos++];
  auto fail = [&](StringLiteral::Error e, size_t at) {
    lit.value.clear();
    lit.error = e;
    lit.at = at;
    return lit;
  };
  while (true) {
    if (pos >= text.size()) return fail(StringLiteral::kUnterminated, start);
    char c = text[pos++];
    if (c == quote) break;
    if (quote == '`') {
      lit.value.push_back(c);
      continue;
    }
    if (c == '\n') return fail(StringLiteral::kUnterminated, start);
    if (c != '\\') {
      lit.value.push_back(c);
      continue;
    }
    StringLiteral::Error e = ReadEscape(text, &pos, quote, &lit.value);
    if (e != StringLiteral::kNone) return fail(e, pos);
  }
  lit.end = pos;
  return lit;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace overtone
