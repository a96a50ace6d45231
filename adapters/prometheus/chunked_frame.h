// Frames of a remote read STREAMED_XOR_CHUNKS response body:
//
//   uvarint(len(msg))  big-endian uint32 CRC32-Castagnoli(msg)  msg
//
// where msg is one serialized prometheus.ChunkedReadResponse. A body is a
// sequence of frames with nothing between or after them.
//
// Example: the 3-byte message 08 96 01 is framed as
//   03  c3 c2 c1 c0  08 96 01
// with c3..c0 the CRC of those 3 bytes, most significant byte first.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_CHUNKED_FRAME_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_CHUNKED_FRAME_H_

#include <string>
#include <string_view>

#include "overtone/status.h"

namespace overtone::adapters {

// Appends one frame holding `message` to *out.
void AppendChunkedFrame(std::string_view message, std::string* out);

// Reads the frame at the front of *in into *message (a view into *in) and
// advances *in past it. Corruption on a bad length, a truncated frame or a
// CRC mismatch; *in is then unchanged.
// REQUIRES: !in->empty()
Status ReadChunkedFrame(std::string_view* in, std::string_view* message);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_CHUNKED_FRAME_H_
