#include "base/hex.h"

#include <gtest/gtest.h>

namespace overtone {
namespace {

TEST(HexTest, TwoDigitsPerByteHighNibbleFirst) {
  std::string out;
  AppendHex(std::string("\x0a\x1b\x00\xff", 4), HexCase::kLower, &out);
  EXPECT_EQ(out, "0a1b00ff");
  out = "X'";
  AppendHex(std::string("\x0a\x1b\x00\xff", 4), HexCase::kUpper, &out);
  EXPECT_EQ(out, "X'0A1B00FF");
  AppendHex("", HexCase::kUpper, &out);
  EXPECT_EQ(out, "X'0A1B00FF");
}

TEST(HexTest, WriteHexReturnsTheEnd) {
  char buf[8] = {'-', '-', '-', '-', '-', '-', '-', '-'};
  char* end = WriteHex("\x01\xab", HexCase::kLower, buf);
  EXPECT_EQ(end, buf + 4);
  EXPECT_EQ(std::string(buf, 8), "01ab----");
}

TEST(HexTest, EveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string hex;
  AppendHex(all, HexCase::kLower, &hex);
  ASSERT_EQ(hex.size(), 512u);
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(std::stoi(hex.substr(2 * b, 2), nullptr, 16), b);
  }
}

}  // namespace
}  // namespace overtone
