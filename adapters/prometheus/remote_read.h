// Remote read: a prometheus.ReadRequest answered from the engine, as one
// SAMPLES ReadResponse or as STREAMED_XOR_CHUNKS frames. No HTTP here:
// read_endpoint.h handles headers, status codes and streaming.
//
// Each query selects series with its matchers (EQ, NEQ, RE, NRE, with the
// engine's Prometheus semantics) and returns their samples in
// [start_timestamp_ms, end_timestamp_ms], both ends included. Series come
// sorted by label set as Prometheus sorts them, series without samples in
// the range are left out, and hints are ignored.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/prometheus/ordered_pipeline.h"
#include "adapters/prometheus/proto/remote.pb.h"
#include "overtone/cancel.h"
#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::adapters {

enum class ReadResponseType { kSamples, kStreamedXorChunks };

// The database's readers or cursors of one remote read, kept for the next
// thread that needs one: each is made on demand, used by one thread at a
// time and given back, so that a read of many series makes one a thread
// (one snapshot and one set of storage cursors) instead of one a series.
template <typename T>
class ReusePool {
 public:
  // A kept one, or null when none is free (the caller makes one).
  std::unique_ptr<T> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return nullptr;
    std::unique_ptr<T> t = std::move(free_.back());
    free_.pop_back();
    return t;
  }
  void Give(std::unique_ptr<T> t) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(t));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> free_;
};

inline constexpr std::string_view kStreamedContentType =
    "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

// Prometheus's default for --storage.remote.read-max-bytes-in-frame.
inline constexpr size_t kDefaultMaxFrameBytes = 1 << 20;

// The first of the client's accepted response types that overtone
// implements; SAMPLES when the list is empty. InvalidArgument when none is.
Result<ReadResponseType> NegotiateReadResponse(const prometheus::ReadRequest& req);

Result<std::vector<LabelMatcher>> ToLabelMatchers(const prometheus::Query& query);

// Called with the number of bytes about to be added to a response; false
// refuses them (the read fails with ResourceExhausted).
using ChargeFn = std::function<bool(size_t)>;

// The series a query selects, sorted by labels (Prometheus's order). With
// `charge`, the list (ids and label sets) is charged as the read's working
// memory: ResourceExhausted when it does not fit.
Result<std::vector<SeriesInfo>> SelectSortedSeries(Database* db, const prometheus::Query& query,
                                                   const ChargeFn& charge = nullptr);

// A SAMPLES answer: the serialized prometheus.ReadResponse (before snappy),
// in pieces that joined in order are the message, and what it holds. Each
// series' bytes stay where they were written: joining a response of
// hundreds of megabytes into one string (twice, once per nesting level)
// cost more than writing it (SnappyCompress takes the pieces as they are).
struct SamplesAnswer {
  std::vector<std::string> pieces;
  size_t bytes = 0;  // of every piece together
  size_t series = 0;
  size_t samples = 0;

  std::string Joined() const;
};

// A read goes on threads only after its first series have given this many
// samples (see remote_read.cc).
inline constexpr size_t kReadSamplesBeforeThreads = 64 * 1024;

// Answers every query of `req` into *out. With `threads` > 1, once a
// query's first series have given 64 Ki samples and enough series are
// left, the rest are read and serialized on that many threads, up to two a
// thread ahead, and joined in order; `charge` is then called from those
// threads, one call at a time. A cancelled `cancel` stops it (checked per
// series and every few thousand samples).
Status ReadSamples(Database* db, const prometheus::ReadRequest& req, const ChargeFn& charge, int threads,
                   SamplesAnswer* out, const CancelToken* cancel = nullptr);

// Produces a STREAMED_XOR_CHUNKS body one series at a time, so memory stays
// at about one frame whatever the result size. Chunks hold up to 120
// samples; a series whose chunks pass max_frame_bytes continues in further
// frames.
class ChunkedReadStream {
 public:
  // REQUIRES: db and req outlive the stream. `threads` > 1 encodes series
  // ahead on that many threads (OrderedPipeline), up to 2 × threads frames'
  // worth and 32 × threads series, once
  // the first series have given 64 Ki samples and enough series are left
  // to pay for the threads; frames still go out in series order. See
  // ReadThreads().
  ChunkedReadStream(Database* db, const prometheus::ReadRequest* req,
                    size_t max_frame_bytes = kDefaultMaxFrameBytes, int threads = 1);
  ~ChunkedReadStream();

  // Selects every query's series, so that bad matchers (an invalid regular
  // expression) fail here, before a response status is sent. With `charge`,
  // the series lists are charged (SelectSortedSeries).
  // REQUIRES: called once, before Next().
  Status Start(const ChargeFn& charge = nullptr);

  // Appends the frames of the next series that has samples to *out.
  // false when every query is done. REQUIRES: Start() returned OK.
  Result<bool> Next(std::string* out);

  size_t series_sent() const { return series_sent_; }
  // Whether the series left are being encoded on threads.
  bool threaded() const { return pipeline_ != nullptr; }
  size_t samples_sent() const { return samples_sent_; }

  // How many series may be encoded ahead of the one being sent, per thread:
  // what a caller reserves memory for (frames of that many series).
  static constexpr size_t kAheadPerThread = 2;
  // And at most this many series a thread, however small.
  static constexpr size_t kSeriesAheadPerThread = 32;

 private:
  // One series of one query, and what encoding it gave.
  struct Job {
    int query;
    const SeriesInfo* series;
  };
  struct Frames {
    Status status;
    std::string bytes;  // the series' frames; empty when it has no samples in range
    size_t samples = 0;
  };
  // Appends the frames of the job's series to *out (partly on error) and
  // adds its samples to *samples.
  Status EncodeInto(const Job& job, std::string* out, size_t* samples) const;
  Frames Encode(const Job& job) const;

  Database* db_;
  // Readers of the series' chunks (Database::NewXorChunkReader), one per
  // thread encoding at a time; held until the stream ends.
  mutable ReusePool<XorChunkReader> readers_;
  const prometheus::ReadRequest* req_;
  size_t max_frame_bytes_;
  int threads_;
  std::vector<std::vector<SeriesInfo>> series_;  // per query, sorted
  std::vector<Job> jobs_;                        // every query's series, in answer order
  size_t next_job_ = 0;                          // when encoding on the caller's thread
  size_t samples_encoded_ = 0;                   // on the caller's thread
  // After readers_: its threads are stopped before the readers go.
  std::unique_ptr<OrderedPipeline<Frames>> pipeline_;
  size_t series_sent_ = 0;
  size_t samples_sent_ = 0;
};

// Threads for a remote read's encoding: this machine's cores, at most 4.
int ReadThreads();

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_READ_H_
