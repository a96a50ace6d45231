#include "adapters/http/read_endpoint.h"

#include "adapters/prometheus/remote_read.h"
#include "adapters/prometheus/snappy_block.h"

namespace overtone::adapters {
namespace {

// The decompressed body and the decoded request take about three times the
// decompressed size; reserve that much up front.
constexpr size_t kReservedPerDecompressedByte = 3;

class StreamImpl final : public ReadStream {
 public:
  StreamImpl(const EndpointContext& ctx, std::unique_ptr<prometheus::ReadRequest> req,
             MemoryBudget::Reservation reservation, int threads)
      : ctx_(ctx),
        req_(std::move(req)),
        reservation_(std::move(reservation)),
        stream_(ctx.db, req_.get(), ctx.options->max_frame_bytes, threads) {}

  // The series lists are charged to the reservation too, held until the
  // stream ends.
  Status Start() {
    return stream_.Start([this](size_t n) { return reservation_.Grow(n); });
  }

  Result<bool> Next(std::string* out) override {
    size_t series = stream_.series_sent(), samples = stream_.samples_sent();
    Result<bool> more = stream_.Next(out);
    ctx_.metrics->read_series.fetch_add(stream_.series_sent() - series, std::memory_order_relaxed);
    ctx_.metrics->read_samples.fetch_add(stream_.samples_sent() - samples, std::memory_order_relaxed);
    return more;
  }
  size_t series_sent() const override { return stream_.series_sent(); }
  size_t samples_sent() const override { return stream_.samples_sent(); }

 private:
  EndpointContext ctx_;
  std::unique_ptr<prometheus::ReadRequest> req_;
  MemoryBudget::Reservation reservation_;  // held while the body is sent
  ChunkedReadStream stream_;
};

}  // namespace

std::optional<HttpReply> PrecheckRead(const EndpointContext& ctx, const BodyHeaders& headers,
                                      MemoryBudget::Reservation* reservation) {
  return ReserveBody(ctx, headers, reservation);
}

ReadReply HandleRead(const EndpointContext& ctx, std::string_view body,
                     MemoryBudget::Reservation reservation) {
  ReadReply out;
  std::string raw;
  if (std::optional<HttpReply> refused =
          DecompressBody(ctx, body, kReservedPerDecompressedByte, &reservation, &raw)) {
    out.reply = std::move(*refused);
    return out;
  }
  auto req = std::make_unique<prometheus::ReadRequest>();
  if (!req->ParseFromString(raw)) {
    out.reply = HttpReply::Error(kHttpBadRequest, "body is not a valid prometheus.ReadRequest protobuf");
    return out;
  }
  Result<ReadResponseType> type = NegotiateReadResponse(*req);
  if (!type.ok()) {
    out.reply = HttpReply::Error(kHttpBadRequest, type.status().message());
    return out;
  }
  // Refuse bad matchers with a 400 now, while the status can still say so.
  for (const prometheus::Query& q : req->queries()) {
    Result<std::vector<LabelMatcher>> ms = ToLabelMatchers(q);
    if (!ms.ok()) {
      out.reply = HttpReply::Error(kHttpBadRequest, ms.status().message());
      return out;
    }
  }
  ctx.metrics->read_queries.fetch_add(req->queries_size(), std::memory_order_relaxed);
  (*type == ReadResponseType::kSamples ? ctx.metrics->read_requests_samples
                                       : ctx.metrics->read_requests_streamed)
      .fetch_add(1, std::memory_order_relaxed);

  if (*type == ReadResponseType::kStreamedXorChunks) {
    // Frames of the series encoded ahead on other cores, plus the one being
    // sent and its copy in the socket buffer; one thread when that does not fit.
    const size_t frame = ctx.options->max_frame_bytes;
    int threads = ReadThreads();
    if (threads > 1 && !reservation.Grow((2 + ChunkedReadStream::kAheadPerThread * threads) * frame))
      threads = 1;
    if (threads == 1 && !reservation.Grow(2 * frame)) {
      out.reply = OverloadedReply(ctx, "a response frame");
      return out;
    }
    auto stream = std::make_unique<StreamImpl>(ctx, std::move(req), std::move(reservation), threads);
    if (Status s = stream->Start(); !s.ok()) {
      out.reply = HttpReply::Error(HttpStatusFor(s, ctx.options->overload_status), s.message());
      if (s.code() == Status::Code::kResourceExhausted) {
        out.reply = OverloadedReply(ctx, "the series a query selects");
        out.reply.body = s.message() + "\n";
      }
      return out;
    }
    out.reply.status = kHttpOk;
    out.reply.content_type = std::string(kStreamedContentType);
    out.stream = std::move(stream);
    return out;
  }

  SamplesAnswer answer;
  Status s = ReadSamples(
      ctx.db, *req, [&](size_t n) { return reservation.Grow(n); }, ReadThreads(), &answer, ctx.cancel);
  if (!s.ok()) {
    out.reply = s.code() == Status::Code::kResourceExhausted
                    ? OverloadedReply(ctx, "building the SAMPLES response")
                    : HttpReply::Error(HttpStatusFor(s, ctx.options->overload_status), s.message());
    if (s.code() == Status::Code::kResourceExhausted) out.reply.body = s.message() + "\n";
    return out;
  }
  ctx.metrics->read_series.fetch_add(answer.series, std::memory_order_relaxed);
  ctx.metrics->read_samples.fetch_add(answer.samples, std::memory_order_relaxed);
  out.reply.status = kHttpOk;
  out.reply.content_type = "application/x-protobuf";
  out.reply.headers.emplace_back("Content-Encoding", "snappy");
  out.reply.body = SnappyCompress(answer.pieces);
  return out;
}

}  // namespace overtone::adapters
