#include "adapters/formats/value_text.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>

#include "base/coding.h"
#include "base/hex.h"
#include "overtone/types.h"
#include "sql/value_repr.h"

namespace overtone::adapters {
namespace {

using sql::EqualsIgnoreCase;  // the one for SQL's value tokens: the same tokens here

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

constexpr std::string_view kRawPrefix = "raw:0x";

// Multiplies with overflow detection.
bool MulAdd(int64_t* acc, int64_t mul, int64_t add) {
  return !__builtin_mul_overflow(*acc, mul, acc) && !__builtin_add_overflow(*acc, add, acc);
}

}  // namespace

size_t FormatValue(double v, NanStyle style, char* buf) {
  if (std::isnan(v)) {
    uint64_t bits = std::bit_cast<uint64_t>(v);
    if (style == NanStyle::kPortable || bits == kStandardNaNBits) {
      std::memcpy(buf, "NaN", 3);
      return 3;
    }
    if (bits == kStaleNaNBits) {
      std::memcpy(buf, "stale", 5);
      return 5;
    }
    std::memcpy(buf, kRawPrefix.data(), kRawPrefix.size());
    std::string big_endian;
    PutBE64(&big_endian, bits);
    WriteHex(big_endian, HexCase::kLower, buf + kRawPrefix.size());
    return kRawPrefix.size() + 16;
  }
  if (std::isinf(v)) {
    std::memcpy(buf, v > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  // Shortest round-trip representation; "-0" keeps the sign bit.
  return static_cast<size_t>(std::to_chars(buf, buf + kMaxNumberChars, v).ptr - buf);
}

bool ParseValue(std::string_view text, double* v) {
  if (text.empty()) return false;
  // The common case first: a plain decimal number.
  const char* first = text.data();
  const char* last = first + text.size();
  if (*first == '+') ++first;  // from_chars refuses a leading '+'
  if (first != last && (IsDigit(*first) || *first == '.' ||
                        (*first == '-' && first + 1 != last && (IsDigit(first[1]) || first[1] == '.')))) {
    auto [ptr, ec] = std::from_chars(first, last, *v, std::chars_format::general);
    return ec == std::errc() && ptr == last;
  }
  std::string_view body(first, static_cast<size_t>(last - first));
  bool negative = false;
  if (!body.empty() && body.front() == '-') {
    negative = true;
    body.remove_prefix(1);
  }
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    *v = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (text.size() != body.size()) return false;  // no sign before the rest
  if (EqualsIgnoreCase(text, "nan")) {
    *v = std::bit_cast<double>(kStandardNaNBits);
    return true;
  }
  if (EqualsIgnoreCase(text, "stale")) {
    *v = StaleNaN();
    return true;
  }
  if (text.size() == kRawPrefix.size() + 16 && text.starts_with(kRawPrefix)) {
    uint64_t bits = 0;
    auto [ptr, ec] = std::from_chars(text.data() + kRawPrefix.size(), text.data() + text.size(), bits, 16);
    if (ec != std::errc() || ptr != text.data() + text.size()) return false;
    *v = std::bit_cast<double>(bits);
    return true;
  }
  return false;
}

size_t FormatMillis(int64_t ms, char* buf) {
  return static_cast<size_t>(std::to_chars(buf, buf + kMaxNumberChars, ms).ptr - buf);
}

size_t FormatSeconds(int64_t ms, char* buf) {
  char* p = buf;
  // Unsigned arithmetic so that INT64_MIN has a magnitude too.
  uint64_t mag = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  if (ms < 0) *p++ = '-';
  p = std::to_chars(p, buf + kMaxNumberChars, mag / 1000).ptr;
  unsigned frac = static_cast<unsigned>(mag % 1000);
  if (frac != 0) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    if (frac % 100 != 0) *p++ = static_cast<char>('0' + frac / 10 % 10);
    if (frac % 10 != 0) *p++ = static_cast<char>('0' + frac % 10);
  }
  return static_cast<size_t>(p - buf);
}

bool ParseMillis(std::string_view text, int64_t* ms) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') ++first;
  if (first == last) return false;
  auto [ptr, ec] = std::from_chars(first, last, *ms);
  return ec == std::errc() && ptr == last;
}

bool ParseSeconds(std::string_view text, int64_t* ms) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  // Significant digits go into `mantissa` (at most 18, so it cannot
  // overflow); `scale` is the power of ten they stand for.
  int64_t mantissa = 0;
  int ndigits = 0;
  int64_t scale = 0;
  bool any_digit = false, seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_point) return false;
      seen_point = true;
      continue;
    }
    if (!IsDigit(c)) break;
    any_digit = true;
    if (ndigits < 18) {
      if (mantissa != 0 || c != '0') ++ndigits;
      mantissa = mantissa * 10 + (c - '0');
      if (seen_point) --scale;
    } else if (!seen_point) {
      ++scale;  // an integer digit beyond our precision: the value is larger
    }           // fraction digits beyond precision are truncated
  }
  if (!any_digit) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    int64_t exp = 0;
    bool exp_digit = false;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      exp_digit = true;
      if (exp < 100000) exp = exp * 10 + (text[i] - '0');
    }
    if (!exp_digit) return false;
    scale += exp_negative ? -exp : exp;
  }
  if (i != text.size()) return false;
  scale += 3;  // seconds to milliseconds
  int64_t result = mantissa;
  if (scale >= 0) {
    for (int64_t k = 0; k < scale && result != 0; ++k) {
      if (!MulAdd(&result, 10, 0)) return false;
    }
  } else {
    for (int64_t k = 0; k < -scale && result != 0; ++k) result /= 10;  // truncates
  }
  *ms = negative ? -result : result;
  return true;
}

Result<int64_t> ParseDurationMs(std::string_view text, bool allow_zero) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  if (allow_zero && text == "0") return 0;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t n = 0;
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) {
      if (!MulAdd(&n, 10, text[i] - '0')) return Status::InvalidArgument("duration too large");
      ++i;
    }
    if (i == start) {
      return Status::InvalidArgument("bad duration '" + std::string(text) +
                                     "' (use e.g. 15s, 500ms, 1h30m, 2d)");
    }
    size_t unit_start = i;
    while (i < text.size() && !IsDigit(text[i])) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t mul = 0;
    if (unit == "ms")
      mul = 1;
    else if (unit == "s")
      mul = 1000;
    else if (unit == "m")
      mul = 60'000;
    else if (unit == "h")
      mul = 3'600'000;
    else if (unit == "d")
      mul = 86'400'000;
    else if (unit == "w")
      mul = 7 * 86'400'000LL;
    else if (unit == "y")
      mul = 365 * 86'400'000LL;
    else {
      return Status::InvalidArgument("bad duration '" + std::string(text) +
                                     "': unit must be ms, s, m, h, d, w or y");
    }
    if (!MulAdd(&n, mul, 0) || !MulAdd(&total, 1, n)) {
      return Status::InvalidArgument("duration too large");
    }
  }
  if (total < 0 || (total == 0 && !allow_zero)) {
    return Status::InvalidArgument("duration must be positive");
  }
  return total;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads exactly `n` digits at text[*i].
bool Digits(std::string_view text, size_t* i, int n, int* out) {
  if (*i + static_cast<size_t>(n) > text.size()) return false;
  int v = 0;
  for (int k = 0; k < n; ++k) {
    char c = text[*i + static_cast<size_t>(k)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *i += static_cast<size_t>(n);
  *out = v;
  return true;
}

bool ParseRfc3339(std::string_view t, int64_t* ms) {
  size_t i = 0;
  int year, month, day, hour, minute, second;
  auto expect = [&](char c) { return i < t.size() && t[i++] == c; };
  if (!Digits(t, &i, 4, &year) || !expect('-') || !Digits(t, &i, 2, &month) || !expect('-') ||
      !Digits(t, &i, 2, &day)) {
    return false;
  }
  if (i >= t.size() || (t[i] != 'T' && t[i] != 't' && t[i] != ' ')) return false;
  ++i;
  if (!Digits(t, &i, 2, &hour) || !expect(':') || !Digits(t, &i, 2, &minute) || !expect(':') ||
      !Digits(t, &i, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  int64_t frac_ms = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    int n = 0;
    for (; i < t.size() && IsDigit(t[i]); ++i, ++n) {
      if (n < 3) frac_ms = frac_ms * 10 + (t[i] - '0');
    }
    if (n == 0) return false;
    for (; n < 3; ++n) frac_ms *= 10;
  }
  int64_t offset_min = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int sign = t[i++] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(t, &i, 2, &oh) || !expect(':') || !Digits(t, &i, 2, &om)) return false;
    offset_min = sign * (oh * 60 + om);
  } else {
    return false;
  }
  if (i != t.size()) return false;
  int64_t secs = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                 hour * 3600 + minute * 60 + second - offset_min * 60;
  *ms = secs * 1000 + frac_ms;
  return true;
}

}  // namespace

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms) {
  if (text == "now") return now_ms;
  if (text.starts_with("now-")) {
    OT_ASSIGN_OR_RETURN(int64_t d, ParseDurationMs(text.substr(4)));
    return now_ms - d;
  }
  int64_t ms = 0;
  if (text.ends_with("ms") && ParseMillis(text.substr(0, text.size() - 2), &ms)) return ms;
  if (ParseRfc3339(text, &ms)) return ms;
  // A bare integer of 13+ digits would be seconds after the year 33000:
  // it can only mean milliseconds.
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  bool all_digits = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (all_digits && digits.size() >= 13 && ParseMillis(text, &ms)) return ms;
  if (ParseSeconds(text, &ms)) return ms;
  return Status::InvalidArgument(
      "bad time '" + std::string(text) +
      "' (use RFC 3339 like 2024-05-01T12:00:00Z, Unix seconds, <n>ms, now or now-1h)");
}

std::string FormatRfc3339(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int frac = static_cast<int>(ms - secs * 1000);
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  if (frac != 0) n += static_cast<size_t>(std::snprintf(buf + n, sizeof(buf) - n, ".%03d", frac));
  std::snprintf(buf + n, sizeof(buf) - n, "Z");
  return buf;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace overtone::adapters
