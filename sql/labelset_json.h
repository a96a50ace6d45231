// Label sets as canonical JSON text, for PromQL evaluated in SQL.
//
// A "labelset" is a series' complete label set, __name__ included, written
// as a flat JSON object with keys in byte order and nothing but the needed
// escapes: {"__name__":"up","instance":"h1","job":"api"}. Equal label sets
// therefore have equal text, so SQL can GROUP BY, JOIN and compare them as
// plain strings. (The `labels` column of the tables leaves __name__ out;
// labelset(metric, labels) builds the full one.)

#ifndef OVERTONE_SQL_LABELSET_JSON_H_
#define OVERTONE_SQL_LABELSET_JSON_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::sql {

// Sorted by name, names unique, no empty values.
using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// Parses a flat JSON object of string values ("" and "{}" are empty).
// Keys are sorted and empty values dropped, so any such object reads back
// canonical.
Result<LabelPairs> ParseLabelsetJson(std::string_view json);

// The canonical text of a label set. REQUIRES: sorted, unique names.
std::string LabelsetJson(const LabelPairs& labels);
std::string LabelsetJson(const Labels& labels);

// Sets (or with an empty value, removes) one label, keeping the order.
void SetLabel(LabelPairs* labels, std::string_view name, std::string_view value);
std::string_view GetLabelValue(const LabelPairs& labels, std::string_view name);

// Prometheus's labels.String(): {__name__="up", job="api"}, {} when empty.
std::string LabelsetText(const LabelPairs& labels);

// A label set's JSON exactly as LabelsetJson writes it (no spaces, names
// strictly ascending, no empty value, no byte that would be escaped), cut
// into its members: so that a subset of its labels (a match signature, a
// group's key, a result's label set) is cut out of the text, not parsed
// into strings and written again (11% of a `rate / rate` over 1,000 series
// a side). False for any other text, which callers then parse.
struct LabelsetMember {
  std::string_view name;
  std::string_view text;  // "name":"value"
};
bool CanonicalLabelsetMembers(std::string_view json, std::vector<LabelsetMember>* out);
// The JSON of the members whose names are in `names` (keep) or are not
// (drop): LabelsetJson of the labels so kept.
std::string LabelsetMembersJson(const std::vector<LabelsetMember>& members,
                                const std::vector<std::string>& names, bool keep);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_LABELSET_JSON_H_
