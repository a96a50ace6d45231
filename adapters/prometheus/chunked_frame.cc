#include "adapters/prometheus/chunked_frame.h"

#include "base/coding.h"
#include "base/crc32c.h"

namespace overtone::adapters {

void AppendChunkedFrame(std::string_view message, std::string* out) {
  PutVarint64(out, message.size());
  uint32_t crc = Crc32c(message);
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(crc >> shift));
  out->append(message);
}

Status ReadChunkedFrame(std::string_view* in, std::string_view* message) {
  std::string_view rest = *in;
  uint64_t len = 0;
  if (!GetVarint64(&rest, &len)) return Status::Corruption("frame: bad length varint");
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
