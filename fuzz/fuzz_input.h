// What the fuzz targets and the seed generator share: how an input is laid
// out (a few parameter bytes, then the bytes under test), checks that abort
// so libFuzzer keeps the input, and comparisons that treat doubles as bits.
//
// Layouts, by target:
//   xor_chunk        the chunk
//   timestamp_codec  u8 codec id, u16 count, the timestamp block
//   timestamp_column u8 flags, the column       (flags: kAppendCrc)
//   flac_values      u16 count, u16 begin, u16 end, the FLAC value block
//   segment          u8 flags, the segment      (flags: kAppendCrc)
//   summary          u8 flags, the summary      (flags: kAppendCrc, kSkipPoints)
//   remote_write_*   u8 flags, the HTTP body    (flags: kCompress, kCompact)
//   remote_read      u8 flags, the HTTP body    (flags: kCompress)
//   promql_parser    the query text
//   openmetrics_line u8 flags, lines           (flags: kOpenMetrics)
//   csv_line         lines
// u16 is big-endian. Parameters past the end of an input read as zero, so
// every byte string is a valid input.

#ifndef OVERTONE_FUZZ_FUZZ_INPUT_H_
#define OVERTONE_FUZZ_FUZZ_INPUT_H_

#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/crc32c.h"
#include "overtone/types.h"

namespace overtone::fuzz {

// Flags (first byte) of the targets that take them.
// The segment or summary comes without its trailing CRC-32C and the target
// appends the right one: random bytes almost never carry a valid checksum,
// and the decoders behind the check are what is worth exploring.
inline constexpr uint8_t kAppendCrc = 1;
inline constexpr uint8_t kSkipPoints = 2;  // DecodeSummary(..., with_points = false)

// What kAppendCrc asks for: the CRC-32C of every byte, little-endian.
inline void AppendCrc(std::string* bytes) {
  const uint32_t crc = Crc32c(*bytes);
  for (int i = 0; i < 4; ++i) bytes->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}
// The body is an uncompressed protobuf; the target snappy-compresses it, so
// that mutations reach the message rather than mostly breaking the snappy
// block. Without it the body goes to the handler as sent.
inline constexpr uint8_t kCompress = 1;
inline constexpr uint8_t kCompact = 2;      // seal everything written after the write
inline constexpr uint8_t kOpenMetrics = 1;  // else the Prometheus text format

[[noreturn]] inline void Fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::abort();
}

// An invariant of the code under test; a failure is a finding.
#define FUZZ_CHECK(cond)                                            \
  do {                                                              \
    if (!(cond)) ::overtone::fuzz::Fail(__FILE__, __LINE__, #cond); \
  } while (0)

// Reads the parameter fields at the front of an input.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size) : in_(reinterpret_cast<const char*>(data), size) {}

  uint8_t U8() {
    if (in_.empty()) return 0;
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint16_t U16() { return static_cast<uint16_t>(U8() << 8 | U8()); }
  std::string_view Rest() const { return in_; }

 private:
  std::string_view in_;
};

// The writer's side, for make_seeds.cc.
inline void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
inline void PutU16(std::string* out, uint16_t v) {
  PutU8(out, static_cast<uint8_t>(v >> 8));
  PutU8(out, static_cast<uint8_t>(v & 0xff));
}

inline bool SameBits(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

inline bool SameValues(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameBits(a[i], b[i])) return false;
  }
  return true;
}

inline bool SameSamples(std::span<const Sample> a, std::span<const Sample> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ts != b[i].ts || !SameBits(a[i].value, b[i].value)) return false;
  }
  return true;
}

// Splits at '\n', dropping one '\r' before it as the importer does.
inline std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace overtone::fuzz

#endif  // OVERTONE_FUZZ_FUZZ_INPUT_H_
