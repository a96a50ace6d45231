#include "adapters/http/write_endpoint.h"

#include <cctype>
#include <cstdio>
#include <string>

#include "adapters/prometheus/remote_write.h"

namespace overtone::adapters {
namespace {

// Decoded messages, the WriteBatch and the engine's copies of the labels
// take a few times the decompressed size; reserve that much up front.
constexpr size_t kDecodedBytesPerByte = 4;

bool IsSnappy(std::string_view enc) {
  while (!enc.empty() && enc.back() == ' ') enc.remove_suffix(1);
  while (!enc.empty() && enc.front() == ' ') enc.remove_prefix(1);
  if (enc.empty()) return true;
  if (enc.size() != 6) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(enc[i])) != "snappy"[i]) return false;
  }
  return true;
}

void AddWrittenHeaders(HttpReply* r, size_t samples) {
  r->headers.emplace_back("X-Prometheus-Remote-Write-Samples-Written", std::to_string(samples));
  r->headers.emplace_back("X-Prometheus-Remote-Write-Histograms-Written", "0");
  r->headers.emplace_back("X-Prometheus-Remote-Write-Exemplars-Written", "0");
}

// Seconds a sender is asked to wait while the disk is full or failing: the
// engine tries to bring writes back every second.
constexpr const char* kStorageRetryAfterSeconds = "5";

// Logs the first write that fails for a storage fault, and the first that
// succeeds after one: once each, not once per request.
void NoteStorageOutcome(const EndpointContext& ctx, const Status& s) {
  if (s.IsStorageFault()) {
    ctx.metrics->write_storage_faults.fetch_add(1, std::memory_order_relaxed);
    if (!ctx.metrics->storage_failing.exchange(true)) {
      std::fprintf(stderr, "overtone: remote write failing, answering 503 until the fault passes: %s\n",
                   s.ToString().c_str());
    }
  } else if ((s.ok() || s.IsInvalidArgument()) &&
             ctx.metrics->storage_failing.load(std::memory_order_relaxed) &&
             ctx.metrics->storage_failing.exchange(false)) {
    std::fprintf(stderr, "overtone: remote write works again\n");
  }
}

}  // namespace

std::optional<HttpReply> PrecheckWrite(const EndpointContext& ctx, const BodyHeaders& headers,
                                       MemoryBudget::Reservation* reservation) {
  if (!IsSnappy(headers.content_encoding)) {
    return HttpReply::Error(kHttpUnsupportedMediaType, "unsupported Content-Encoding \"" +
                                                           std::string(headers.content_encoding) +
                                                           "\": remote write bodies are snappy block data");
  }
  Result<WriteProtocol> protocol = WriteProtocolFromContentType(headers.content_type);
  if (!protocol.ok()) {
    return HttpReply::Error(kHttpUnsupportedMediaType, protocol.status().message());
  }
  if (std::optional<HttpReply> refused = ReserveBody(ctx, headers, reservation)) return refused;
  return RefuseUnderMemoryPressure(ctx);
}

HttpReply HandleWrite(const EndpointContext& ctx, const BodyHeaders& headers, std::string_view body,
                      MemoryBudget::Reservation* reservation) {
  Result<WriteProtocol> protocol = WriteProtocolFromContentType(headers.content_type);
  if (!protocol.ok()) return HttpReply::Error(kHttpUnsupportedMediaType, protocol.status().message());
  const bool v2 = *protocol == WriteProtocol::kV2;
  auto reply = [&](HttpReply r, size_t written) {
    if (v2) AddWrittenHeaders(&r, written);
    return r;
  };

  std::string raw;
  if (std::optional<HttpReply> refused =
          DecompressBody(ctx, body, 1 + kDecodedBytesPerByte, reservation, &raw)) {
    return reply(std::move(*refused), 0);
  }

  DecodedWrite decoded;
  WriteResult result;
  if (ctx.series_ids != nullptr) {
    Result<WriteResult> written = DecodeAndWrite(ctx.db, ctx.series_ids, *protocol, raw, &decoded);
    if (!written.ok()) {
      const Status& s = written.status();
      return reply(HttpReply::Error(HttpStatusFor(s, ctx.options->overload_status), s.message()), 0);
    }
    result = std::move(*written);
  } else {
    if (Status s = DecodeWriteRequest(*protocol, raw, &decoded); !s.ok()) {
      return reply(HttpReply::Error(HttpStatusFor(s, ctx.options->overload_status), s.message()), 0);
    }
    raw.clear();
    raw.shrink_to_fit();
    result = ApplyWrite(ctx.db, decoded);
  }
  (v2 ? ctx.metrics->write_requests_v2 : ctx.metrics->write_requests_v1)
      .fetch_add(1, std::memory_order_relaxed);
  ctx.metrics->series_refused.fetch_add(decoded.series_rejected, std::memory_order_relaxed);
  ctx.metrics->samples_refused.fetch_add(decoded.samples_rejected, std::memory_order_relaxed);
  ctx.metrics->histograms_refused.fetch_add(decoded.histograms, std::memory_order_relaxed);
  ctx.metrics->exemplars_ignored.fetch_add(decoded.exemplars, std::memory_order_relaxed);

  ctx.metrics->samples_ingested.fetch_add(result.samples_written, std::memory_order_relaxed);
  NoteStorageOutcome(ctx, result.status);
  if (!result.status.ok()) {
    HttpReply r =
        HttpReply::Error(HttpStatusFor(result.status, ctx.options->overload_status), result.status.message());
    if (result.status.IsStorageFault()) r.headers.emplace_back("Retry-After", kStorageRetryAfterSeconds);
    return reply(std::move(r), result.samples_written);
  }
  HttpReply ok;
  ok.status = kHttpNoContent;
  return reply(std::move(ok), result.samples_written);
}

}  // namespace overtone::adapters
