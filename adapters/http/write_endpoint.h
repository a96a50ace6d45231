// POST /api/v1/write: remote write 1.0 and 2.0 over HTTP semantics.
//
// In the order checked:
//   415  Content-Encoding other than snappy (absent is taken as snappy), or
//        a Content-Type that is neither 1.0 nor 2.0
//   413  body over max_request_bytes, or decompressing to more than
//        max_decompressed_bytes
//   429  (or 503, --overload-status) the request memory budget is used up
//   400  bad snappy, bad protobuf, refused series or native histograms (the
//        rest of the request is written first: see remote_write.h)
//   503  the engine failed in a way that may pass: busy, or a storage fault
//        (disk full, I/O error), then with Retry-After; nothing of the
//        request is stored then, and the server logs the first such
//        failure once (and the first success after it)
//   500  the engine failed otherwise
//   204  written: Database::Write returned OK, so the samples are durable
// A 2.0 request's reply always carries X-Prometheus-Remote-Write-
// {Samples,Histograms,Exemplars}-Written.

#ifndef OVERTONE_ADAPTERS_HTTP_WRITE_ENDPOINT_H_
#define OVERTONE_ADAPTERS_HTTP_WRITE_ENDPOINT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/endpoint.h"

namespace overtone::adapters {

// Checks the headers before the body is read, reserving content_length
// bytes in *reservation (ReserveBody). A reply means: refuse with it (and
// drain the body).
std::optional<HttpReply> PrecheckWrite(const EndpointContext& ctx, const BodyHeaders& headers,
                                       MemoryBudget::Reservation* reservation);

// Decompresses, decodes and writes `body`.
// REQUIRES: PrecheckWrite(ctx, headers, reservation) returned no reply.
HttpReply HandleWrite(const EndpointContext& ctx, const BodyHeaders& headers, std::string_view body,
                      MemoryBudget::Reservation* reservation);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_WRITE_ENDPOINT_H_
