// Go's strconv.ParseFloat: the syntax is checked here, character by
// character as Go's readFloat and underscoreOK do; the conversion itself is
// strtod's in the "C" locale (correctly rounded, decimal and hex alike).
// Go's FormatFloat(v, 'f', -1, 64): std::to_chars finds the shortest digits
// (Ryu); integers and values of few decimals take faster exact paths.

#include "base/go_float.h"

#include <locale.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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

// A double of 2^53 or more is an integer, and std::to_chars in fixed
// notation writes every digit of its exact value; Go writes its shortest
// digits (at most 17, so never past the decimal point: from 2^53 on the
// doubles are at least 1 apart) and zeros after them. The shortest digits
// are those of to_chars' scientific form, d.ddde+XX.
size_t IntegerPastExactRange(double v, char* buf) {
  char sci[32];
  const char* const first = sci;
  const char* const last =
      std::to_chars(sci, sci + sizeof sci, std::fabs(v), std::chars_format::scientific).ptr;
  const char* const e = std::find(first, last, 'e');
  int exponent = 0;
  (void)std::from_chars(e + (e[1] == '+' ? 2 : 1), last, exponent);
  char* at = buf;
  if (v < 0) *at++ = '-';
  *at++ = *first;
  if (first + 1 < e) at = std::copy(first + 2, e, at);  // the digits after "d."
  const int digits = static_cast<int>(at - buf) - (v < 0 ? 1 : 0);
  at = std::fill_n(at, exponent + 1 - digits, '0');
  return static_cast<size_t>(at - buf);
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

size_t FormatGoFloatFixed(double v, char* buf) {
  if (!std::isfinite(v)) {
    if (std::isnan(v)) {
      std::memcpy(buf, "NaN", 3);
      return 3;
    }
    std::memcpy(buf, v > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  char* const end = buf + kMaxGoFixedChars;
  const double mag = std::fabs(v);
  if (mag < 0x1p53 && !(v == 0 && std::signbit(v))) {
    // An integer below 2^53 is its own shortest text; the integer
    // formatting writes the same digits several times faster. (The casts
    // test for one without a call to trunc().)
    if (static_cast<double>(static_cast<int64_t>(mag)) == mag)
      return static_cast<size_t>(std::to_chars(buf, end, static_cast<int64_t>(v)).ptr - buf);
    // Few decimals (gauges, ratios of small integers): with K decimals,
    // K as large as 8 while mag * 10^K < 2^50, the reals that round to `v`
    // span less than 1/4 in units of 10^-K, so at most one integer m has
    // m / 10^K rounding to `v`, and it is mag * 10^K rounded (that
    // product's own rounding adds under 1/16); the division, correctly
    // rounded, checks it exactly. Any text of `v` with K decimals or fewer,
    // padded to K, is that m: so m without its trailing zeros is the
    // shortest text, and the only one of its length, which is what
    // std::to_chars writes. A failed check means more than K decimals.
    static constexpr double kPow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    int k = 8;
    double scaled = mag * kPow10[k];
    while (scaled >= 0x1p50 && k > 1) scaled = mag * kPow10[--k];
    if (scaled < 0x1p50) {
      uint64_t m = static_cast<uint64_t>(scaled + 0.5);  // exact below 2^52: rounds to nearest
      if (static_cast<double>(m) / kPow10[k] == mag) {
        while (m % 10 == 0) {  // never to k = 0: `v` is not an integer
          m /= 10;
          --k;
        }
        char digits[24];
        const int n = static_cast<int>(std::to_chars(digits, digits + sizeof digits, m).ptr - digits);
        char* at = buf;
        if (v < 0) *at++ = '-';
        if (n <= k) {  // 0.00ddd
          *at++ = '0';
          *at++ = '.';
          at = std::fill_n(at, k - n, '0');
          at = std::copy_n(digits, n, at);
        } else {
          at = std::copy_n(digits, n - k, at);
          *at++ = '.';
          at = std::copy_n(digits + n - k, k, at);
        }
        return static_cast<size_t>(at - buf);
      }
    }
  }
  if (mag >= 0x1p53) return IntegerPastExactRange(v, buf);
  return static_cast<size_t>(std::to_chars(buf, end, v, std::chars_format::fixed).ptr - buf);
}

}  // namespace overtone
