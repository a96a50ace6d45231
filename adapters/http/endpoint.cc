#include "adapters/http/endpoint.h"

#include "adapters/prometheus/snappy_block.h"

namespace overtone::adapters {

HttpReply OverloadedReply(const EndpointContext& ctx, std::string what) {
  ctx.metrics->overloaded.fetch_add(1, std::memory_order_relaxed);
  HttpReply r = HttpReply::Error(ctx.options->overload_status, "server over its request memory budget (" +
                                                                   std::move(what) + "); retry later");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::optional<HttpReply> ReserveBody(const EndpointContext& ctx, const BodyHeaders& headers,
                                     MemoryBudget::Reservation* reservation) {
  if (!headers.content_length) return std::nullopt;  // chunked: reserved as it is read
  const size_t length = *headers.content_length;
  if (length > ctx.options->max_request_bytes) {
    return HttpReply::Error(kHttpPayloadTooLarge, "body of " + std::to_string(length) +
                                                      " bytes is over the limit of " +
                                                      std::to_string(ctx.options->max_request_bytes));
  }
  if (!reservation->Grow(length)) {
    return OverloadedReply(ctx, "body of " + std::to_string(length) + " bytes");
  }
  return std::nullopt;
}

std::optional<HttpReply> DecompressBody(const EndpointContext& ctx, std::string_view body,
                                        size_t reserve_per_byte, MemoryBudget::Reservation* reservation,
                                        std::string* raw) {
  Result<size_t> raw_size = SnappyUncompressedLength(body);
  if (!raw_size.ok()) return HttpReply::Error(kHttpBadRequest, raw_size.status().message());
  if (*raw_size > ctx.options->max_decompressed_bytes) {
    return HttpReply::Error(kHttpPayloadTooLarge, "body decompresses to " + std::to_string(*raw_size) +
                                                      " bytes, over the limit of " +
                                                      std::to_string(ctx.options->max_decompressed_bytes));
  }
  if (!reservation->Grow(*raw_size * reserve_per_byte)) {
    return OverloadedReply(ctx, "decoding " + std::to_string(*raw_size) + " bytes");
  }
  if (Status s = SnappyUncompress(body, raw); !s.ok()) return HttpReply::Error(kHttpBadRequest, s.message());
  return std::nullopt;
}

}  // namespace overtone::adapters
