#include "adapters/prometheus/snappy_block.h"

#include <snappy.h>

namespace overtone::adapters {

std::string SnappyCompress(std::string_view in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

Result<size_t> SnappyUncompressedLength(std::string_view in) {
  size_t n = 0;
  if (in.empty()) return Status::InvalidArgument("body is empty: expected snappy block data");
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
    return Status::InvalidArgument("body is not snappy block data (bad length header)");
  }
  return n;
}

Status SnappyUncompress(std::string_view in, std::string* out) {
  // IsValidCompressedBuffer walks the whole block without writing, so a
  // corrupt body is refused before the output buffer is filled.
  if (!snappy::IsValidCompressedBuffer(in.data(), in.size()) ||
      !snappy::Uncompress(in.data(), in.size(), out)) {
    return Status::InvalidArgument("body is not valid snappy block data");
  }
  return Status::OK();
}

}  // namespace overtone::adapters
