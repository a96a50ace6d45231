// Byte-level pieces of the Prometheus protocols: frames and CRC, varints,
// snappy, XOR chunks (golden bytes derived by hand from the chunkenc format
// described in adapters/prometheus/xor_chunk.h).

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/snappy_block.h"
#include "adapters/prometheus/xor_chunk.h"
#include "base/crc32c.h"

namespace overtone::adapters {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

TEST(AdaptersFrame, CrcIsCastagnoli) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(AdaptersFrame, LayoutIsUvarintLengthBigEndianCrcMessage) {
  std::string msg = Bytes({0x08, 0x96, 0x01});
  std::string out;
  AppendChunkedFrame(msg, &out);
  uint32_t crc = Crc32c(msg);
  std::string want = Bytes({0x03});
  for (int s = 24; s >= 0; s -= 8) want.push_back(static_cast<char>(crc >> s));
  want += msg;
  EXPECT_EQ(out, want);

  // A 300-byte message: the length takes two varint bytes, ac 02.
  std::string big(300, 'x');
  out.clear();
  AppendChunkedFrame(big, &out);
  EXPECT_EQ(out.substr(0, 2), Bytes({0xac, 0x02}));
  EXPECT_EQ(out.size(), 2 + 4 + 300u);
}

TEST(AdaptersFrame, ReadsBackSeveralFrames) {
  std::string body;
  AppendChunkedFrame("first", &body);
  AppendChunkedFrame("", &body);
  AppendChunkedFrame(std::string(1000, 'z'), &body);
  std::string_view in = body;
  std::vector<std::string> got;
  while (!in.empty()) {
    std::string_view msg;
    ASSERT_TRUE(ReadChunkedFrame(&in, &msg).ok());
    got.emplace_back(msg);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"first", "", std::string(1000, 'z')}));
}

TEST(AdaptersFrame, RefusesCorruptAndTruncatedFrames) {
  std::string body;
  AppendChunkedFrame("payload", &body);
  std::string bad = body;
  bad.back() ^= 1;
  std::string_view in = bad, msg;
  EXPECT_EQ(ReadChunkedFrame(&in, &msg).code(), Status::Code::kCorruption);
  EXPECT_EQ(in.size(), bad.size());  // unchanged on error

  std::string cut = body.substr(0, body.size() - 1);
  in = cut;
  EXPECT_EQ(ReadChunkedFrame(&in, &msg).code(), Status::Code::kCorruption);
  std::string no_varint = Bytes({0x80});
  in = no_varint;
  EXPECT_EQ(ReadChunkedFrame(&in, &msg).code(), Status::Code::kCorruption);
}

TEST(AdaptersSnappy, RoundTripAndRefusals) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += "series_" + std::to_string(i % 17);
  std::string c = SnappyCompress(data);
  EXPECT_LT(c.size(), data.size());
  Result<size_t> n = SnappyUncompressedLength(c);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, data.size());
  std::string back;
  ASSERT_TRUE(SnappyUncompress(c, &back).ok());
  EXPECT_EQ(back, data);

  EXPECT_TRUE(SnappyUncompress("not snappy at all", &back).IsInvalidArgument());
  EXPECT_TRUE(
      SnappyUncompressedLength(Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff})).status().IsInvalidArgument());
  std::string truncated = c.substr(0, c.size() / 2);
  EXPECT_TRUE(SnappyUncompress(truncated, &back).IsInvalidArgument());
}

// A SAMPLES answer is compressed from its pieces as they are: the same
// bytes as the joined string, whatever the pieces' sizes against snappy's
// 64 KiB blocks (empty ones, a few bytes, several blocks long).
TEST(AdaptersSnappy, PiecesCompressAsTheirJoinedBytes) {
  std::vector<std::string> pieces;
  std::string joined;
  uint64_t x = 1;
  for (size_t size : {0, 3, 0, 70000, 1, 65536, 0, 200000, 17, 0}) {
    std::string piece;
    for (size_t i = 0; i < size; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      piece.push_back(static_cast<char>('a' + (x >> 60)));  // compressible, not trivially
    }
    joined += piece;
    pieces.push_back(std::move(piece));
  }
  EXPECT_EQ(SnappyCompress(pieces), SnappyCompress(joined));
  EXPECT_EQ(SnappyCompress(std::span<const std::string>()), SnappyCompress(std::string_view()));
  std::string back;
  ASSERT_TRUE(SnappyUncompress(SnappyCompress(pieces), &back).ok());
  EXPECT_EQ(back, joined);
}

TEST(AdaptersXorChunk, GoldenBytesThreeSamples) {
  std::vector<Sample> in = {{1000, 1.0}, {2000, 1.0}, {3000, 2.0}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  EXPECT_EQ(chunk, Bytes({0x00, 0x03, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xe8, 0x07, 0x30, 0x97, 0xff,
                          0xc0}));
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeXorChunk(chunk, &out).ok());
  EXPECT_EQ(out, in);
}

// t: 10, 20, 35, 45 (dod +5 and -5, 14-bit form); v: 1, 3, 3, 2 (a new
// window, an unchanged value, then a reused window). Hand derivation:
//   14 = zigzag(10); 3ff0.. = 1.0; 0a = Δ10
//   v1 11 00001 001100 111111111111   (3.0 ^ 1.0 = 0x7ff8.., 1 lead, 51 trail)
//   t2 10 00000000000101              (dod +5)
//   v2 0
//   t3 10 11111111111011              (dod -5, 14-bit two's complement)
//   v3 10 000000000001                (2.0 ^ 3.0 = 0x0008.. fits the window)
//   = c2 67 ff c0 02 af fe e0 01 (72 bits, no padding)
TEST(AdaptersXorChunk, GoldenBytesDeltaOfDeltaAndWindowReuse) {
  std::vector<Sample> in = {{10, 1.0}, {20, 3.0}, {35, 3.0}, {45, 2.0}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  EXPECT_EQ(chunk, Bytes({0x00, 0x04, 0x14, 0x3f, 0xf0, 0,    0,    0,    0,    0,   0,
                          0x0a, 0xc2, 0x67, 0xff, 0xc0, 0x02, 0xaf, 0xfe, 0xe0, 0x01}));
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeXorChunk(chunk, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(AdaptersXorChunk, SpecialValuesAndLargeGapsRoundTripBitExactly) {
  std::vector<Sample> in = {{-5000, StaleNaN()},
                            {-4000, std::bit_cast<double>(0x7ff8000000000001ull)},
                            {0, std::numeric_limits<double>::infinity()},
                            {1, -std::numeric_limits<double>::infinity()},
                            {1700000000000, 0.1},
                            {1700000015000, -0.0},
                            {1700000015001, 1e308}};
  std::string chunk;
  ASSERT_TRUE(EncodeXorChunk(in, &chunk).ok());
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeXorChunk(chunk, &out).ok());
  EXPECT_EQ(out, in);
  for (size_t cut = 2; cut < chunk.size(); ++cut) {
    std::vector<Sample> partial;
    EXPECT_FALSE(DecodeXorChunk(std::string_view(chunk).substr(0, cut), &partial).ok()) << cut;
  }
}

}  // namespace
}  // namespace overtone::adapters
