// Sample values and timestamps as text, shared by every file format of
// adapters/ (OpenMetrics, Prometheus text, CSV) and by the command line.
//
// Values are written in the shortest decimal that reads back to the same
// double (std::to_chars), so text round-trips bit for bit. The special values:
//
//   text                    bits                    written when
//   NaN                     0x7ff8000000000001      always (Prometheus's NaN, kNaNBits)
//   +Inf / -Inf             0x7ff0.. / 0xfff0..     always
//   stale                   0x7ff0000000000002      lossless style (Prometheus's staleness marker)
//   raw:0x7ff8000000000001  exactly those bits      lossless style, any other NaN payload
//
// `stale` and `raw:0x...` are overtone's extensions: no other reader of
// OpenMetrics knows them, so the portable style writes no staleness markers
// at all and every other NaN as `NaN` (see docs/IMPORT_EXPORT.md).
//
// Reading accepts numbers as Go's strconv.ParseFloat does for Prometheus
// (decimal, exponent, a leading '+'), NaN / Inf / +Inf / -Inf / Infinity in
// any case, and the two extensions.

#ifndef OVERTONE_ADAPTERS_FORMATS_VALUE_TEXT_H_
#define OVERTONE_ADAPTERS_FORMATS_VALUE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::adapters {

// Enough room for any value or timestamp written by the functions below.
inline constexpr size_t kMaxNumberChars = 40;

inline constexpr uint64_t kStandardNaNBits = kNaNBits;  // Prometheus's NaN (types.h)

enum class NanStyle {
  kLossless,  // stale, raw:0x... for NaN payloads other than the standard NaN
  kPortable,  // every NaN as NaN; callers skip staleness markers
};

// Writes `v` to `buf` (kMaxNumberChars bytes at least); returns the length.
size_t FormatValue(double v, NanStyle style, char* buf);
inline std::string FormatValue(double v, NanStyle style = NanStyle::kLossless) {
  char buf[kMaxNumberChars];
  return std::string(buf, FormatValue(v, style, buf));
}

// Parses a value written by FormatValue or by any Prometheus exposition.
// False for anything else (empty, trailing garbage, out of double's range).
bool ParseValue(std::string_view text, double* v);

// Milliseconds as an integer: "1700000000123".
size_t FormatMillis(int64_t ms, char* buf);
// Milliseconds as decimal seconds with no trailing zeros: "1700000000.123",
// "1700000000.5", "1700000000", "-0.001".
size_t FormatSeconds(int64_t ms, char* buf);

// An integer number of milliseconds, optional sign.
bool ParseMillis(std::string_view text, int64_t* ms);
// Decimal seconds (fraction and exponent allowed: "1.7e9", "1700000000.123")
// converted exactly, without going through a double; digits below the
// millisecond are truncated toward zero, as Prometheus does.
bool ParseSeconds(std::string_view text, int64_t* ms);

// Prometheus durations: "15s", "1h30m", "500ms", "2d", "1w", "1y" (365d).
// Positive only, unless `allow_zero` (then "0" is accepted too).
Result<int64_t> ParseDurationMs(std::string_view text, bool allow_zero = false);

// A point in time for --start/--end/--end: RFC 3339
// ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.5+02:00"), Unix seconds
// ("1714564800", "1714564800.25"), Unix milliseconds ("1714564800000ms", or a
// bare integer of 13 or more digits), "now" or "now-<duration>".
// `now_ms` is the time "now" stands for.
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms);

// "2024-05-01T12:00:00.123Z" (the fraction only when not zero).
std::string FormatRfc3339(int64_t ms);

// The wall clock in Unix milliseconds.
int64_t NowMs();

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_VALUE_TEXT_H_
