#include "adapters/prometheus/remote_read_client.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <span>
#include <thread>
#include <unordered_set>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "adapters/prometheus/xor_chunk.h"
#include "base/coding.h"

namespace overtone::adapters {
namespace {

prometheus::LabelMatcher::Type ToProto(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return prometheus::LabelMatcher::EQ;
    case MatchType::kNotEqual: return prometheus::LabelMatcher::NEQ;
    case MatchType::kRegexMatch: return prometheus::LabelMatcher::RE;
    case MatchType::kRegexNoMatch: return prometheus::LabelMatcher::NRE;
  }
  return prometheus::LabelMatcher::EQ;
}

template <typename ProtoLabels>
Status ToLabels(const ProtoLabels& in, Labels* out) {
  // Assigned over the last series' strings, which keeps their memory.
  out->resize(static_cast<size_t>(in.size()));
  size_t i = 0;
  for (const auto& l : in) {
    (*out)[i].name.assign(l.name());
    (*out)[i].value.assign(l.value());
    ++i;
  }
  NormalizeLabels(out);
  return ValidateLabels(*out).WithContext("remote read answered a bad series");
}

// Turns one slice's answer into sink calls, frame by frame as it arrives
// (streamed) or once it is complete (samples).
class AnswerDecoder {
 public:
  AnswerDecoder(const RemoteSeriesSink& sink, int64_t start_ms, int64_t end_ms)
      : sink_(sink), start_ms_(start_ms), end_ms_(end_ms) {}

  void SetContentType(const std::string& type) {
    streamed_ = type.starts_with("application/x-streamed-protobuf");
  }

  // Takes more of the body; false (with status()) stops the download.
  bool Feed(const char* data, size_t n) {
    if (streamed_ && buf_.empty()) {
      // The frames that arrived whole are decoded where they are; only a
      // frame cut by the end of this piece waits in buf_ for the rest.
      std::string_view in(data, n);
      status_ = DrainFrames(&in);
      buf_.assign(in);
      return status_.ok();
    }
    buf_.append(data, n);
    if (streamed_) {
      std::string_view in = buf_;
      status_ = DrainFrames(&in);
      buf_.erase(0, buf_.size() - in.size());
    }
    return status_.ok();
  }

  Status Finish() {
    if (!status_.ok()) return status_;
    if (streamed_) {
      if (!buf_.empty()) return Status::Corruption("remote read answer ends inside a frame");
      return Status::OK();
    }
    std::string raw;
    OT_RETURN_IF_ERROR(SnappyUncompress(buf_, &raw).WithContext("remote read answer"));
    prometheus::ReadResponse response;
    if (!response.ParseFromString(raw)) {
      return Status::Corruption("remote read answer is not a prometheus.ReadResponse");
    }
    for (const auto& result : response.results()) {
      for (const auto& ts : result.timeseries()) {
        OT_RETURN_IF_ERROR(ToLabels(ts.labels(), &labels_));
        samples_.clear();
        for (const auto& s : ts.samples()) {
          if (s.timestamp() >= start_ms_ && s.timestamp() <= end_ms_) {
            samples_.push_back(Sample{s.timestamp(), s.value()});
          }
        }
        if (!samples_.empty()) OT_RETURN_IF_ERROR(sink_(labels_, samples_));
      }
    }
    return Status::OK();
  }

  const Status& status() const { return status_; }

 private:
  // Decodes the whole frames at the front of *in and moves past them.
  Status DrainFrames(std::string_view* pending) {
    std::string_view& in = *pending;
    while (!in.empty()) {
      // Is the whole frame here yet? uvarint length + 4 bytes CRC + message.
      std::string_view peek = in;
      uint64_t len = 0;
      if (!GetVarint64(&peek, &len)) {
        if (peek.size() >= 10) return Status::Corruption("bad frame length in remote read answer");
        break;
      }
      if (peek.size() < 4 || peek.size() - 4 < len) break;
      std::string_view message;
      OT_RETURN_IF_ERROR(ReadChunkedFrame(&in, &message));
      // One message for every frame: parsing into it again reuses the
      // series, labels and chunks (and their strings) the last frame left.
      if (!frame_.ParseFromArray(message.data(), static_cast<int>(message.size()))) {
        return Status::Corruption("remote read frame is not a prometheus.ChunkedReadResponse");
      }
      for (const auto& series : frame_.chunked_series()) {
        OT_RETURN_IF_ERROR(ToLabels(series.labels(), &labels_));
        decoded_.clear();
        for (const auto& chunk : series.chunks()) {
          if (chunk.type() != prometheus::Chunk::XOR) {
            return Status::NotSupported("remote read sent a non-XOR chunk (native histograms?)");
          }
          OT_RETURN_IF_ERROR(DecodeXorChunk(chunk.data(), &decoded_));
        }
        // Chunks may reach past the slice; most often they do not, and the
        // decoded samples go to the sink as they are, without a copy.
        auto outside = [this](const Sample& s) { return s.ts < start_ms_ || s.ts > end_ms_; };
        std::span<const Sample> in_range = decoded_;
        if (std::any_of(decoded_.begin(), decoded_.end(), outside)) {
          samples_.clear();
          std::remove_copy_if(decoded_.begin(), decoded_.end(), std::back_inserter(samples_), outside);
          in_range = samples_;
        }
        if (!in_range.empty()) OT_RETURN_IF_ERROR(sink_(labels_, in_range));
      }
    }
    return Status::OK();
  }

  const RemoteSeriesSink& sink_;
  int64_t start_ms_, end_ms_;
  bool streamed_ = false;
  std::string buf_;
  prometheus::ChunkedReadResponse frame_;
  Status status_;
  Labels labels_;
  std::vector<Sample> decoded_, samples_;
};

}  // namespace

std::string EncodeReadRequestBody(const RemoteReadOptions& options, int64_t from_ms, int64_t to_ms) {
  prometheus::ReadRequest req;
  if (options.mode == RemoteReadMode::kPreferStreamed) {
    req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  }
  req.add_accepted_response_types(prometheus::ReadRequest::SAMPLES);
  prometheus::Query* q = req.add_queries();
  q->set_start_timestamp_ms(from_ms);
  q->set_end_timestamp_ms(to_ms);
  for (const LabelMatcher& m : options.matchers) {
    prometheus::LabelMatcher* pm = q->add_matchers();
    pm->set_type(ToProto(m.type));
    pm->set_name(m.name);
    pm->set_value(m.value);
  }
  return SnappyCompress(req.SerializeAsString());
}

Status RemoteRead(const RemoteReadOptions& options, const RemoteSeriesSink& sink,
                  const RemoteProgress& progress) {
  if (options.end_ms < options.start_ms) return Status::InvalidArgument("--end is before --start");
  if (options.slice_ms <= 0) return Status::InvalidArgument("the slice must be positive");
  OT_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(options.url));
  httplib::Client client(url.host, url.port);
  client.set_connection_timeout(options.client.timeout_seconds, 0);
  client.set_read_timeout(options.client.timeout_seconds, 0);
  client.set_keep_alive(true);

  int64_t total = options.end_ms - options.start_ms;
  for (int64_t from = options.start_ms;;) {
    int64_t to = options.end_ms - from < options.slice_ms ? options.end_ms : from + options.slice_ms - 1;
    std::string body = EncodeReadRequestBody(options, from, to);
    httplib::Headers headers = {{"Content-Encoding", "snappy"},
                                {"X-Prometheus-Remote-Read-Version", "0.1.0"},
                                {"User-Agent", "overtone-import"}};

    int backoff_ms = options.client.first_backoff_ms;
    for (int attempt = 1;; ++attempt) {
      AnswerDecoder decoder(sink, from, to);
      int status = 0;
      std::string error_body;
      // The decoder hands series to the sink while the answer streams in, so
      // a retry after a connection lost mid-answer hands some over again:
      // harmless for an import, where a same-timestamp write replaces.
      httplib::Request r;
      r.method = "POST";
      r.path = url.path;
      r.headers = headers;
      r.body = body;
      r.set_header("Content-Type", "application/x-protobuf");
      r.response_handler = [&](const httplib::Response& res) {
        status = res.status;
        decoder.SetContentType(res.get_header_value("Content-Type"));
        return true;
      };
      r.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (status < 200 || status >= 300) {
          if (error_body.size() < 300) error_body.append(data, std::min<size_t>(n, 300));
          return true;
        }
        return decoder.Feed(data, n);
      };
      httplib::Response res;
      httplib::Error err = httplib::Error::Success;
      bool sent = client.send(r, res, err);
      if (!decoder.status().ok()) return decoder.status();
      bool retryable;
      std::string what;
      if (!sent) {
        what = "no answer from " + url.base() + ": " +
               (err == httplib::Error::Connection ? std::string("cannot connect (refused, or no such host)")
                                                  : httplib::to_string(err));
        retryable = true;
      } else if (status >= 200 && status < 300) {
        OT_RETURN_IF_ERROR(decoder.Finish());
        break;
      } else {
        what = "HTTP " + std::to_string(status) + " from " + url.base() + url.path + ": " + error_body;
        retryable = status >= 500 || status == 429;
      }
      if (!retryable) return Status::InvalidArgument("remote read refused: " + what);
      if (attempt >= options.client.max_attempts) {
        return Status::IOError("remote read failed after " + std::to_string(attempt) + " attempts: " + what);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms *= 2;
    }
    if (progress) progress(to - options.start_ms, total);
    if (to >= options.end_ms) break;
    from = to + 1;
  }
  return Status::OK();
}

Status ImportFromRemoteRead(Database* db, const RemoteReadOptions& options,
                            const ImportOptions& import_options, ImportStats* stats) {
  *stats = ImportStats{};
  auto started = std::chrono::steady_clock::now();
  stats->total_bytes = static_cast<uint64_t>(options.end_ms - options.start_ms);
  size_t batch_samples = std::max<size_t>(import_options.batch_samples, 1);
  WriteBatch batch;
  std::unordered_set<size_t> seen;
  std::string key;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    OT_RETURN_IF_ERROR(db->Write(batch));
    stats->samples += batch.num_samples();
    ++stats->batches;
    batch.Clear();
    return Status::OK();
  };
  auto sink = [&](const Labels& labels, std::span<const Sample> samples) -> Status {
    key.clear();
    for (const Label& l : labels) key.append(l.name).append("\xff").append(l.value).append("\xfe");
    if (seen.insert(std::hash<std::string>{}(key)).second) ++stats->series;
    batch.Add(labels, samples);
    if (batch.num_samples() >= batch_samples) return flush();
    return Status::OK();
  };
  auto progress = [&](int64_t done, int64_t) {
    stats->bytes_read = static_cast<uint64_t>(done);
    if (import_options.on_progress) import_options.on_progress(*stats);
  };
  Status s = RemoteRead(options, sink, progress);
  if (s.ok()) s = flush();
  stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return s;
}

}  // namespace overtone::adapters
