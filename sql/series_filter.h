// Choosing the series a virtual-table scan visits, from the constraints
// SQLite pushed down: series_id = ?, metric = ?, selector = ?.

#ifndef OVERTONE_SQL_SERIES_FILTER_H_
#define OVERTONE_SQL_SERIES_FILTER_H_

#include <optional>
#include <string>
#include <vector>

#include "overtone/database.h"

namespace overtone::sql {

struct SeriesFilter {
  std::optional<SeriesId> id;
  std::optional<std::string> metric;
  std::optional<std::string> selector;  // a PromQL series selector
  bool empty = false;                   // a constraint no series can meet
};

// The matching series, ascending by id. A bad selector is InvalidArgument.
Result<std::vector<SeriesInfo>> ResolveSeries(Database* db, const SeriesFilter& filter);

}  // namespace overtone::sql

#endif  // OVERTONE_SQL_SERIES_FILTER_H_
