// The data model: series identified by label sets, samples of (ms, float64).
//
// A series is a set of labels, the metric name being the label `__name__`.
// Label names match [a-zA-Z_][a-zA-Z0-9_]*; values are UTF-8. A label with an
// empty value is the same as no label at all (Prometheus's rule), so writers
// drop such labels before a series is identified.
//
// Values are IEEE-754 doubles stored and returned bit for bit: NaN payloads,
// ±Inf and Prometheus's staleness marker (bits 0x7ff0000000000002) included.

#ifndef OVERTONE_TYPES_H_
#define OVERTONE_TYPES_H_

#include <bit>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace overtone {

using SeriesId = uint64_t;

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;

  auto operator<=>(const Label&) const = default;
  bool operator==(const Label&) const = default;
};

// Sorted by name, names unique, no empty values once normalized.
using Labels = std::vector<Label>;

struct Sample {
  int64_t ts = 0;  // milliseconds since the Unix epoch
  double value = 0;

  bool operator==(const Sample& o) const {
    // Bitwise, so NaN == NaN with the same payload: what "lossless" means.
    return ts == o.ts && std::bit_cast<uint64_t>(value) == std::bit_cast<uint64_t>(o.value);
  }
};

inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;

// The NaN that "NaN" in text means everywhere in overtone: Prometheus's
// (Go's math.NaN()), so values that travel through Prometheus and back keep
// their bits. Other NaN payloads are stored as they come.
inline constexpr uint64_t kNaNBits = 0x7ff8000000000001ull;
inline double PrometheusNaN() { return std::bit_cast<double>(kNaNBits); }

inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

// The value of label `name`, or "" when absent.
std::string_view GetLabel(const Labels& labels, std::string_view name);

// Sorts by name and drops empty-valued labels. Does not validate.
void NormalizeLabels(Labels* labels);
// Whether NormalizeLabels would leave `labels` as they are.
bool IsNormalized(const Labels& labels);

// OK when names are valid and unique, values are valid UTF-8 and a metric
// name is present. REQUIRES: labels normalized.
class Status;
Status ValidateLabels(const Labels& labels);

// The one rule for label names, Prometheus 2.x's: [a-zA-Z_][a-zA-Z0-9_]*.
// What remote write may store, import may read and PromQL may create
// (label_replace, label_join, count_values) all pass through it.
bool IsValidLabelName(std::string_view name);
bool IsValidMetricName(std::string_view name);  // [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidUtf8(std::string_view s);

// Prometheus-style rendering: metric{a="b", c="d"}.
std::string LabelsToString(const Labels& labels);

}  // namespace overtone

#endif  // OVERTONE_TYPES_H_
