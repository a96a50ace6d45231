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

std::optional<HttpReply> RefuseUnderMemoryPressure(const EndpointContext& ctx) {
  const MemoryAccountant* memory = ctx.db->memory();
  if (!memory->under_pressure()) return std::nullopt;
  ctx.metrics->overloaded.fetch_add(1, std::memory_order_relaxed);
  HttpReply r = HttpReply::Error(ctx.options->overload_status,
                                 "server at its memory limit (" + std::to_string(memory->in_use()) + " of " +
                                     std::to_string(memory->limit()) + " bytes; series index " +
                                     std::to_string(memory->index().in_use()) + " of " +
                                     std::to_string(memory->index().limit()) +
                                     "); nothing of this request was stored; retry later");
  r.headers.emplace_back("Retry-After", kMemoryPressureRetryAfterSeconds);
  return r;
}

namespace {

// 413 for a request whose reservation, grown by `more`, would exceed the
// whole budget: it could never fit, so a 429 would have its sender retry it
// forever (Prometheus retries 429).
std::optional<HttpReply> NeverFits(const EndpointContext& ctx, const MemoryBudget::Reservation& reservation,
                                   size_t more, const std::string& what) {
  const size_t limit = ctx.budget->limit();
  if (more <= limit && reservation.bytes() <= limit - more) return std::nullopt;
  return HttpReply::Error(
      kHttpPayloadTooLarge,
      what + " needs more than the whole request memory budget of " + std::to_string(limit) + " bytes");
}

}  // namespace

std::optional<HttpReply> ReserveBody(const EndpointContext& ctx, const BodyHeaders& headers,
                                     MemoryBudget::Reservation* reservation) {
  if (!headers.content_length) return std::nullopt;  // chunked: reserved as it is read
  const size_t length = *headers.content_length;
  if (length > ctx.options->max_request_bytes) {
    return HttpReply::Error(kHttpPayloadTooLarge, "body of " + std::to_string(length) +
                                                      " bytes is over the limit of " +
                                                      std::to_string(ctx.options->max_request_bytes));
  }
  if (std::optional<HttpReply> never =
          NeverFits(ctx, *reservation, length, "a body of " + std::to_string(length) + " bytes")) {
    return never;
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
  if (std::optional<HttpReply> never = NeverFits(ctx, *reservation, *raw_size * reserve_per_byte,
                                                 "decoding " + std::to_string(*raw_size) + " bytes")) {
    return never;
  }
  if (!reservation->Grow(*raw_size * reserve_per_byte)) {
    return OverloadedReply(ctx, "decoding " + std::to_string(*raw_size) + " bytes");
  }
  if (Status s = SnappyUncompress(body, raw); !s.ok()) return HttpReply::Error(kHttpBadRequest, s.message());
  return std::nullopt;
}

}  // namespace overtone::adapters
