// Numbers as Go's strconv.ParseFloat(s, 64) reads them, for the places where
// Prometheus parses label text as a float and overtone must accept and
// refuse exactly the same strings: the `le` label of a classic histogram's
// buckets (histogram_quantile).
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

#include <optional>
#include <string_view>

namespace overtone {

std::optional<double> ParseGoFloat(std::string_view s);

}  // namespace overtone

#endif  // OVERTONE_BASE_GO_FLOAT_H_
