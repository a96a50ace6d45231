// The `labels` column: a JSON object of the series' labels without __name__,
// keys sorted, e.g. {"instance":"h1:9100","job":"node"}. SQLite's JSON
// functions work on it: json_extract(labels, '$.job').

#ifndef OVERTONE_SQL_LABELS_JSON_H_
#define OVERTONE_SQL_LABELS_JSON_H_

#include <string>
#include <string_view>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::sql {

std::string LabelsToJson(const Labels& labels);

// Builds a series' labels from a metric name and a JSON object text of
// string values ("" or NULL text means no labels). A "__name__" key in the
// JSON must agree with `metric` when both are given.
// The result is normalized and validated.
Result<Labels> LabelsFromSql(std::string_view metric, bool has_metric, std::string_view json);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_LABELS_JSON_H_
