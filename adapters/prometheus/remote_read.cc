#include "adapters/prometheus/remote_read.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "adapters/prometheus/remote_read_wire.h"
#include "adapters/prometheus/xor_chunk.h"

namespace overtone::adapters {
namespace {

size_t LabelsBytes(const Labels& labels) {
  size_t n = 0;
  for (const Label& l : labels) n += l.name.size() + l.value.size() + 8;
  return n;
}

}  // namespace

Result<ReadResponseType> NegotiateReadResponse(const prometheus::ReadRequest& req) {
  if (req.accepted_response_types_size() == 0) return ReadResponseType::kSamples;
  for (int t : req.accepted_response_types()) {
    if (t == prometheus::ReadRequest::SAMPLES) return ReadResponseType::kSamples;
    if (t == prometheus::ReadRequest::STREAMED_XOR_CHUNKS) {
      return ReadResponseType::kStreamedXorChunks;
    }
  }
  return Status::InvalidArgument(
      "none of the accepted response types is implemented: overtone serves SAMPLES (0) and "
      "STREAMED_XOR_CHUNKS (1)");
}

Result<std::vector<LabelMatcher>> ToLabelMatchers(const prometheus::Query& query) {
  std::vector<LabelMatcher> out;
  out.reserve(query.matchers_size());
  for (const prometheus::LabelMatcher& m : query.matchers()) {
    LabelMatcher lm;
    switch (m.type()) {
      case prometheus::LabelMatcher::EQ: lm.type = MatchType::kEqual; break;
      case prometheus::LabelMatcher::NEQ: lm.type = MatchType::kNotEqual; break;
      case prometheus::LabelMatcher::RE: lm.type = MatchType::kRegexMatch; break;
      case prometheus::LabelMatcher::NRE: lm.type = MatchType::kRegexNoMatch; break;
      default: return Status::InvalidArgument("unknown label matcher type " + std::to_string(m.type()));
    }
    lm.name = m.name();
    lm.value = m.value();
    out.push_back(std::move(lm));
  }
  return out;
}

Result<std::vector<SeriesInfo>> SelectSortedSeries(Database* db, const prometheus::Query& query,
                                                   const ChargeFn& charge) {
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, ToLabelMatchers(query));
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, db->Select(matchers));
  if (charge) {
    // The list and the job naming each series in it (a pointer and an index).
    size_t bytes = 0;
    for (const SeriesInfo& s : series) bytes += sizeof(SeriesInfo) + 16 + LabelsBytes(s.labels);
    if (!charge(bytes)) {
      return Status::ResourceExhausted("the " + std::to_string(series.size()) +
                                       " series the query selects do not fit the server's memory budget "
                                       "for reads; narrow its matchers");
    }
  }
  std::sort(series.begin(), series.end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return a.labels < b.labels; });
  return series;
}

namespace {

// Series are read on the caller's thread until this many samples have
// been, and then on threads only if at least kMinSeriesForThreads series
// are left: a short window over a hundred series (a few tens of thousands
// of samples, a millisecond or two of work) took several times longer on
// threads, each series handed over with a wake-up that, on a busy
// machine, waits for a core.
constexpr size_t kSamplesBeforeThreads = kReadSamplesBeforeThreads;
constexpr size_t kMinSeriesForThreads = 16;

// What a thread keeps of the buffer it gathers a series' fields in.
constexpr size_t kKeptFieldsBytes = 64 * 1024;

// The tag and length of a length-delimited field 1 (both
// ReadResponse.results and QueryResult.timeseries are field 1) of `bytes`
// bytes, so that series serialized on several threads join without being
// parsed again.
std::string Field1Header(size_t bytes) {
  std::string out;
  out.push_back(static_cast<char>((1 << 3) | 2));  // field 1, wire type LEN
  uint64_t n = bytes;
  while (n >= 0x80) {
    out.push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  return out;
}

struct SeriesSamples {
  Status status;
  std::string wire;  // a serialized TimeSeries; empty when nothing is in range
  size_t samples = 0;
};

// The samples of series `s` that `it` reads, as a TimeSeries's fields.
SeriesSamples SerializeSeries(SampleIterator* it, const SeriesInfo& s, const ChargeFn& charge,
                              const CancelToken* cancel) {
  SeriesSamples out;
  auto over_budget = [&out] {
    out.status = Status::ResourceExhausted(
        "the SAMPLES response does not fit the server's memory budget; ask for "
        "STREAMED_XOR_CHUNKS or a narrower query");
    return out;
  };
  if (!it->Valid()) {
    out.status = it->status();
    return out;
  }
  if (!charge(LabelsBytes(s.labels) + 64)) return over_budget();
  // The TimeSeries's fields, written as the samples come: its labels, then
  // its samples in batches, each charged before it is serialized so that
  // one huge series is refused before it is all in memory. A batch is
  // charged what its serialized form may take (kMaxSampleWireBytes a
  // sample, 18 or so in practice); the batch itself, reused, is transient.
  // Charging a full batch whatever it held overcharged a typical series of
  // a few thousand samples by half, and refused reads that fit.
  AppendLabelFields(s.labels, &out.wire);
  constexpr size_t kStep = 4096;
  std::vector<Sample> batch;
  batch.reserve(kStep);
  while (it->Valid()) {
    if (out.status = CheckCancel(cancel); !out.status.ok()) return out;
    batch.clear();
    it->NextBatch(kStep, &batch);
    if (!charge(batch.size() * kMaxSampleWireBytes)) return over_budget();
    AppendSampleFields(batch, &out.wire);
    out.samples += batch.size();
  }
  out.status = it->status();
  if (!out.status.ok()) out.wire.clear();
  return out;
}

// Series `s` in the query's range, read with a cursor of `cursors` (made
// from `db` when none is free) that goes back to them afterwards.
SeriesSamples ReadSeriesSamples(Database* db, ReusePool<SeriesCursor>* cursors, const prometheus::Query& q,
                                const SeriesInfo& s, const ChargeFn& charge, const CancelToken* cancel) {
  SeriesSamples out;
  if (out.status = CheckCancel(cancel); !out.status.ok()) return out;
  std::unique_ptr<SeriesCursor> cursor = cursors->Take();
  if (cursor == nullptr) {
    Result<std::unique_ptr<SeriesCursor>> made = db->NewSeriesCursor();
    if (!made.ok()) {
      out.status = made.status();
      return out;
    }
    cursor = std::move(*made);
  }
  out.status = cursor->Seek(s.id, q.start_timestamp_ms(), q.end_timestamp_ms());
  if (out.status.ok()) out = SerializeSeries(cursor.get(), s, charge, cancel);
  cursors->Give(std::move(cursor));
  return out;
}

}  // namespace

Status ReadSamples(Database* db, const prometheus::ReadRequest& req, const ChargeFn& charge, int threads,
                   SamplesAnswer* out, const CancelToken* cancel) {
  std::mutex charge_mu;
  const ChargeFn locked_charge = [&](size_t n) {
    std::lock_guard<std::mutex> lock(charge_mu);
    return charge(n);
  };
  ReusePool<SeriesCursor> cursors;
  for (const prometheus::Query& q : req.queries()) {
    std::vector<std::string> result;  // the QueryResult, in pieces
    size_t result_bytes = 0;
    std::vector<SeriesInfo> series;
    if (q.start_timestamp_ms() <= q.end_timestamp_ms()) {
      OT_ASSIGN_OR_RETURN(series, SelectSortedSeries(db, q, charge));
    }
    auto add = [&](SeriesSamples&& one) -> Status {
      OT_RETURN_IF_ERROR(one.status);
      if (one.wire.empty()) return Status::OK();
      result.push_back(Field1Header(one.wire.size()));
      result_bytes += result.back().size() + one.wire.size();
      result.push_back(std::move(one.wire));
      ++out->series;
      out->samples += one.samples;
      return Status::OK();
    };
    size_t next = 0;
    for (size_t read = 0; next < series.size() && read < kSamplesBeforeThreads; ++next) {
      SeriesSamples one = ReadSeriesSamples(db, &cursors, q, series[next], charge, cancel);
      read += one.samples;
      OT_RETURN_IF_ERROR(add(std::move(one)));
    }
    if (threads > 1 && series.size() - next >= kMinSeriesForThreads) {
      const size_t first = next;
      OrderedPipeline<SeriesSamples> pipeline(
          series.size() - first, threads, ChunkedReadStream::kAheadPerThread * static_cast<size_t>(threads),
          [&](size_t i) {
            return ReadSeriesSamples(db, &cursors, q, series[first + i], locked_charge, cancel);
          });
      while (std::optional<SeriesSamples> one = pipeline.Take()) OT_RETURN_IF_ERROR(add(std::move(*one)));
      next = series.size();
    }
    for (; next < series.size(); ++next) {
      OT_RETURN_IF_ERROR(add(ReadSeriesSamples(db, &cursors, q, series[next], charge, cancel)));
    }
    out->pieces.push_back(Field1Header(result_bytes));
    out->bytes += out->pieces.back().size() + result_bytes;
    for (std::string& piece : result) out->pieces.push_back(std::move(piece));
  }
  return Status::OK();
}

std::string SamplesAnswer::Joined() const {
  std::string out;
  out.reserve(bytes);
  for (const std::string& piece : pieces) out.append(piece);
  return out;
}

int ReadThreads() {
  // Asked once: hardware_concurrency() reads /sys on every call, which cost
  // a short read a fifth of its request handling.
  static const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  return threads;
}

ChunkedReadStream::ChunkedReadStream(Database* db, const prometheus::ReadRequest* req, size_t max_frame_bytes,
                                     int threads)
    : db_(db), req_(req), max_frame_bytes_(max_frame_bytes), threads_(std::max(1, threads)) {}

ChunkedReadStream::~ChunkedReadStream() = default;

Status ChunkedReadStream::Start(const ChargeFn& charge) {
  series_.resize(req_->queries_size());
  for (int i = 0; i < req_->queries_size(); ++i) {
    const prometheus::Query& q = req_->queries(i);
    if (q.start_timestamp_ms() > q.end_timestamp_ms()) continue;
    OT_ASSIGN_OR_RETURN(series_[i], SelectSortedSeries(db_, q, charge));
    for (const SeriesInfo& s : series_[i]) jobs_.push_back(Job{i, &s});
  }
  return Status::OK();
}

Result<bool> ChunkedReadStream::Next(std::string* out) {
  while (true) {
    // Threads once enough samples have been encoded here and enough series
    // are left (kSamplesBeforeThreads).
    if (!pipeline_ && threads_ > 1 && samples_encoded_ >= kSamplesBeforeThreads &&
        jobs_.size() - next_job_ >= kMinSeriesForThreads) {
      const size_t first = next_job_;
      // Series ahead bounded by their bytes, not their number: a series is
      // a few kilobytes where a frame may be a megabyte, and with room for
      // only a few series ahead every series cost a worker's wake-up. The
      // threads' series in progress add up to a frame each, so that what
      // is ahead stays within kAheadPerThread frames a thread.
      const size_t threads = static_cast<size_t>(threads_);
      pipeline_ = std::make_unique<OrderedPipeline<Frames>>(
          jobs_.size() - first, threads_, kSeriesAheadPerThread * threads,
          [this, first](size_t i) { return Encode(jobs_[first + i]); },
          (kAheadPerThread - 1) * threads * max_frame_bytes_,
          [](const Frames& frames) { return frames.bytes.size(); });
      next_job_ = jobs_.size();
    }
    if (!pipeline_) {
      // On this thread the frames go straight into *out.
      if (next_job_ == jobs_.size()) return false;
      const size_t before = out->size();
      size_t samples = 0;
      Status s = EncodeInto(jobs_[next_job_++], out, &samples);
      samples_encoded_ += samples;
      if (!s.ok()) {
        out->resize(before);
        return s;
      }
      if (out->size() == before) continue;  // nothing in range: no frame, as Prometheus does
      samples_sent_ += samples;
      ++series_sent_;
      return true;
    }
    std::optional<Frames> frames = pipeline_->Take();
    if (!frames) return false;
    OT_RETURN_IF_ERROR(frames->status);
    if (frames->bytes.empty()) continue;
    out->append(frames->bytes);
    samples_sent_ += frames->samples;
    ++series_sent_;
    return true;
  }
}

ChunkedReadStream::Frames ChunkedReadStream::Encode(const Job& job) const {
  Frames result;
  result.status = EncodeInto(job, &result.bytes, &result.samples);
  return result;
}

Status ChunkedReadStream::EncodeInto(const Job& job, std::string* out, size_t* samples) const {
  const prometheus::Query& q = req_->queries(job.query);
  const SeriesInfo& s = *job.series;
  // The series' fields (labels, then chunks) gather in `fields` until they
  // pass max_frame_bytes (counted as before: the labels, and each chunk's
  // data and 32 bytes), and go out as one frame.
  // The thread's buffer, kept across series: grown once, not per series.
  thread_local std::string fields;
  fields.clear();
  AppendLabelFields(s.labels, &fields);
  const size_t labels_end = fields.size();
  const size_t labels_bytes = LabelsBytes(s.labels);
  size_t frame_bytes = labels_bytes;
  bool pending = false;
  auto flush = [&] {
    AppendChunkedSeriesFrame(fields, job.query, out);
    fields.resize(labels_end);
    frame_bytes = labels_bytes;
    pending = false;
  };
  std::unique_ptr<XorChunkReader> reader = readers_.Take();
  if (reader == nullptr) reader = db_->NewXorChunkReader();
  // Sealed data comes as the chunks the database keeps for it, unchanged.
  Status status =
      reader->Scan(s.id, q.start_timestamp_ms(), q.end_timestamp_ms(), [&](const XorChunkView& chunk) {
        AppendXorChunkField(chunk.min_ts, chunk.max_ts, chunk.data, &fields);
        pending = true;
        *samples += chunk.samples;
        frame_bytes += chunk.data.size() + 32;
        if (frame_bytes >= max_frame_bytes_) flush();
        return Status::OK();
      });
  if (status.ok() && pending) flush();
  readers_.Give(std::move(reader));
  // A buffer grown by a large series (up to a frame) is not kept.
  if (fields.capacity() > kKeptFieldsBytes) std::string().swap(fields);
  return status;
}

}  // namespace overtone::adapters
