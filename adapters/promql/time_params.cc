#include "adapters/promql/time_params.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>

#include "adapters/promql/lexer.h"

namespace overtone::promql {
namespace {

bool ReadInt(std::string_view s, size_t* pos, size_t digits, int* out) {
  int v = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (*pos >= s.size() || s[*pos] < '0' || s[*pos] > '9') return false;
    v = v * 10 + (s[(*pos)++] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("cannot parse \"" + std::string(s) + "\" to a valid timestamp");
  };
  size_t p = 0;
  int year, month, day, hour, minute, second;
  if (!ReadInt(s, &p, 4, &year) || p >= s.size() || s[p++] != '-' || !ReadInt(s, &p, 2, &month) ||
      p >= s.size() || s[p++] != '-' || !ReadInt(s, &p, 2, &day) || p >= s.size() ||
      (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) {
    return bad();
  }
  ++p;
  if (!ReadInt(s, &p, 2, &hour) || p >= s.size() || s[p++] != ':' || !ReadInt(s, &p, 2, &minute) ||
      p >= s.size() || s[p++] != ':' || !ReadInt(s, &p, 2, &second)) {
    return bad();
  }
  int64_t ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int64_t scale = 100;
    size_t start = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return bad();
  }
  int64_t zone_minutes = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p++] == '-' ? -1 : 1;
    int zh, zm;
    if (!ReadInt(s, &p, 2, &zh) || p >= s.size() || s[p++] != ':' || !ReadInt(s, &p, 2, &zm)) return bad();
    zone_minutes = sign * (zh * 60 + zm);
  } else {
    return bad();
  }
  if (p != s.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return bad();
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - zone_minutes * 60;
  return seconds * 1000 + ms;
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> ParseTimeParam(std::string_view text) {
  std::string s(text);
  if (s.empty()) return Status::InvalidArgument("cannot parse \"\" to a valid timestamp");
  char* end = nullptr;
  double seconds = std::strtod(s.c_str(), &end);
  if (end == s.c_str() + s.size() && s.find_first_not_of("+-.0123456789eE") == std::string::npos) {
    if (!std::isfinite(seconds) || std::fabs(seconds) > 9.2e15) {
      return Status::InvalidArgument("cannot parse \"" + s + "\" to a valid timestamp");
    }
    return static_cast<int64_t>(std::llround(seconds * 1000));
  }
  return ParseRfc3339(s);
}

Result<int64_t> ParseDurationParam(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double seconds = std::strtod(s.c_str(), &end);
  if (!s.empty() && end == s.c_str() + s.size() &&
      s.find_first_not_of("+-.0123456789eE") == std::string::npos) {
    if (!std::isfinite(seconds) || std::fabs(seconds) > 9.2e15) {
      return Status::InvalidArgument("cannot parse \"" + s + "\" to a valid duration. It overflows int64");
    }
    return static_cast<int64_t>(std::llround(seconds * 1000));
  }
  auto d = ParseDuration(s);
  if (!d.ok()) return Status::InvalidArgument("cannot parse \"" + s + "\" to a valid duration");
  return *d;
}

}  // namespace overtone::promql
