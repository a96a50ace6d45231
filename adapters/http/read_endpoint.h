// POST /api/v1/read: remote read over HTTP semantics.
//
//   413  body over max_request_bytes or decompressing past
//        max_decompressed_bytes
//   429  (or 503) the request memory budget is used up, also while a SAMPLES
//        response is being built
//   400  bad snappy, bad protobuf, an unknown matcher type, an invalid
//        regular expression, or no accepted response type overtone serves
//   200  SAMPLES: one snappy-compressed ReadResponse (Content-Type
//        application/x-protobuf, Content-Encoding snappy);
//        STREAMED_XOR_CHUNKS: frames (remote_read.h) with Content-Type
//        application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse
//        and no Content-Encoding, produced while being sent.
// An error in the middle of a stream cannot change the status any more: the
// connection is cut, and the client sees a truncated stream.

#ifndef OVERTONE_ADAPTERS_HTTP_READ_ENDPOINT_H_
#define OVERTONE_ADAPTERS_HTTP_READ_ENDPOINT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/endpoint.h"
#include "overtone/status.h"

namespace overtone::adapters {

// A STREAMED_XOR_CHUNKS body still to be produced. Owns the request and the
// memory reservation, so it can outlive the handler that made it.
class ReadStream {
 public:
  virtual ~ReadStream() = default;
  // Appends the next frames to *out; false when the body is complete.
  virtual Result<bool> Next(std::string* out) = 0;
  virtual size_t series_sent() const = 0;
  virtual size_t samples_sent() const = 0;
};

struct ReadReply {
  HttpReply reply;                     // status and headers; the body unless streaming
  std::unique_ptr<ReadStream> stream;  // set for STREAMED_XOR_CHUNKS
};

// Before the body is read: ReserveBody (endpoint.h).
std::optional<HttpReply> PrecheckRead(const EndpointContext& ctx, const BodyHeaders& headers,
                                      MemoryBudget::Reservation* reservation);

// REQUIRES: PrecheckRead(ctx, headers, reservation) returned no reply.
ReadReply HandleRead(const EndpointContext& ctx, std::string_view body,
                     MemoryBudget::Reservation reservation);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_READ_ENDPOINT_H_
