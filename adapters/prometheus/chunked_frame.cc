#include "adapters/prometheus/chunked_frame.h"

#include "base/crc32c.h"

namespace overtone::adapters {

void AppendUvarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ReadUvarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    uint64_t b = static_cast<unsigned char>((*in)[i]);
    if (i == 9 && b > 1) return false;  // more than 64 bits
    result |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *v = result;
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

void AppendChunkedFrame(std::string_view message, std::string* out) {
  AppendUvarint(message.size(), out);
  uint32_t crc = Crc32c(message);
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(crc >> shift));
  out->append(message);
}

Status ReadChunkedFrame(std::string_view* in, std::string_view* message) {
  std::string_view rest = *in;
  uint64_t len = 0;
  if (!ReadUvarint(&rest, &len)) return Status::Corruption("frame: bad length varint");
  if (rest.size() < 4 || rest.size() - 4 < len) {
    return Status::Corruption("frame: truncated (" + std::to_string(len) + " bytes announced, " +
                              std::to_string(rest.size() < 4 ? 0 : rest.size() - 4) + " present)");
  }
  uint32_t want = 0;
  for (int i = 0; i < 4; ++i) want = (want << 8) | static_cast<unsigned char>(rest[i]);
  std::string_view msg = rest.substr(4, len);
  if (Crc32c(msg) != want) return Status::Corruption("frame: CRC32-Castagnoli mismatch");
  *message = msg;
  in->remove_prefix(in->size() - rest.size() + 4 + len);
  return Status::OK();
}

}  // namespace overtone::adapters
