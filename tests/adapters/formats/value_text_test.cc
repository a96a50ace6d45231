// Sample values and timestamps as the query API spells them.

#include "adapters/formats/value_text.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <system_error>

#include "overtone/types.h"

namespace overtone::adapters {
namespace {

std::string Fixed(double v) {
  char buf[kMaxFixedValueChars];
  return std::string(buf, FormatValueFixed(v, buf));
}

std::string Seconds(int64_t ms) {
  char buf[kMaxNumberChars];
  return std::string(buf, FormatSeconds(ms, buf));
}

// The spelling Prometheus's API uses for a sample value, Go's
// strconv.FormatFloat(v, 'f', -1, 64): what std::to_chars writes in fixed
// notation with no precision given.
std::string ShortestFixed(double v) {
  char buf[kMaxFixedValueChars];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed).ptr);
}

TEST(ValueTextTest, SampleValuesAsPrometheusSpellsThem) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Fixed(0.0), "0");
  EXPECT_EQ(Fixed(-0.0), "-0");
  EXPECT_EQ(Fixed(0.5), "0.5");
  EXPECT_EQ(Fixed(-0.1), "-0.1");
  EXPECT_EQ(Fixed(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Fixed(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(Fixed(123456.789), "123456.789");
  EXPECT_EQ(Fixed(-42), "-42");
  EXPECT_EQ(Fixed(1e-7), "0.0000001");
  EXPECT_EQ(Fixed(0.00125), "0.00125");
  EXPECT_EQ(Fixed(9007199254740993.0), "9007199254740992");  // 2^53 + 1 is not a double
  EXPECT_EQ(Fixed(1e21), "1000000000000000000000");
  EXPECT_EQ(Fixed(1e22), "10000000000000000000000");
  EXPECT_EQ(Fixed(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(Fixed(-inf), "-Inf");
  EXPECT_EQ(Fixed(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(Fixed(std::bit_cast<double>(kNaNBits)), "NaN");
  EXPECT_EQ(Fixed(std::bit_cast<double>(kStaleNaNBits)), "NaN");  // the API has no staleness spelling
  // The smallest subnormal: 324 decimals, the last a 5.
  EXPECT_EQ(Fixed(std::numeric_limits<double>::denorm_min()), "0." + std::string(323, '0') + "5");
  EXPECT_EQ(Fixed(-std::numeric_limits<double>::denorm_min()), "-0." + std::string(323, '0') + "5");
  // Integers past 2^53: every digit of the double's exact value.
  EXPECT_EQ(Fixed(std::numeric_limits<double>::max()).size(), 309u);
  EXPECT_EQ(Fixed(1e23), "99999999999999991611392");
  EXPECT_EQ(Fixed(std::numeric_limits<double>::min()), "0." + std::string(307, '0') + "22250738585072014");
}

// Reads `text` back and checks it is the same double.
void ExpectRoundTrip(double v, const std::string& text) {
  double back = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
  ASSERT_EQ(ec, std::errc()) << text;
  ASSERT_EQ(ptr, text.data() + text.size()) << text;
  ASSERT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(v)) << text;
}

// The few-decimals path must give exactly the shortest fixed text: values
// with 1 to 12 decimals (the path takes up to 8), around the magnitudes where
// it stops (mag * 10^k near 2^50), and arbitrary bit patterns.
TEST(ValueTextTest, SampleValueTextIsTheShortestThatReadsBack) {
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<int> decimals(1, 12);
  std::uniform_int_distribution<int> digits(1, 17);
  int checked = 0;
  const auto check = [&](double v) {
    if (!std::isfinite(v)) return;
    const std::string text = Fixed(v);
    ASSERT_EQ(text, ShortestFixed(v)) << std::bit_cast<uint64_t>(v);
    ExpectRoundTrip(v, text);
    ++checked;
  };
  for (int i = 0; i < 200000; ++i) {
    // m / 10^k for an m of 1..17 digits.
    const int k = decimals(rng);
    const uint64_t bound = static_cast<uint64_t>(std::pow(10.0, digits(rng)));
    const double m = static_cast<double>(rng() % bound);
    const double v = m / std::pow(10.0, k);
    check(v);
    check(-v);
    check(std::nextafter(v, 0.0));
    check(std::nextafter(v, 1e300));
  }
  for (int k = 1; k <= 8; ++k) {
    const double edge = std::ldexp(1.0, 50) / std::pow(10.0, k);
    double v = edge;
    for (int step = 0; step < 64; ++step) v = std::nextafter(v, 0.0);
    for (int step = 0; step < 128; ++step, v = std::nextafter(v, 1e300)) {
      check(v);
      check(std::round(v * std::pow(10.0, k)) / std::pow(10.0, k));
    }
  }
  for (int i = 0; i < 200000; ++i) check(std::bit_cast<double>(rng()));
  for (double v : {0.1, 0.2, 0.3, 1.1, 2.675, 1e-8, 1.5e-9, 0.30000000000000004, 4503599627370495.5,
                   1125899906842623.9, 112589990684262.39, 1.0 / 3, 2.0 / 3, 99.99999999999999})
    check(v);
  EXPECT_GT(checked, 1000000);
}

// Prometheus's timestamps: integer milliseconds as seconds with up to 3
// decimals, exact at every magnitude, negative ones included.
TEST(ValueTextTest, TimestampsAsSeconds) {
  EXPECT_EQ(Seconds(0), "0");
  EXPECT_EQ(Seconds(1000), "1");
  EXPECT_EQ(Seconds(1500), "1.5");
  EXPECT_EQ(Seconds(1020), "1.02");
  EXPECT_EQ(Seconds(1001), "1.001");
  EXPECT_EQ(Seconds(1700000000123), "1700000000.123");
  EXPECT_EQ(Seconds(1700000000100), "1700000000.1");
  EXPECT_EQ(Seconds(-1), "-0.001");
  EXPECT_EQ(Seconds(-1500), "-1.5");
  EXPECT_EQ(Seconds(-1000), "-1");
  EXPECT_EQ(Seconds(-62135596800000), "-62135596800");      // year 1
  EXPECT_EQ(Seconds(253402300799999), "253402300799.999");  // the end of year 9999
  EXPECT_EQ(Seconds(std::numeric_limits<int64_t>::max()), "9223372036854775.807");
  EXPECT_EQ(Seconds(std::numeric_limits<int64_t>::min()), "-9223372036854775.808");
}

}  // namespace
}  // namespace overtone::adapters
