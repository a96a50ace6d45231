#include "adapters/prometheus/remote_read.h"

#include <algorithm>

#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/xor_chunk.h"

namespace overtone::adapters {
namespace {

void CopyLabels(const Labels& in, google::protobuf::RepeatedPtrField<prometheus::Label>* out) {
  out->Reserve(static_cast<int>(in.size()));
  for (const Label& l : in) {
    prometheus::Label* p = out->Add();
    p->set_name(l.name);
    p->set_value(l.value);
  }
}

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

Result<std::vector<SeriesInfo>> SelectSortedSeries(Database* db, const prometheus::Query& query) {
  OT_ASSIGN_OR_RETURN(std::vector<LabelMatcher> matchers, ToLabelMatchers(query));
  OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, db->Select(matchers));
  std::sort(series.begin(), series.end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return a.labels < b.labels; });
  return series;
}

Status ReadSamples(Database* db, const prometheus::ReadRequest& req, const ChargeFn& charge,
                   prometheus::ReadResponse* out, const CancelToken* cancel) {
  auto over_budget = [] {
    return Status::ResourceExhausted(
        "the SAMPLES response does not fit the server's memory budget; ask for "
        "STREAMED_XOR_CHUNKS or a narrower query");
  };
  for (const prometheus::Query& q : req.queries()) {
    prometheus::QueryResult* result = out->add_results();
    if (q.start_timestamp_ms() > q.end_timestamp_ms()) continue;
    OT_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, SelectSortedSeries(db, q));
    for (const SeriesInfo& s : series) {
      OT_RETURN_IF_ERROR(CheckCancel(cancel));
      OT_ASSIGN_OR_RETURN(std::unique_ptr<SampleIterator> it,
                          db->Scan(s.id, q.start_timestamp_ms(), q.end_timestamp_ms()));
      if (!it->Valid()) {
        OT_RETURN_IF_ERROR(it->status());
        continue;
      }
      if (!charge(LabelsBytes(s.labels) + 64)) return over_budget();
      prometheus::TimeSeries* ts = result->add_timeseries();
      CopyLabels(s.labels, ts->mutable_labels());
      // Charge in steps so that one huge series is refused before it is
      // all in memory; ~24 bytes per sample in the message and the output.
      constexpr int kStep = 4096;
      int room = 0;
      for (; it->Valid(); it->Next()) {
        if (room == 0) {
          if (!charge(kStep * 24)) return over_budget();
          OT_RETURN_IF_ERROR(CheckCancel(cancel));
          room = kStep;
        }
        --room;
        Sample smp = it->sample();
        prometheus::Sample* p = ts->add_samples();
        p->set_timestamp(smp.ts);
        p->set_value(smp.value);
      }
      OT_RETURN_IF_ERROR(it->status());
    }
  }
  return Status::OK();
}

Status ChunkedReadStream::Start() {
  series_.resize(req_->queries_size());
  for (int i = 0; i < req_->queries_size(); ++i) {
    const prometheus::Query& q = req_->queries(i);
    if (q.start_timestamp_ms() > q.end_timestamp_ms()) continue;
    OT_ASSIGN_OR_RETURN(series_[i], SelectSortedSeries(db_, q));
  }
  return Status::OK();
}

Result<bool> ChunkedReadStream::Next(std::string* out) {
  while (true) {
    if (query_ >= static_cast<int>(series_.size())) return false;
    if (next_series_ >= series_[query_].size()) {
      series_[query_].clear();
      series_[query_].shrink_to_fit();
      ++query_;
      next_series_ = 0;
      continue;
    }
    const prometheus::Query& q = req_->queries(query_);
    const SeriesInfo& s = series_[query_][next_series_++];
    OT_ASSIGN_OR_RETURN(std::unique_ptr<SampleIterator> it,
                        db_->Scan(s.id, q.start_timestamp_ms(), q.end_timestamp_ms()));

    prometheus::ChunkedReadResponse frame;
    frame.set_query_index(query_);
    prometheus::ChunkedSeries* cs = frame.add_chunked_series();
    CopyLabels(s.labels, cs->mutable_labels());
    const size_t labels_bytes = LabelsBytes(s.labels);
    size_t frame_bytes = labels_bytes;
    bool any = false;
    std::string msg;
    auto flush = [&] {
      msg.clear();
      frame.SerializeToString(&msg);
      AppendChunkedFrame(msg, out);
      cs->clear_chunks();
      frame_bytes = labels_bytes;
    };
    std::vector<Sample> chunk;
    chunk.reserve(kXorChunkSamples);
    while (it->Valid()) {
      chunk.clear();
      for (; it->Valid() && chunk.size() < kXorChunkSamples; it->Next()) chunk.push_back(it->sample());
      prometheus::Chunk* c = cs->add_chunks();
      c->set_min_time_ms(chunk.front().ts);
      c->set_max_time_ms(chunk.back().ts);
      c->set_type(prometheus::Chunk::XOR);
      OT_RETURN_IF_ERROR(EncodeXorChunk(chunk, c->mutable_data()));
      samples_sent_ += chunk.size();
      frame_bytes += c->data().size() + 32;
      any = true;
      if (frame_bytes >= max_frame_bytes_) flush();
    }
    OT_RETURN_IF_ERROR(it->status());
    if (cs->chunks_size() > 0) flush();
    if (!any) continue;  // nothing in range: no frame, as Prometheus does
    ++series_sent_;
    return true;
  }
}

}  // namespace overtone::adapters
