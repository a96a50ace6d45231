// Timestamps as the query API spells them.

#include "adapters/formats/value_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace overtone::adapters {
namespace {

std::string Seconds(int64_t ms) {
  char buf[kMaxNumberChars];
  return std::string(buf, FormatSeconds(ms, buf));
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
