// Go's strconv.ParseFloat: the syntax is checked here, character by
// character as Go's readFloat and underscoreOK do; the conversion itself is
// strtod's in the "C" locale (correctly rounded, decimal and hex alike).

#include "base/go_float.h"

#include <locale.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace overtone {
namespace {

char Lower(char c) { return static_cast<char>(c | ('x' - 'X')); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexLetter(char c) { return Lower(c) >= 'a' && Lower(c) <= 'f'; }

// The length of the longest common prefix of s and `word`, ignoring case.
size_t CommonPrefixIgnoreCase(std::string_view s, std::string_view word) {
  size_t n = 0;
  while (n < s.size() && n < word.size() && Lower(s[n]) == word[n]) ++n;
  return n;
}

// Go's special(): "inf", "infinity" (signed) and "nan" (unsigned), the whole string.
std::optional<double> Special(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double sign = 1;
  std::string_view body = s;
  if (s[0] == '+' || s[0] == '-') {
    sign = s[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  } else if (Lower(s[0]) == 'n') {
    if (s.size() == 3 && CommonPrefixIgnoreCase(s, "nan") == 3)
      return std::numeric_limits<double>::quiet_NaN();
    return std::nullopt;
  }
  size_t n = CommonPrefixIgnoreCase(body, "infinity");
  if ((n == 3 || n == 8) && n == body.size()) return sign * std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// Go's underscoreOK: '_' only between digits, or between a base prefix and a digit.
bool UnderscoresOk(std::string_view s) {
  char saw = '^';  // ^ start, 0 digit or prefix, _ underscore, ! anything else
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' && (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (IsDigit(s[i]) || (hex && IsHexLetter(s[i]))) {
      saw = '0';
    } else if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
    } else {
      if (saw == '_') return false;
      saw = '!';
    }
  }
  return saw != '_';
}

// Whether s is a whole Go float literal (Go's readFloat consuming all of s).
bool IsFloatLiteral(std::string_view s) {
  size_t i = 0;
  bool underscores = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool hex = false;
  if (i + 2 < s.size() && s[i] == '0' && Lower(s[i + 1]) == 'x') {
    hex = true;
    i += 2;
  }
  bool dot = false, digits = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      underscores = true;
    } else if (c == '.') {
      if (dot) break;
      dot = true;
    } else if (IsDigit(c) || (hex && IsHexLetter(c))) {
      digits = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < s.size() && Lower(s[i]) == (hex ? 'p' : 'e')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDigit(s[i])) return false;
    for (; i < s.size() && (IsDigit(s[i]) || s[i] == '_'); ++i) underscores = underscores || s[i] == '_';
  } else if (hex) {
    return false;  // a hex mantissa needs its p exponent
  }
  if (i != s.size()) return false;
  return !underscores || UnderscoresOk(s);
}

}  // namespace

std::optional<double> ParseGoFloat(std::string_view s) {
  if (std::optional<double> special = Special(s)) return special;
  if (!IsFloatLiteral(s)) return std::nullopt;
  std::string digits;
  digits.reserve(s.size());
  for (char c : s) {
    if (c != '_') digits.push_back(c);
  }
  // strtod_l: the "C" locale's '.', whatever the process's locale is.
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  double v = strtod_l(digits.c_str(), nullptr, c_locale);
  if (std::isinf(v)) return std::nullopt;  // Go: value out of range
  return v;
}

}  // namespace overtone
