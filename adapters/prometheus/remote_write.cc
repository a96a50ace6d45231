#include "adapters/prometheus/remote_write.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <cctype>

#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/proto/write_v2.pb.h"

namespace overtone::adapters {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Sorts, refuses duplicate names (before empty values are dropped, so
// {a="x", a=""} is a duplicate too), drops empty values, validates.
Status CheckLabels(Labels* labels) {
  if (!std::is_sorted(labels->begin(), labels->end())) std::sort(labels->begin(), labels->end());
  for (size_t i = 1; i < labels->size(); ++i) {
    if ((*labels)[i - 1].name == (*labels)[i].name) {
      return Status::InvalidArgument("duplicate label name \"" + (*labels)[i].name + "\" in " +
                                     LabelsToString(*labels));
    }
  }
  NormalizeLabels(labels);
  return ValidateLabels(*labels);
}

// Prometheus's names of the metric types, as /api/v1/metadata shows them;
// both protocols number them alike.
std::string TypeName(int type) {
  static constexpr const char* kNames[] = {"unknown",        "counter", "gauge", "histogram",
                                           "gaugehistogram", "summary", "info",  "stateset"};
  return type >= 0 && type < 8 ? kNames[type] : "unknown";
}

// A 2.0 series' family: its metric name, without the suffix a histogram's
// or summary's series add.
std::string FamilyOf(std::string_view name, int type) {
  if (type == 3 || type == 4 || type == 5) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() > suffix.size() && name.ends_with(suffix))
        return std::string(name.substr(0, name.size() - suffix.size()));
    }
  }
  return std::string(name);
}

void Refuse(DecodedWrite* out, size_t samples, const Status& why) {
  if (out->series_rejected == 0) out->first_problem = why.message();
  ++out->series_rejected;
  out->samples_rejected += samples;
}

// Whether `fields` holds a field other than number `except`. A request of
// the other protocol version parses without error, as a message whose
// fields are all unknown: written as such, it would be a 2xx that stored
// nothing.
bool HasUnknownFieldOtherThan(const google::protobuf::UnknownFieldSet& fields, int except) {
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() != except) return true;
  }
  return false;
}

// Arena allocation: one free for the whole decoded message instead of one
// per label string.
google::protobuf::ArenaOptions ArenaFor(size_t body_size) {
  google::protobuf::ArenaOptions o;
  o.start_block_size = std::clamp<size_t>(body_size * 2, 4096, 8u << 20);
  o.max_block_size = 8u << 20;
  return o;
}

Status DecodeV1(std::string_view body, DecodedWrite* out) {
  google::protobuf::Arena arena(ArenaFor(body.size()));
  auto* req = google::protobuf::Arena::CreateMessage<prometheus::WriteRequest>(&arena);
  if (!req->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("body is not a valid prometheus.WriteRequest protobuf");
  }
  // Field 3 is 1.0's metadata, which Prometheus sends in requests of its own.
  if (req->timeseries_size() == 0 &&
      HasUnknownFieldOtherThan(req->GetReflection()->GetUnknownFields(*req), 3)) {
    return Status::InvalidArgument(
        "body has no prometheus.WriteRequest fields: a remote write 2.0 body sent as 1.0? 2.0 "
        "takes Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request");
  }
  for (const prometheus::MetricMetadata& m : req->metadata()) {
    if (!IsValidMetricName(m.metric_family_name())) continue;
    out->metadata.push_back(MetricMetadata{m.metric_family_name(), TypeName(m.type()), m.help(), m.unit()});
  }
  Labels labels;
  std::vector<Sample> samples;
  for (const prometheus::TimeSeries& ts : req->timeseries()) {
    out->histograms += ts.histograms_size();
    out->exemplars += ts.exemplars_size();
    if (ts.samples_size() == 0) continue;
    labels = Labels();
    labels.reserve(ts.labels_size());
    for (const prometheus::Label& l : ts.labels()) labels.push_back(Label{l.name(), l.value()});
    if (Status s = CheckLabels(&labels); !s.ok()) {
      Refuse(out, ts.samples_size(), s);
      continue;
    }
    samples.clear();
    for (const prometheus::Sample& s : ts.samples()) samples.push_back(Sample{s.timestamp(), s.value()});
    out->batch.Add(std::move(labels), samples);  // `labels` is rebuilt for the next series
  }
  return Status::OK();
}

// A 2.0 series' metadata, when it says something and its references are
// in the symbol table.
void AddSeriesMetadata(const io::prometheus::write::v2::TimeSeries& ts,
                       const google::protobuf::RepeatedPtrField<std::string>& symbols, DecodedWrite* out) {
  const auto& m = ts.metadata();
  const auto size = static_cast<uint32_t>(symbols.size());
  if ((m.type() == 0 && m.help_ref() == 0 && m.unit_ref() == 0) || m.help_ref() >= size ||
      m.unit_ref() >= size) {
    return;
  }
  const auto& refs = ts.labels_refs();
  for (int i = 0; i + 1 < refs.size(); i += 2) {
    if (refs[i] >= size || refs[i + 1] >= size || symbols[refs[i]] != kMetricNameLabel) continue;
    std::string family = FamilyOf(symbols[refs[i + 1]], m.type());
    // A family's series usually come one after another: keep one entry.
    if (!IsValidMetricName(family) || (!out->metadata.empty() && out->metadata.back().metric == family))
      return;
    out->metadata.push_back(
        MetricMetadata{std::move(family), TypeName(m.type()), symbols[m.help_ref()], symbols[m.unit_ref()]});
    return;
  }
}

Status DecodeV2(std::string_view body, DecodedWrite* out) {
  namespace v2 = io::prometheus::write::v2;
  google::protobuf::Arena arena(ArenaFor(body.size()));
  auto* req = google::protobuf::Arena::CreateMessage<v2::Request>(&arena);
  if (!req->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("body is not a valid io.prometheus.write.v2.Request protobuf");
  }
  if (req->timeseries_size() == 0 && req->symbols_size() == 0 &&
      HasUnknownFieldOtherThan(req->GetReflection()->GetUnknownFields(*req), 0)) {
    return Status::InvalidArgument(
        "body has no io.prometheus.write.v2.Request fields: a remote write 1.0 body sent as 2.0? "
        "1.0 takes Content-Type: application/x-protobuf");
  }
  const auto& symbols = req->symbols();
  Labels labels;
  std::vector<Sample> samples;
  for (const v2::TimeSeries& ts : req->timeseries()) {
    out->histograms += ts.histograms_size();
    out->exemplars += ts.exemplars_size();
    if (ts.has_metadata()) AddSeriesMetadata(ts, symbols, out);
    if (ts.samples_size() == 0) continue;
    const auto& refs = ts.labels_refs();
    if (refs.size() % 2 != 0) {
      Refuse(out, ts.samples_size(),
             Status::InvalidArgument("labels_refs has an odd length (" + std::to_string(refs.size()) + ")"));
      continue;
    }
    labels = Labels();
    labels.reserve(refs.size() / 2);
    bool in_range = true;
    for (int i = 0; i < refs.size(); i += 2) {
      if (refs[i] >= static_cast<uint32_t>(symbols.size()) ||
          refs[i + 1] >= static_cast<uint32_t>(symbols.size())) {
        in_range = false;
        break;
      }
      labels.push_back(Label{symbols[refs[i]], symbols[refs[i + 1]]});
    }
    if (!in_range) {
      Refuse(out, ts.samples_size(),
             Status::InvalidArgument("a label reference is past the end of the " +
                                     std::to_string(symbols.size()) + "-entry symbol table"));
      continue;
    }
    if (Status s = CheckLabels(&labels); !s.ok()) {
      Refuse(out, ts.samples_size(), s);
      continue;
    }
    samples.clear();
    for (const v2::Sample& s : ts.samples()) samples.push_back(Sample{s.timestamp(), s.value()});
    out->batch.Add(std::move(labels), samples);  // `labels` is rebuilt for the next series
  }
  return Status::OK();
}

}  // namespace

Result<WriteProtocol> WriteProtocolFromContentType(std::string_view content_type) {
  std::string ct = Lower(content_type);
  std::string_view rest = ct;
  if (Trim(rest).empty()) return WriteProtocol::kV1;  // 1.0 senders may omit it
  size_t semi = rest.find(';');
  std::string_view media = Trim(rest.substr(0, semi));
  if (media != "application/x-protobuf") {
    return Status::NotSupported("unsupported Content-Type \"" + std::string(content_type) +
                                "\": remote write takes application/x-protobuf (1.0) or "
                                "application/x-protobuf;proto=io.prometheus.write.v2.Request (2.0)");
  }
  WriteProtocol p = WriteProtocol::kV1;
  while (semi != std::string_view::npos) {
    rest.remove_prefix(semi + 1);
    semi = rest.find(';');
    std::string_view param = Trim(rest.substr(0, semi));
    if (param.substr(0, 6) != "proto=") continue;
    std::string_view proto = Trim(param.substr(6));
    if (proto == "prometheus.writerequest") {
      p = WriteProtocol::kV1;
    } else if (proto == "io.prometheus.write.v2.request") {
      p = WriteProtocol::kV2;
    } else {
      return Status::NotSupported("unsupported remote write message \"" + std::string(proto) +
                                  "\": supported are prometheus.WriteRequest and "
                                  "io.prometheus.write.v2.Request");
    }
  }
  return p;
}

Status DecodeWriteRequest(WriteProtocol protocol, std::string_view body, DecodedWrite* out) {
  return protocol == WriteProtocol::kV1 ? DecodeV1(body, out) : DecodeV2(body, out);
}

WriteResult ApplyWrite(Database* db, const DecodedWrite& decoded) {
  WriteResult r;
  if (!decoded.batch.empty()) {
    r.status = db->Write(decoded.batch);
    if (!r.status.ok()) return r;
    r.samples_written = decoded.batch.num_samples();
  }
  if (!decoded.metadata.empty()) {
    r.status = db->PutMetadata(decoded.metadata);
    if (!r.status.ok()) return r;
  }
  std::string problems;
  if (decoded.series_rejected > 0) {
    problems = "refused " + std::to_string(decoded.series_rejected) + " series (" +
               std::to_string(decoded.samples_rejected) +
               " samples), the first because: " + decoded.first_problem;
  }
  if (decoded.histograms > 0) {
    if (!problems.empty()) problems += "; ";
    problems += "refused " + std::to_string(decoded.histograms) +
                " native histogram samples: overtone stores float samples only";
  }
  if (!problems.empty()) {
    r.status =
        Status::InvalidArgument("wrote " + std::to_string(r.samples_written) + " samples; " + problems);
  }
  return r;
}

}  // namespace overtone::adapters
