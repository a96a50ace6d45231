// Numbers as Go's strconv reads and writes them, for the places where
// overtone must behave as Prometheus does byte for byte.
//
// ParseGoFloat is strconv.ParseFloat(s, 64): Prometheus parses label text as
// a float, and overtone must accept and refuse exactly the same strings (the
// `le` label of a classic histogram's buckets, histogram_quantile).
//
//   ParseGoFloat("0.5")      0.5         ParseGoFloat("+Inf")     +Inf
//   ParseGoFloat("1e1")      10          ParseGoFloat("infinity") +Inf
//   ParseGoFloat("0x1p-2")   0.25        ParseGoFloat("NaN")      NaN
//   ParseGoFloat("1_000")    1000        ParseGoFloat("1e400")    nullopt (out of range)
//   ParseGoFloat(" 1")       nullopt     ParseGoFloat("-nan")     nullopt
//
// The grammar is Go's float literal: an optional sign, decimal digits with
// an optional '.' and an optional exponent (e, sign, digits), or 0x and hex
// digits with an optional '.' and a required p exponent; '_' only between
// digits (or after the 0x); "inf" and "infinity" with an optional sign and
// "nan" without one, in any case. A value too large for a double is an
// error, as in Go; one too small becomes 0 (or a subnormal), as in Go.

#ifndef OVERTONE_BASE_GO_FLOAT_H_
#define OVERTONE_BASE_GO_FLOAT_H_

//
// FormatGoFloatFixed is strconv.FormatFloat(v, 'f', -1, 64), the spelling of
// a sample value in Prometheus's HTTP API and in PromQL's text: the shortest
// digits that read back to the same double, in fixed notation, an integer
// part padded with zeros past those digits, "-0" for -0, and "NaN", "+Inf",
// "-Inf" (every NaN payload as NaN):
//
//   0.1 + 0.2  0.30000000000000004     1e-7   0.0000001
//   1e21       1000000000000000000000  1e23   100000000000000000000000
//   2^60       1152921504606847000     (std::to_chars writes the exact
//                                      1152921504606846976 and 99999999999999991611392)

#include <cstddef>
#include <optional>
#include <string_view>

namespace overtone {

std::optional<double> ParseGoFloat(std::string_view s);

// Enough room for any value FormatGoFloatFixed writes (DBL_MAX has 309
// digits, the smallest subnormal 324 decimals).
inline constexpr size_t kMaxGoFixedChars = 400;

// Writes `v` to `buf` (kMaxGoFixedChars bytes at least); returns the length.
size_t FormatGoFloatFixed(double v, char* buf);

}  // namespace overtone

#endif  // OVERTONE_BASE_GO_FLOAT_H_
