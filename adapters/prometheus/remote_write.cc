#include "adapters/prometheus/remote_write.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <climits>
#include <cstring>
#include <span>

#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/proto/write_v2.pb.h"
#include "adapters/prometheus/series_id_cache.h"

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

// A 2.0 series' metadata (its type, help and unit references), when it
// says something and its references are in the symbol table. `Symbols` is
// the parsed message's symbol table or the in-place walk's views of it.
template <typename Symbols>
void AddSeriesMetadata(int type, uint32_t help_ref, uint32_t unit_ref, std::span<const uint32_t> refs,
                       const Symbols& symbols, DecodedWrite* out) {
  const auto size = static_cast<uint32_t>(symbols.size());
  if ((type == 0 && help_ref == 0 && unit_ref == 0) || help_ref >= size || unit_ref >= size) return;
  for (size_t i = 0; i + 1 < refs.size(); i += 2) {
    if (refs[i] >= size || refs[i + 1] >= size || symbols[refs[i]] != kMetricNameLabel) continue;
    std::string family = FamilyOf(symbols[refs[i + 1]], type);
    // A family's series usually come one after another: keep one entry.
    if (!IsValidMetricName(family) || (!out->metadata.empty() && out->metadata.back().metric == family))
      return;
    out->metadata.push_back(MetricMetadata{std::move(family), TypeName(type), std::string(symbols[help_ref]),
                                           std::string(symbols[unit_ref])});
    return;
  }
}

// A series' key in a SeriesIdCache (series_id_cache.h): where its bytes
// are, in the body or in the decoder's scratch.
struct KeyRef {
  SeriesId id;  // known series: the cached id; new ones: 0 until written
  uint64_t hash;
  uint32_t off, len;
  size_t slot;  // new series: the batch's label set it is (WriteWithIds' ids)
};

// What the cached decoding adds to DecodedWrite: samples of the series the
// cache knew, and the keys to remember or forget after the write.
struct CachedDecode {
  SeriesIdCache* cache = nullptr;
  std::vector<Database::KnownSample> known;
  std::vector<KeyRef> known_keys;  // one per known series (not per sample)
  std::vector<KeyRef> new_keys;    // one per label set added to the batch
  std::string scratch;             // 2.0: the keys, encoded as 1.0 labels
  std::string_view key_base;       // what KeyRef::off counts from
  // The 2.0 walk's: views of the symbol table in the body, one series'
  // label references, and where each series' bytes are.
  std::vector<std::string_view> symbols;
  std::vector<uint32_t> refs;
  std::vector<std::pair<int, int>> series;  // (offset, length)
  // The in-place walks' series with samples, in the request's order: the
  // walk notes them, then their keys are looked up in the cache together
  // (SeriesIdCache::FindMany, whose cache misses overlap) and each is
  // taken by id or added to the batch (TakePending).
  struct PendingSeries {
    uint32_t key_off = 0, key_len = 0;            // key_len 0: none (no labels, or 2.0 references refused)
    uint32_t samples_begin = 0, samples_end = 0;  // in pending_samples
    uint32_t refs_begin = 0, refs_end = 0;        // 2.0: in refs
  };
  std::vector<PendingSeries> pending;
  std::vector<Sample> pending_samples;
  std::vector<SeriesIdCache::Lookup> lookups;

  std::string_view Key(const KeyRef& k) const { return key_base.substr(k.off, k.len); }
  // Empties every buffer for the next decoding, keeping its memory unless
  // it grew past kKeptBytes (a large request).
  void Reset(SeriesIdCache* c) {
    cache = c;
    pending_hash = 0;
    key_base = {};
    Empty(known), Empty(known_keys), Empty(new_keys), Empty(scratch);
    Empty(symbols), Empty(refs), Empty(series);
    Empty(pending), Empty(pending_samples), Empty(lookups);
  }
  // Looks `key` (at off in key_base) up; on a hit, takes `samples` as
  // known and returns true.
  bool TakeIfKnown(uint32_t off, uint32_t len, std::span<const Sample> samples) {
    const uint64_t h = cache->Hash(key_base.substr(off, len));
    const SeriesId id = cache->Find(h, key_base.substr(off, len));
    pending_hash = h;
    if (id == 0) return false;
    known_keys.push_back(KeyRef{id, h, off, len, 0});
    for (const Sample& s : samples) known.push_back(Database::KnownSample{id, s});
    return true;
  }
  // After a miss whose labels were added to `batch`.
  void NoteNew(uint32_t off, uint32_t len, const WriteBatch& batch) {
    new_keys.push_back(KeyRef{0, pending_hash, off, len, batch.num_series() - 1});
  }
  uint64_t pending_hash = 0;

 private:
  // What a buffer may keep between requests, outside the memory limit's
  // accounting (requests are charged while they run): a 2,000-sample
  // request's keys take about 200 KiB.
  static constexpr size_t kKeptBytes = size_t{256} << 10;
  template <typename Buffer>
  static void Empty(Buffer& b) {
    if (b.capacity() * sizeof(b[0]) > kKeptBytes) {
      Buffer().swap(b);
    } else {
      b.clear();
    }
  }
};

// The decoding's buffers, kept by each receiving thread from one request
// to the next (each at most kKeptBytes, a few hundred KiB a thread). Made afresh for each request, the 2.0
// walk's key buffer alone was a block of 64 KiB or more allocated, grown and freed per request, and each such
// free emptied the allocator's small-block lists (malloc_consolidate), making every label string after it
// slower.
CachedDecode& ThreadDecode(SeriesIdCache* cache) {
  thread_local CachedDecode d;
  d.Reset(cache);
  return d;
}

namespace wire = google::protobuf::internal;
using WireFormat = wire::WireFormatLite;

// Appends a 2.0 series' key: its labels as 1.0 encodes them (a Label
// message, field 1 of the TimeSeries, each), leaving out empty fields as
// proto3 serializers do. Sized first and written in place: appending the
// dozen pieces of a series one by one was a tenth of the 2.0 receiver's
// work at 1M series.
template <typename Symbols>
void AppendSeriesKey(std::span<const uint32_t> refs, const Symbols& symbols, std::string* out) {
  using google::protobuf::io::CodedOutputStream;
  const auto field_size = [](std::string_view b) {
    return b.empty() ? 0 : 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(b.size())) + b.size();
  };
  size_t total = 0;
  for (size_t i = 0; i < refs.size(); i += 2) {
    const size_t inner = field_size(symbols[refs[i]]) + field_size(symbols[refs[i + 1]]);
    total += 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(inner)) + inner;
  }
  const size_t at = out->size();
  out->resize(at + total);
  auto* p = reinterpret_cast<uint8_t*>(out->data() + at);
  const auto field = [&p](uint8_t tag, std::string_view bytes) {
    if (bytes.empty()) return;
    *p++ = tag;
    p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(bytes.size()), p);
    std::memcpy(p, bytes.data(), bytes.size());
    p += bytes.size();
  };
  constexpr uint8_t kField1 = WireFormat::MakeTag(1, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint8_t kField2 = WireFormat::MakeTag(2, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  for (size_t i = 0; i < refs.size(); i += 2) {
    const std::string_view name = symbols[refs[i]], value = symbols[refs[i + 1]];
    *p++ = kField1;
    p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(field_size(name) + field_size(value)),
                                                p);
    field(kField1, name);
    field(kField2, value);
  }
}

// One 2.0 series with samples, from its label references: refused, added
// to the batch, or (with `cached`, a key the cache knows) taken by id.
template <typename Symbols>
void AddSeriesV2(std::span<const uint32_t> refs, const Symbols& symbols, std::span<const Sample> samples,
                 DecodedWrite* out, CachedDecode* cached) {
  if (refs.size() % 2 != 0) {
    Refuse(out, samples.size(),
           Status::InvalidArgument("labels_refs has an odd length (" + std::to_string(refs.size()) + ")"));
    return;
  }
  const auto size = static_cast<uint32_t>(symbols.size());
  const bool in_range = std::all_of(refs.begin(), refs.end(), [&](uint32_t r) { return r < size; });
  if (!in_range) {
    Refuse(out, samples.size(),
           Status::InvalidArgument("a label reference is past the end of the " + std::to_string(size) +
                                   "-entry symbol table"));
    return;
  }
  uint32_t key_off = 0, key_len = 0;
  if (cached != nullptr && !refs.empty()) {
    key_off = static_cast<uint32_t>(cached->scratch.size());
    AppendSeriesKey(refs, symbols, &cached->scratch);
    key_len = static_cast<uint32_t>(cached->scratch.size()) - key_off;
    cached->key_base = cached->scratch;
    if (cached->TakeIfKnown(key_off, key_len, samples)) return;
  }
  Labels labels;
  labels.reserve(refs.size() / 2);
  for (size_t i = 0; i < refs.size(); i += 2)
    labels.push_back(Label{std::string(symbols[refs[i]]), std::string(symbols[refs[i + 1]])});
  if (Status s = CheckLabels(&labels); !s.ok()) {
    Refuse(out, samples.size(), s);
    return;
  }
  out->batch.Add(std::move(labels), samples);
  if (key_len != 0) cached->NoteNew(key_off, key_len, out->batch);
}

Status DecodeV2(std::string_view body, DecodedWrite* out, CachedDecode* cached = nullptr) {
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
  std::vector<Sample> samples;
  for (const v2::TimeSeries& ts : req->timeseries()) {
    out->histograms += ts.histograms_size();
    out->exemplars += ts.exemplars_size();
    const std::span<const uint32_t> refs(ts.labels_refs().data(), ts.labels_refs().size());
    if (ts.has_metadata()) {
      const auto& m = ts.metadata();
      AddSeriesMetadata(m.type(), m.help_ref(), m.unit_ref(), refs, symbols, out);
    }
    if (ts.samples_size() == 0) continue;
    samples.clear();
    for (const v2::Sample& s : ts.samples()) samples.push_back(Sample{s.timestamp(), s.value()});
    AddSeriesV2(refs, symbols, samples, out, cached);
  }
  if (cached != nullptr) cached->key_base = cached->scratch;
  return Status::OK();
}

// Parses one Label message's name and value; false for anything else in it.
bool ReadLabel(google::protobuf::io::CodedInputStream* in, Label* label) {
  while (const uint32_t tag = in->ReadTag()) {
    if (tag == WireFormat::MakeTag(1, WireFormat::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormat::ReadBytes(in, &label->name)) return false;
    } else if (tag == WireFormat::MakeTag(2, WireFormat::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormat::ReadBytes(in, &label->value)) return false;
    } else {
      return false;
    }
  }
  return in->ConsumedEntireMessage();
}

// A 1.0 series' labels from its key (its Label fields as they came).
bool LabelsOfKey(std::string_view key, Labels* labels) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(key.data()),
                                            static_cast<int>(key.size()));
  while (in.ReadTag() != 0) {  // every tag in a key is field 1's
    int len = 0;
    if (!in.ReadVarintSizeAsInt(&len)) return false;
    const auto limit = in.PushLimit(len);
    Label& l = labels->emplace_back();
    if (!ReadLabel(&in, &l)) return false;
    in.PopLimit(limit);
  }
  return in.ConsumedEntireMessage();
}

// One Sample message (value = 1, timestamp = 2).
bool ReadSample(google::protobuf::io::CodedInputStream* in, Sample* sample) {
  while (const uint32_t tag = in->ReadTag()) {
    if (tag == WireFormat::MakeTag(1, WireFormat::WIRETYPE_FIXED64)) {
      uint64_t bits = 0;
      if (!in->ReadLittleEndian64(&bits)) return false;
      sample->value = std::bit_cast<double>(bits);
    } else if (tag == WireFormat::MakeTag(2, WireFormat::WIRETYPE_VARINT)) {
      uint64_t ts = 0;
      if (!in->ReadVarint64(&ts)) return false;
      sample->ts = static_cast<int64_t>(ts);
    } else {
      return false;
    }
  }
  return in->ConsumedEntireMessage();
}

// One 1.0 TimeSeries of labels then samples, walked in place and noted
// in d->pending: a known series (its label bytes in the cache) costs a
// hash and a comparison, no label strings. False for any other shape
// (exemplars, histograms, unknown fields, labels after samples, bad wire
// data): the whole request then takes the full parser, which answers it
// as before.
bool WalkSeriesV1(google::protobuf::io::CodedInputStream* in, CachedDecode* d) {
  constexpr uint32_t kLabelTag = WireFormat::MakeTag(1, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kSampleTag = WireFormat::MakeTag(2, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  int key_begin = -1, key_end = -1;
  const auto samples_begin = static_cast<uint32_t>(d->pending_samples.size());
  for (int at = in->CurrentPosition();; at = in->CurrentPosition()) {
    const uint32_t tag = in->ReadTag();
    if (tag == 0) break;
    int len = 0;
    if ((tag != kLabelTag && tag != kSampleTag) || !in->ReadVarintSizeAsInt(&len)) return false;
    if (tag == kLabelTag) {
      if (key_begin < 0) key_begin = at;
      if (key_end >= 0 && key_end != at) return false;  // labels interleaved with samples
      if (!in->Skip(len)) return false;
      key_end = in->CurrentPosition();
    } else {
      const auto limit = in->PushLimit(len);
      Sample& sample = d->pending_samples.emplace_back(Sample{0, 0});
      if (!ReadSample(in, &sample)) return false;
      in->PopLimit(limit);
    }
  }
  if (!in->ConsumedEntireMessage()) return false;
  const auto samples_end = static_cast<uint32_t>(d->pending_samples.size());
  if (samples_end == samples_begin) return true;
  CachedDecode::PendingSeries& p = d->pending.emplace_back();
  p.key_off = key_begin < 0 ? 0 : static_cast<uint32_t>(key_begin);
  p.key_len = key_begin < 0 ? 0 : static_cast<uint32_t>(key_end - key_begin);
  p.samples_begin = samples_begin;
  p.samples_end = samples_end;
  return true;
}

// After a walk: looks every noted series' key up in the cache at once,
// then, in the request's order, takes each known series' samples by id or
// adds the series by its labels (1.0: parsed from the key; 2.0: from its
// references, refused as AddSeriesV2 refuses). False when a 1.0 key does
// not parse (the full parser answers the request).
bool TakePending(WriteProtocol protocol, DecodedWrite* out, CachedDecode* d) {
  d->lookups.clear();
  for (const CachedDecode::PendingSeries& p : d->pending) {
    if (p.key_len == 0) continue;
    const std::string_view key = d->key_base.substr(p.key_off, p.key_len);
    d->lookups.push_back(SeriesIdCache::Lookup{d->cache->Hash(key), key});
  }
  d->cache->FindMany(d->lookups);
  size_t looked_up = 0;
  for (const CachedDecode::PendingSeries& p : d->pending) {
    const std::span<const Sample> samples(d->pending_samples.data() + p.samples_begin,
                                          p.samples_end - p.samples_begin);
    uint64_t hash = 0;
    if (p.key_len != 0) {
      const SeriesIdCache::Lookup& l = d->lookups[looked_up++];
      hash = l.hash;
      if (l.id != 0) {
        d->known_keys.push_back(KeyRef{l.id, hash, p.key_off, p.key_len, 0});
        for (const Sample& s : samples) d->known.push_back(Database::KnownSample{l.id, s});
        continue;
      }
    }
    const size_t series_before = out->batch.num_series();
    if (protocol == WriteProtocol::kV1) {
      Labels labels;
      if (!LabelsOfKey(d->key_base.substr(p.key_off, p.key_len), &labels)) return false;
      if (Status s = CheckLabels(&labels); !s.ok()) {
        Refuse(out, samples.size(), s);
        continue;
      }
      out->batch.Add(std::move(labels), samples);
    } else {
      const std::span<const uint32_t> refs(d->refs.data() + p.refs_begin, p.refs_end - p.refs_begin);
      AddSeriesV2(refs, d->symbols, samples, out, nullptr);
    }
    if (p.key_len != 0 && out->batch.num_series() > series_before)
      d->new_keys.push_back(KeyRef{0, hash, p.key_off, p.key_len, out->batch.num_series() - 1});
  }
  return true;
}

// A 1.0 request of time series only (no metadata), walked in place; false
// when it is not that, or not well formed (see WalkSeriesV1).
bool WalkV1(std::string_view body, DecodedWrite* out, CachedDecode* d) {
  if (body.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  in.SetTotalBytesLimit(INT_MAX);
  d->key_base = body;
  while (const uint32_t tag = in.ReadTag()) {
    int len = 0;
    if (tag != WireFormat::MakeTag(1, WireFormat::WIRETYPE_LENGTH_DELIMITED) || !in.ReadVarintSizeAsInt(&len))
      return false;
    const auto limit = in.PushLimit(len);
    if (!WalkSeriesV1(&in, d)) return false;
    in.PopLimit(limit);
  }
  return in.ConsumedEntireMessage() && TakePending(WriteProtocol::kV1, out, d);
}

// One 2.0 Metadata message (type = 1, help_ref = 3, unit_ref = 4).
bool ReadMetadataV2(google::protobuf::io::CodedInputStream* in, int* type, uint32_t* help_ref,
                    uint32_t* unit_ref) {
  while (const uint32_t tag = in->ReadTag()) {
    uint32_t v = 0;
    if (WireFormat::GetTagWireType(tag) != WireFormat::WIRETYPE_VARINT || !in->ReadVarint32(&v)) return false;
    switch (WireFormat::GetTagFieldNumber(tag)) {
      case 1: *type = static_cast<int>(v); break;
      case 3: *help_ref = v; break;
      case 4: *unit_ref = v; break;
      default: return false;
    }
  }
  return in->ConsumedEntireMessage();
}

// A packed field of label references [p, end): varints, each cut to 32
// bits as CodedInputStream::ReadVarint32 cuts them. Decoded here rather
// than a varint at a time through the stream (a limit checked per call):
// the references are most of a 2.0 series' bytes.
bool ReadPackedRefs(const uint8_t* p, const uint8_t* end, std::vector<uint32_t>* out) {
  while (p < end) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (p == end || shift == 70) return false;  // cut short, or longer than 10 bytes
      const uint8_t b = *p++;
      v |= uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) break;
    }
    out->push_back(static_cast<uint32_t>(v));
  }
  return true;
}

// One 2.0 TimeSeries of packed label references, samples and at most one
// metadata, walked in place (the references and samples appended to d's
// reused vectors), its key built and the series noted in d->pending. False
// for any other shape (histograms, exemplars, unpacked references, unknown
// fields, bad wire data): the request then takes the full parser.
bool WalkSeriesV2(std::string_view bytes, DecodedWrite* out, CachedDecode* d) {
  constexpr uint32_t kRefsTag = WireFormat::MakeTag(1, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kSampleTag = WireFormat::MakeTag(2, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kMetadataTag = WireFormat::MakeTag(5, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  const auto refs_begin = static_cast<uint32_t>(d->refs.size());
  const auto samples_begin = static_cast<uint32_t>(d->pending_samples.size());
  bool has_metadata = false;
  int type = 0;
  uint32_t help_ref = 0, unit_ref = 0;
  while (const uint32_t tag = in.ReadTag()) {
    int len = 0;
    if ((tag != kRefsTag && tag != kSampleTag && tag != kMetadataTag) || !in.ReadVarintSizeAsInt(&len))
      return false;
    if (tag == kRefsTag) {
      const int at = in.CurrentPosition();
      if (len > static_cast<int>(bytes.size()) - at) return false;
      const auto* refs = reinterpret_cast<const uint8_t*>(bytes.data()) + at;
      if (!ReadPackedRefs(refs, refs + len, &d->refs) || !in.Skip(len)) return false;
      continue;
    }
    const auto limit = in.PushLimit(len);
    if (tag == kSampleTag) {
      Sample& sample = d->pending_samples.emplace_back(Sample{0, 0});
      if (!ReadSample(&in, &sample)) return false;
    } else {
      if (has_metadata) return false;  // a second one merges into the first: the parser's business
      has_metadata = true;
      if (!ReadMetadataV2(&in, &type, &help_ref, &unit_ref)) return false;
    }
    in.PopLimit(limit);
  }
  if (!in.ConsumedEntireMessage()) return false;
  const std::span<const uint32_t> refs(d->refs.data() + refs_begin, d->refs.size() - refs_begin);
  if (has_metadata) AddSeriesMetadata(type, help_ref, unit_ref, refs, d->symbols, out);
  const auto samples_end = static_cast<uint32_t>(d->pending_samples.size());
  if (samples_end == samples_begin) {
    d->refs.resize(refs_begin);
    return true;
  }
  CachedDecode::PendingSeries& p = d->pending.emplace_back();
  p.samples_begin = samples_begin;
  p.samples_end = samples_end;
  p.refs_begin = refs_begin;
  p.refs_end = static_cast<uint32_t>(d->refs.size());
  // A key only for references TakePending will not refuse (AddSeriesV2's checks).
  const auto size = static_cast<uint32_t>(d->symbols.size());
  if (!refs.empty() && refs.size() % 2 == 0 &&
      std::all_of(refs.begin(), refs.end(), [&](uint32_t r) { return r < size; })) {
    p.key_off = static_cast<uint32_t>(d->scratch.size());
    AppendSeriesKey(refs, d->symbols, &d->scratch);
    p.key_len = static_cast<uint32_t>(d->scratch.size()) - p.key_off;
  }
  return true;
}

// A 2.0 request walked in place: first the symbol table (views into the
// body) and where each series is, in whatever order they come, then each
// series. False when it is not that shape or not well formed (see
// WalkSeriesV2).
bool WalkV2(std::string_view body, DecodedWrite* out, CachedDecode* d) {
  constexpr uint32_t kSymbolTag = WireFormat::MakeTag(4, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  constexpr uint32_t kSeriesTag = WireFormat::MakeTag(5, WireFormat::WIRETYPE_LENGTH_DELIMITED);
  if (body.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  in.SetTotalBytesLimit(INT_MAX);
  d->symbols.clear();
  d->series.clear();
  while (const uint32_t tag = in.ReadTag()) {
    int len = 0;
    if ((tag != kSymbolTag && tag != kSeriesTag) || !in.ReadVarintSizeAsInt(&len)) return false;
    const int at = in.CurrentPosition();
    if (!in.Skip(len)) return false;
    if (tag == kSymbolTag) {
      d->symbols.push_back(body.substr(at, len));
    } else {
      d->series.emplace_back(at, len);
    }
  }
  if (!in.ConsumedEntireMessage()) return false;
  d->scratch.reserve(body.size());
  for (const auto& [at, len] : d->series) {
    if (!WalkSeriesV2(body.substr(at, len), out, d)) return false;
  }
  d->key_base = d->scratch;
  return TakePending(WriteProtocol::kV2, out, d);
}

// The metadata, and the reply's problems, after the samples are written.
WriteResult FinishWrite(Database* db, const DecodedWrite& decoded, WriteResult r) {
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
  return FinishWrite(db, decoded, std::move(r));
}

Result<WriteResult> DecodeAndWrite(Database* db, SeriesIdCache* cache, WriteProtocol protocol,
                                   std::string_view body, DecodedWrite* out) {
  // A known series found stale by the write (deleted, or gone cold) is
  // forgotten and the request decoded again, that series then by its
  // labels; a second round can only meet series deleted meanwhile.
  for (int round = 0; round < 3; ++round) {
    *out = DecodedWrite();
    CachedDecode& d = ThreadDecode(cache);
    if (protocol == WriteProtocol::kV1) {
      if (!WalkV1(body, out, &d)) break;  // the full parser answers it
    } else if (!WalkV2(body, out, &d)) {
      // The parser answers it, still through the cache.
      *out = DecodedWrite();
      d.Reset(cache);
      OT_RETURN_IF_ERROR(DecodeV2(body, out, &d));
    }
    std::vector<SeriesId> ids, stale;
    WriteResult r;
    r.status = db->WriteWithIds(out->batch, d.known, &ids, &stale);
    if (!stale.empty()) {
      for (const KeyRef& k : d.known_keys) {
        if (std::binary_search(stale.begin(), stale.end(), k.id)) cache->Erase(k.hash, d.Key(k), k.id);
      }
      continue;
    }
    if (!r.status.ok()) return r;
    r.samples_written = out->batch.num_samples() + d.known.size();
    for (const KeyRef& k : d.new_keys) cache->Insert(k.hash, d.Key(k), ids[k.slot]);
    return FinishWrite(db, *out, std::move(r));
  }
  *out = DecodedWrite();
  OT_RETURN_IF_ERROR(DecodeWriteRequest(protocol, body, out));
  return ApplyWrite(db, *out);
}

}  // namespace overtone::adapters
