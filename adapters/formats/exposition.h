// A whole text exposition body (Prometheus text format 0.0.4 or OpenMetrics)
// parsed at once into samples and metric metadata, for the push endpoints:
// all or nothing, so that a bad line writes nothing.
//
//   ExpositionOptions o;
//   o.default_ts_ms = now_ms;                       // samples without a timestamp
//   o.extra_labels = {{"job", "backup"}};           // added to every series
//   ParsedExposition parsed;
//   Status s = ParseExposition(body, o, &parsed);   // "line 3: column 9: ..."
//   db->Write(parsed.batch); db->PutMetadata(parsed.metadata);
//
// MetadataCollector gathers `# TYPE`, `# HELP` and `# UNIT` lines per metric
// family; the importer uses it too.

#ifndef OVERTONE_ADAPTERS_FORMATS_EXPOSITION_H_
#define OVERTONE_ADAPTERS_FORMATS_EXPOSITION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/openmetrics_parser.h"
#include "overtone/database.h"
#include "overtone/status.h"

namespace overtone::adapters {

// The metadata lines of a text, per family: a later line of a family
// replaces the same keyword's earlier one. The Prometheus text format's
// "untyped" is stored as "unknown", as Prometheus reports it.
class MetadataCollector {
 public:
  // REQUIRES: line.kind == ParsedLine::Kind::kMetadata.
  void Add(const ParsedLine& line);
  bool empty() const { return families_.empty(); }
  std::vector<MetricMetadata> Entries() const;

 private:
  std::map<std::string, MetricMetadata, std::less<>> families_;
};

struct ExpositionOptions {
  TextFormat format = TextFormat::kPrometheus;
  std::optional<int64_t> default_ts_ms;  // unset: a sample without a timestamp is an error
  // Set on every series, replacing a label of the same name the text gives.
  Labels extra_labels;
};

struct ParsedExposition {
  WriteBatch batch;
  std::vector<MetricMetadata> metadata;
  size_t lines = 0;
};

// Parses every line of `body`; InvalidArgument naming the first bad line
// ("line N: ..."), with *out then incomplete and not to be written.
Status ParseExposition(std::string_view body, const ExpositionOptions& options, ParsedExposition* out);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_EXPOSITION_H_
