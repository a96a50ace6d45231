// Snappy *block* format (not the framed/stream format), as remote write and
// remote read bodies use it.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_SNAPPY_BLOCK_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_SNAPPY_BLOCK_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "overtone/status.h"

namespace overtone::adapters {

std::string SnappyCompress(std::string_view in);
// The same for the bytes of `pieces` joined in order, without joining them:
// byte for byte what compressing the joined string gives.
std::string SnappyCompress(std::span<const std::string> pieces);

// The uncompressed length announced by the block's header, read without
// decompressing: lets a caller refuse an oversized body before allocating.
// InvalidArgument when the header is not a snappy length.
Result<size_t> SnappyUncompressedLength(std::string_view in);

// Decompresses `in` into *out. InvalidArgument when `in` is not valid snappy
// block data.
Status SnappyUncompress(std::string_view in, std::string* out);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_SNAPPY_BLOCK_H_
