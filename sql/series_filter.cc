#include "sql/series_filter.h"

#include "engine/matcher_set.h"
#include "sql/selector_arg.h"
#include "sql/vtab_common.h"

namespace overtone::sql {

int PlanSeriesConstraints(sqlite3_index_info* info, const SeriesColumns& cols, int* next_arg) {
  int at[3] = {-1, -1, -1};
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (c.iColumn == cols.series_id) at[0] = i;
    if (c.iColumn == cols.metric) at[1] = i;
    if (c.iColumn == cols.selector) at[2] = i;
  }
  int plan = 0;
  for (int s = 0; s < 3; ++s) {
    if (at[s] < 0) continue;
    plan |= 1 << s;
    info->aConstraintUsage[at[s]].argvIndex = ++*next_arg;
    info->aConstraintUsage[at[s]].omit = s == 2;
  }
  return plan;
}

Status ReadSelectorConstraint(sqlite3_value* v, SeriesFilter* filter) {
  // Before the NULL test: a pointer value's SQL type is NULL.
  if (const std::vector<LabelMatcher>* bound = SelectorPointer(v)) {
    filter->selector = *bound;
    filter->selector_text = ToString(*bound);
  } else if (sqlite3_value_type(v) == SQLITE_NULL) {
    filter->empty = true;  // nothing equals NULL
  } else {
    filter->selector_text = TextOf(v);
    OT_ASSIGN_OR_RETURN(filter->selector, ParseSelector(filter->selector_text));
  }
  return Status::OK();
}

Status ReadSeriesConstraints(int plan, sqlite3_value** argv, int argc, int* arg, SeriesFilter* filter) {
  for (int s = 0; s < 3; ++s) {
    if (!(plan & (1 << s)) || *arg >= argc) continue;
    sqlite3_value* v = argv[(*arg)++];
    if (s == 0) {
      if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
        filter->id = static_cast<SeriesId>(sqlite3_value_int64(v));
      } else {
        filter->empty = true;  // ids are integers: nothing else equals one
      }
    } else if (s == 2) {
      OT_RETURN_IF_ERROR(ReadSelectorConstraint(v, filter));
    } else if (sqlite3_value_type(v) == SQLITE_NULL) {
      filter->empty = true;  // nothing equals NULL
    } else {
      filter->metric = TextOf(v);
    }
  }
  return Status::OK();
}

Result<std::vector<SeriesInfo>> ResolveSeries(Database* db, const SeriesFilter& filter) {
  std::vector<SeriesInfo> out;
  if (filter.empty) return out;
  std::vector<LabelMatcher> matchers;
  if (filter.selector) matchers = *filter.selector;
  if (filter.metric) {
    matchers.push_back(LabelMatcher{MatchType::kEqual, std::string(kMetricNameLabel), *filter.metric});
  }
  if (filter.id) {
    auto info = db->GetSeries(*filter.id);
    if (!info.ok()) {
      if (info.status().IsNotFound()) return out;
      return info.status();
    }
    // The other constraints still apply to the one series.
    auto compiled = engine::CompileAll(matchers);
    if (!compiled.ok()) return compiled.status();
    if (engine::MatchesAll(*compiled, info->labels)) out.push_back(std::move(*info));
    return out;
  }
  return db->Select(matchers);
}

Result<std::vector<SeriesInfo>> FilterSeries(Database* db, int plan, int argc, sqlite3_value** argv,
                                             std::string* selector, SeriesFilter* filter) {
  SeriesFilter local;
  if (filter == nullptr) filter = &local;
  *filter = SeriesFilter{};
  selector->clear();
  int arg = 0;
  OT_RETURN_IF_ERROR(ReadSeriesConstraints(plan, argv, argc, &arg, filter));
  *selector = filter->selector_text;
  return ResolveSeries(db, *filter);
}

}  // namespace overtone::sql
