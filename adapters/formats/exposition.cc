#include "adapters/formats/exposition.h"

#include <algorithm>

namespace overtone::adapters {
namespace {

// Sets each extra label on `labels`, replacing one of the same name.
void SetLabels(const Labels& extra, Labels* labels) {
  for (const Label& e : extra) {
    auto it = std::find_if(labels->begin(), labels->end(), [&](const Label& l) { return l.name == e.name; });
    if (it != labels->end()) {
      it->value = e.value;
    } else {
      labels->push_back(e);
    }
  }
  NormalizeLabels(labels);
}

}  // namespace

void MetadataCollector::Add(const ParsedLine& line) {
  auto it = families_.find(line.family);
  if (it == families_.end()) {
    it = families_.emplace(std::string(line.family), MetricMetadata{}).first;
    it->second.metric = std::string(line.family);
  }
  MetricMetadata& m = it->second;
  switch (line.keyword) {
    case ParsedLine::Keyword::kHelp: m.help = UnescapeHelp(line.text); break;
    case ParsedLine::Keyword::kType:
      m.type = line.text == "untyped" ? "unknown" : std::string(line.text);
      break;
    case ParsedLine::Keyword::kUnit: m.unit = std::string(line.text); break;
  }
}

std::vector<MetricMetadata> MetadataCollector::Entries() const {
  std::vector<MetricMetadata> out;
  out.reserve(families_.size());
  for (const auto& [name, m] : families_) {
    out.push_back(m);
    if (out.back().type.empty()) out.back().type = "unknown";  // HELP without TYPE
  }
  return out;
}

Status ParseExposition(std::string_view body, const ExpositionOptions& options, ParsedExposition* out) {
  TextLineParser parser(options.format);
  parser.set_default_timestamp(options.default_ts_ms);
  MetadataCollector metadata;
  ParsedLine parsed;
  Labels labels;
  std::string_view last_series;
  bool have_last = false;
  size_t line_no = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    Status s = parser.ParseLine(line, &parsed);
    if (s.ok() && parsed.kind == ParsedLine::Kind::kSample) {
      // Consecutive samples of one series (the usual case) parse its labels once.
      if (!have_last || parsed.series != last_series) {
        s = TextLineParser::ParseSeries(parsed.series, &labels);
        if (s.ok()) SetLabels(options.extra_labels, &labels);
        if (s.ok()) s = ValidateLabels(labels);
        last_series = parsed.series;
        have_last = s.ok();
      }
      if (s.ok()) out->batch.Add(labels, parsed.ts, parsed.value);
    } else if (s.ok() && parsed.kind == ParsedLine::Kind::kMetadata) {
      metadata.Add(parsed);
    }
    if (!s.ok()) return s.WithContext("line " + std::to_string(line_no));
  }
  out->lines = line_no;
  OT_RETURN_IF_ERROR(parser.Finish().WithContext("line " + std::to_string(line_no)));
  out->metadata = metadata.Entries();
  return Status::OK();
}

}  // namespace overtone::adapters
