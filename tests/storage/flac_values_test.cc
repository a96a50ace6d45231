#include "storage/codec/flac_values.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

#include "overtone/types.h"
#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

void ExpectRoundTrip(const std::vector<double>& in, const FlacParams& params = {}) {
  std::string enc;
  Status s = EncodeFlacValues(in, params, &enc);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<double> out;
  ASSERT_TRUE(DecodeFlacValues(enc, in.size(), 0, in.size(), &out).ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint64_t>(out[i]), std::bit_cast<uint64_t>(in[i])) << i << ": " << in[i];
  }
}

TEST(FlacValuesTest, CpuLikeSignalRoundTripsAndCompresses) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> noise(0, 2);
  std::vector<double> cpu;
  for (int i = 0; i < 2880; ++i) {
    double v = 40 + 25 * std::sin(i * 2 * M_PI / 5760) + noise(rng);
    cpu.push_back(std::round(std::clamp(v, 0.0, 100.0) * 100) / 100);  // 2 decimals
  }
  ExpectRoundTrip(cpu);
  std::string enc;
  ASSERT_TRUE(EncodeFlacValues(cpu, {}, &enc).ok());
  EXPECT_LT(enc.size(), cpu.size() * 2);  // well under 2 bytes a value
}

TEST(FlacValuesTest, LargeCounterUsesDeltasAndSurvivesResets) {
  std::vector<double> counter;
  double c = 1.2e12;
  for (int i = 0; i < 3000; ++i) {
    c += 1000000 + (i * 7919) % 50000;
    if (i == 1700) c = 0;  // a counter reset
    counter.push_back(c);
  }
  ExpectRoundTrip(counter);
}

// A counter whose range fits 32 bits could be coded directly, but its steps
// code smaller: FLAC's warm-up samples cost the PCM's width, the range's
// for values, a step's for steps. The encoder codes the narrower steps.
TEST(FlacValuesTest, CounterInRangeIsCodedAsItsNarrowerSteps) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 60);
  std::vector<double> counter;
  double c = 4e8;
  for (int i = 0; i < 1440; ++i) counter.push_back(c += std::round(3750 + noise(rng)));
  ExpectRoundTrip(counter);
  std::string enc;
  ASSERT_TRUE(EncodeFlacValues(counter, {}, &enc).ok());
  EXPECT_EQ(enc[1], 1) << "steps";
  // 60 requests of noise a scrape are about 8 bits of entropy a sample.
  EXPECT_LT(enc.size(), counter.size() * 1.2);
}

// Memory in whole pages: every value a multiple of 4096. FLAC shifts out
// the low zero bits a frame's samples share, provided the base keeps them
// zero: the byte counts code as small as the page counts. A base in the
// middle of a range of an odd number of pages would be off the grid by
// half a page and cost a bit a sample.
TEST(FlacValuesTest, ValuesOnAPowerOfTwoGridCodeAsSmallAsTheirGridIndices) {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(0, 2000);
  std::vector<double> pages, memory;
  double p = 1.5e6;
  for (int i = 0; i < 1440; ++i) pages.push_back(p += std::round(noise(rng)));
  auto [lo, hi] = std::minmax_element(pages.begin(), pages.end());
  if (static_cast<int64_t>(*hi - *lo) % 2 == 0) pages.push_back(*hi + 1);
  for (double n : pages) memory.push_back(n * 4096);
  ExpectRoundTrip(memory);
  std::string enc_pages, enc_memory;
  ASSERT_TRUE(EncodeFlacValues(pages, {}, &enc_pages).ok());
  ASSERT_TRUE(EncodeFlacValues(memory, {}, &enc_memory).ok());
  EXPECT_EQ(enc_memory[1], 0) << "values, not steps";
  EXPECT_LE(enc_memory.size(), enc_pages.size() + 16);  // a longer base varint; off the grid: +180
}

TEST(FlacValuesTest, ExceptionsCarrySpecialValues) {
  std::vector<double> v;
  for (int i = 0; i < 500; ++i) v.push_back(i % 10);
  v[3] = std::numeric_limits<double>::quiet_NaN();
  v[4] = StaleNaN();
  v[5] = std::numeric_limits<double>::infinity();
  v[6] = -std::numeric_limits<double>::infinity();
  v[7] = -0.0;
  v[8] = std::bit_cast<double>(uint64_t{0x7ff8000000000123});
  v[9] = 0.1 + 0.2;  // needs 17 digits: not at the segment's scale
  v[499] = std::numeric_limits<double>::quiet_NaN();
  ExpectRoundTrip(v);
}

TEST(FlacValuesTest, PartialDecodeMatchesFullDecode) {
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) v.push_back(std::round(1000 * std::sin(i / 50.0)) / 10);
  v[2500] = std::numeric_limits<double>::quiet_NaN();
  FlacParams params;
  params.block_size = 256;
  std::string enc;
  ASSERT_TRUE(EncodeFlacValues(v, params, &enc).ok());
  for (auto [b, e] :
       std::vector<std::pair<size_t, size_t>>{{0, 1}, {255, 257}, {2400, 2600}, {4999, 5000}, {10, 10}}) {
    std::vector<double> out;
    ASSERT_TRUE(DecodeFlacValues(enc, v.size(), b, e, &out).ok());
    ASSERT_EQ(out.size(), e - b);
    for (size_t i = b; i < e; ++i)
      EXPECT_EQ(std::bit_cast<uint64_t>(out[i - b]), std::bit_cast<uint64_t>(v[i]));
  }
}

TEST(FlacValuesTest, RandomSignalsRoundTrip) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 60; ++trial) {
    size_t n = 16 + rng() % 3000;
    int decimals = static_cast<int>(rng() % 5);
    double scale = std::pow(10, decimals);
    double level = static_cast<double>(rng() % 1000000);
    std::vector<double> v;
    for (size_t i = 0; i < n; ++i) {
      level += static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / scale;
      double x = std::round(level * scale) / scale;
      if (rng() % 50 == 0) x = std::bit_cast<double>(rng());
      v.push_back(x);
    }
    FlacParams params;
    params.block_size = 16 + static_cast<uint32_t>(rng() % 2048);
    params.compression_level = static_cast<uint32_t>(rng() % 9);
    std::string enc;
    Status s = EncodeFlacValues(v, params, &enc);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), Status::Code::kNotSupported);
      continue;
    }
    std::vector<double> out;
    ASSERT_TRUE(DecodeFlacValues(enc, v.size(), 0, v.size(), &out).ok()) << trial;
    for (size_t i = 0; i < v.size(); ++i) {
      ASSERT_EQ(std::bit_cast<uint64_t>(out[i]), std::bit_cast<uint64_t>(v[i])) << trial << " " << i;
    }
  }
}

TEST(FlacValuesTest, UnsuitableInputIsNotSupported) {
  std::mt19937_64 rng(5);
  std::vector<double> noise;
  for (int i = 0; i < 100; ++i) noise.push_back(std::bit_cast<double>(rng() >> 2));
  std::string enc;
  EXPECT_EQ(EncodeFlacValues(noise, {}, &enc).code(), Status::Code::kNotSupported);
}

TEST(FlacValuesTest, CorruptInputIsAnErrorNotACrash) {
  std::vector<double> v;
  for (int i = 0; i < 300; ++i) v.push_back(i);
  std::string enc;
  ASSERT_TRUE(EncodeFlacValues(v, {}, &enc).ok());
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = enc;
    if (trial % 3 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    std::vector<double> out;
    DecodeFlacValues(bad, v.size(), 0, v.size(), &out).IgnoreError();  // must not crash; may decode
  }
  std::vector<double> out;
  EXPECT_FALSE(DecodeFlacValues(enc.substr(0, enc.size() - 3), v.size(), 0, v.size(), &out).ok());
}

// Found by fuzz_flac_values (fuzz/corpus/flac_values/crash-frame-table-misaligned):
// frames whose bytes did not end where the frame table said (libFLAC finds
// frames by their sync codes) decoded as a whole, yet values [35, 39),
// decoded from the table's frame alone, failed; and a frame of the wrong
// size would shift later values. Both are now corruption, however decoded.
TEST(FlacValuesTest, FuzzFramesMustMatchTheFrameTable) {
  const std::string block = testing::FromHex(
      "00000c10bd6503010000000000002e000c107b857b2004f07f0d555555555555d53f031a111bfff86a04000ff014a25a"
      "bb05e00ab0d02ae061497babb94ac1b7fff86a04010fe51428d28d0a18ceb9ad6b79adad7a77a6cd00d05ffff86a0402"
      "07e2165dc5d45c4000d3c6b1");
  std::vector<double> out;
  EXPECT_EQ(DecodeFlacValues(block, 40, 0, 40, &out).code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeFlacValues(block, 40, 35, 39, &out).code(), Status::Code::kCorruption);
}

// Value codec 4: the frames without header and footer, byte by byte.
TEST(FlacValuesTest, BareFramesGoldenBytes) {
  std::vector<double> v;
  for (int i = 0; i < 20; ++i) v.push_back((i * i % 7) / 10.0);
  FlacParams params;
  params.block_size = 16;
  std::string bare, whole;
  ASSERT_TRUE(EncodeFlacValues(v, params, &bare, FlacFrames::kBare).ok());
  EXPECT_EQ(bare, testing::FromHex("01"  // scale: tenths
                                   "00"  // direct
                                   "04"  // 4 bits a sample
                                   "10"  // 16 samples a frame
                                   "04"  // base 2 (zigzag)
                                   "00"  // no exceptions
                                   "02"
                                   "08"
                                   "03"                // two frames of 8 and 3 bytes
                                   "10005e545bca8b78"  // frame 0: its subframe, no header or CRC-16
                                   "039008"));         // frame 1 (4 samples)
  // Each frame lost its 7-byte header (with an explicit 8-bit block size and
  // its CRC-8) and its CRC-16.
  ASSERT_TRUE(EncodeFlacValues(v, params, &whole).ok());
  EXPECT_EQ(whole.size() - bare.size(), 2 * (7 + 2u));
  std::vector<double> out;
  ASSERT_TRUE(DecodeFlacValues(bare, v.size(), 0, v.size(), &out, FlacFrames::kBare).ok());
  EXPECT_EQ(out, v);
  // Bare frames are not whole ones.
  out.clear();
  EXPECT_FALSE(DecodeFlacValues(bare, v.size(), 0, v.size(), &out).ok());
}

// Any block size, frame count (frame numbers past 127 take more than one
// byte) and range decodes the same as with whole frames.
TEST(FlacValuesTest, BareFramesRoundTripAndDecodeAnyRange) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    size_t n = 16 + rng() % (trial % 4 == 0 ? 40000 : 3000);
    double level = static_cast<double>(rng() % 100000);
    std::vector<double> v;
    for (size_t i = 0; i < n; ++i) {
      level += static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 100;
      v.push_back(rng() % 60 == 0 ? std::bit_cast<double>(rng()) : std::round(level * 100) / 100);
    }
    FlacParams params;
    params.block_size =
        trial % 4 == 0 ? 16 + static_cast<uint32_t>(rng() % 200) : 16 + static_cast<uint32_t>(rng() % 5000);
    std::string bare;
    Status s = EncodeFlacValues(v, params, &bare, FlacFrames::kBare);
    ASSERT_TRUE(s.ok()) << s.ToString();
    std::vector<double> out;
    ASSERT_TRUE(DecodeFlacValues(bare, n, 0, n, &out, FlacFrames::kBare).ok()) << trial;
    ASSERT_EQ(out.size(), n);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(std::bit_cast<uint64_t>(out[i]), std::bit_cast<uint64_t>(v[i]));
    for (int r = 0; r < 5; ++r) {
      size_t b = rng() % n, e = b + rng() % (n - b + 1);
      std::vector<double> part;
      ASSERT_TRUE(DecodeFlacValues(bare, n, b, e, &part, FlacFrames::kBare).ok());
      ASSERT_EQ(part.size(), e - b);
      for (size_t i = b; i < e; ++i)
        ASSERT_EQ(std::bit_cast<uint64_t>(part[i - b]), std::bit_cast<uint64_t>(v[i]));
    }
  }
}

TEST(FlacValuesTest, CorruptBareFramesAreAnErrorNotACrash) {
  std::vector<double> v;
  for (int i = 0; i < 700; ++i) v.push_back(i % 37);
  std::string enc;
  ASSERT_TRUE(EncodeFlacValues(v, {}, &enc, FlacFrames::kBare).ok());
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = enc;
    if (trial % 3 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    std::vector<double> out;
    DecodeFlacValues(bad, v.size(), 0, v.size(), &out, FlacFrames::kBare).IgnoreError();  // may decode
  }
}

// A thread keeps one decoder from call to call (rewound for each): blocks of
// different sample sizes, block sizes and framings, decoded in turn and
// after a corrupt block left it mid-frame, each decode as if alone; and
// threads decoding at once do not share it.
TEST(FlacValuesTest, ReusedDecoderDecodesEachBlockAsIfAlone) {
  std::vector<double> small, large;
  for (int i = 0; i < 700; ++i) small.push_back(i % 13);
  for (int i = 0; i < 1000; ++i) large.push_back(1e6 * i + (i % 7) * 0.25);
  std::string a, b, corrupt;
  ASSERT_TRUE(EncodeFlacValues(small, {.block_size = 64}, &a, FlacFrames::kBare).ok());
  ASSERT_TRUE(EncodeFlacValues(large, {.block_size = 256}, &b, FlacFrames::kWhole).ok());
  corrupt = a;
  corrupt[corrupt.size() - 20] ^= 0x5a;
  auto check = [&](const std::string& block, const std::vector<double>& want, FlacFrames framing,
                   size_t begin, size_t end) {
    std::vector<double> out;
    ASSERT_TRUE(DecodeFlacValues(block, want.size(), begin, end, &out, framing).ok());
    ASSERT_EQ(out.size(), end - begin);
    for (size_t i = begin; i < end; ++i) {
      ASSERT_EQ(std::bit_cast<uint64_t>(out[i - begin]), std::bit_cast<uint64_t>(want[i])) << i;
    }
  };
  auto run = [&](int seed) {
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 50; ++round) {
      size_t x = rng() % small.size(), y = rng() % small.size();
      check(a, small, FlacFrames::kBare, std::min(x, y), std::max(x, y) + 1);
      std::vector<double> ignored;
      DecodeFlacValues(corrupt, small.size(), 0, small.size(), &ignored, FlacFrames::kBare).IgnoreError();
      x = rng() % large.size(), y = rng() % large.size();
      check(b, large, FlacFrames::kWhole, std::min(x, y), std::max(x, y) + 1);
    }
  };
  run(1);
  std::thread other([&] { run(2); });
  run(3);
  other.join();
}

// Frames come from encoders the thread keeps (flac_frame_encoder.h): byte
// for byte what a fresh encoder for the block writes, bare or whole (their
// headers numbered anew), whatever blocks came before on the thread (shapes
// repeating, evicted and made again, of every sample size, block size and
// compression level), on two threads at once.
TEST(FlacValuesTest, KeptEncodersWriteWhatAFreshEncoderWrites) {
  auto run = [](uint64_t seed, int* compared) {
    std::mt19937_64 rng(seed);
    for (int trial = 0; trial < 600; ++trial) {
      const size_t n = 16 + rng() % (trial % 8 == 0 ? 3000 : 300);
      const int shape = trial % 4;
      const int bits = 1 + static_cast<int>(rng() % 31);
      double level = static_cast<double>(rng() % 100000);
      std::vector<double> v;
      for (size_t i = 0; i < n; ++i) {
        if (shape == 0) {  // a two-decimal gauge
          level += static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 100;
          v.push_back(std::round(level * 100) / 100);
        } else if (shape == 1) {  // a counter
          level += static_cast<double>(rng() % 1000);
          v.push_back(level);
        } else if (shape == 2) {  // integers of up to 32 bits
          v.push_back(static_cast<double>(static_cast<int64_t>(rng() % (uint64_t{1} << bits)) -
                                          (int64_t{1} << (bits - 1))));
        } else {  // a few values, with exceptions among them
          v.push_back(rng() % 40 == 0 ? std::numeric_limits<double>::quiet_NaN() : (rng() % 5) / 10.0);
        }
      }
      FlacParams params;
      params.block_size = trial % 3 == 0 ? 256 : 16 + static_cast<uint32_t>(rng() % 600);
      if (trial % 5 == 0) params.compression_level = static_cast<uint32_t>(rng() % 9);
      const FlacFrames framing = trial % 2 ? FlacFrames::kBare : FlacFrames::kWhole;
      std::string kept, fresh;
      Status a = EncodeFlacValues(v, params, &kept, framing, FlacEncoderUse::kKept);
      Status b = EncodeFlacValues(v, params, &fresh, framing, FlacEncoderUse::kFresh);
      ASSERT_EQ(a.ok(), b.ok()) << trial;
      ASSERT_EQ(kept, fresh) << "trial " << trial << ", " << n << " values, block size " << params.block_size;
      if (a.ok()) ++*compared;
    }
  };
  int here = 0, there = 0;
  std::thread other([&] { run(2, &there); });
  run(1, &here);
  other.join();
  // Most blocks suit FLAC, so most comparisons compared frames.
  EXPECT_GT(here, 300);
  EXPECT_GT(there, 300);
}

}  // namespace
}  // namespace overtone::storage
