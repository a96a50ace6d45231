#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace overtone::storage {
namespace {

TEST(Crc32cTest, KnownVectors) {
  // The check value of CRC-32C and the iSCSI test vectors (RFC 3720 B.4).
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(Crc32cExtend(Crc32c(s.substr(0, cut)), s.substr(cut)), Crc32c(s)) << cut;
  }
}

// The hardware path (SSE4.2 where the CPU has it) and the tables agree at
// every length and alignment, chained or not.
TEST(Crc32cTest, HardwareAndTablesAgree) {
  std::mt19937_64 rng(32);
  std::string buf(300, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; start + len <= buf.size(); len += 1 + len / 8) {
      std::string_view piece(buf.data() + start, len);
      const uint32_t seed = static_cast<uint32_t>(rng());
      ASSERT_EQ(Crc32cExtend(seed, piece), Crc32cExtendPortable(seed, piece)) << start << " " << len;
    }
  }
  EXPECT_EQ(Crc32cExtendPortable(0, "123456789"), 0xE3069283u);
}

}  // namespace
}  // namespace overtone::storage
