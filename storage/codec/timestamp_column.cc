#include "storage/codec/timestamp_column.h"

#include <xxhash.h>

#include <algorithm>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/codec/timestamp_codec.h"

namespace overtone::storage {

void EncodeTimestampColumn(std::span<const int64_t> ts, std::string* out) {
  out->clear();
  std::string block;
  uint8_t codec = EncodeTimestampsBest(ts, &block);
  out->push_back(static_cast<char>(codec));
  PutVarint64(out, ts.size());
  out->append(block);
  uint32_t crc = Crc32c(*out);
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

uint64_t TimestampColumnKey(std::string_view column) { return XXH3_64bits(column.data(), column.size()); }

namespace {

struct ColumnParts {
  uint8_t codec = 0;
  uint64_t count = 0;
  std::string_view block;
};

Status ParseColumn(std::string_view column, ColumnParts* parts) {
  auto bad = [](const char* what) { return Status::Corruption(std::string("timestamp column: ") + what); };
  if (column.size() < 2 + 4) return bad("too short");
  std::string_view body = column.substr(0, column.size() - 4);
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i)
    stored |= static_cast<uint32_t>(static_cast<uint8_t>(column[body.size() + i])) << (8 * i);
  if (Crc32c(body) != stored) return bad("checksum mismatch");
  parts->codec = static_cast<uint8_t>(body[0]);
  if (parts->codec != kTimestampCodecDod && parts->codec != kTimestampCodecFlac) return bad("unknown codec");
  body.remove_prefix(1);
  if (!GetVarint64(&body, &parts->count)) return bad("truncated header");
  if (parts->count == 0 || parts->count > (uint64_t{1} << 31)) return bad("bad timestamp count");
  parts->block = body;
  return Status::OK();
}

}  // namespace

Status DecodeTimestampColumn(std::string_view column, std::vector<int64_t>* out) {
  ColumnParts parts;
  OT_RETURN_IF_ERROR(ParseColumn(column, &parts));
  std::vector<int64_t> ts;
  // As in DecodeSegment: no allocation beyond what the bytes can hold.
  ts.reserve(std::min<uint64_t>(parts.count, 8 * uint64_t{parts.block.size()} + 2));
  OT_RETURN_IF_ERROR(DecodeTimestamps(parts.codec, parts.block, parts.count, &ts));
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] <= ts[i - 1]) return Status::Corruption("timestamp column: timestamps do not ascend");
  }
  out->insert(out->end(), ts.begin(), ts.end());
  return Status::OK();
}

Status TimestampColumnBlock(std::string_view column, uint8_t* codec, std::string_view* block) {
  ColumnParts parts;
  OT_RETURN_IF_ERROR(ParseColumn(column, &parts));
  *codec = parts.codec;
  *block = parts.block;
  return Status::OK();
}

size_t TimestampColumnBlockBytes(std::string_view column) {
  ColumnParts parts;
  if (!ParseColumn(column, &parts).ok()) return column.size();
  return parts.block.size();
}

}  // namespace overtone::storage
