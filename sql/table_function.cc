#include "sql/table_function.h"

#include <algorithm>
#include <iterator>
#include <new>

#include "sql/labels_json.h"
#include "sql/labelset_json.h"
#include "sql/plan_cost.h"
#include "sql/selector_arg.h"
#include "sql/value_repr.h"
#include "sql/vtab_common.h"

namespace overtone::sql {

int PlanFunctionArgs(sqlite3_index_info* info, int first_arg, int num_args) {
  int at[kMaxFunctionArgs];
  std::fill(at, at + kMaxFunctionArgs, -1);
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    int a = c.iColumn - first_arg;
    if (a < 0 || a >= num_args || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) return SQLITE_CONSTRAINT;
    at[a] = i;
  }
  int plan = 0, n = 0;
  for (int a = 0; a < num_args; ++a) {
    if (at[a] < 0) continue;
    plan |= 1 << a;
    info->aConstraintUsage[at[a]].argvIndex = ++n;
    info->aConstraintUsage[at[a]].omit = 1;
  }
  info->idxNum = plan;
  // A call evaluates a selector: the series it picks, over the call's steps.
  info->estimatedCost = PlanCost(kSelectorEq, kRowsFunctionCall);
  return SQLITE_OK;
}

void FunctionArgs::Clear() {
  for (sqlite3_value*& v : values_) {
    sqlite3_value_free(v);
    v = nullptr;
  }
  std::fill(std::begin(selectors_), std::end(selectors_), nullptr);
}

void FunctionArgs::Take(int plan, int num_args, int argc, sqlite3_value** argv) {
  Clear();
  int arg = 0;
  for (int a = 0; a < num_args && arg < argc; ++a) {
    if (!(plan & (1 << a))) continue;
    sqlite3_value* given = argv[arg++];
    selectors_[a] = SelectorPointer(given);
    values_[a] = sqlite3_value_dup(given);
    if (values_[a] == nullptr && given != nullptr) throw std::bad_alloc();
  }
}

Result<std::vector<LabelMatcher>> FunctionArgs::Selector(int a) const {
  if (selectors_[a] != nullptr) return *selectors_[a];
  return ParseSelector(TextOf(values_[a]));
}

void FunctionArgs::Echo(sqlite3_context* ctx, int a) const {
  if (selectors_[a] != nullptr) {
    ResultText(ctx, ToString(*selectors_[a]));
  } else if (values_[a] != nullptr) {
    sqlite3_result_value(ctx, values_[a]);
  }
}

namespace {
// Bytes charged at a time: one atomic add per few thousand rows.
constexpr size_t kChargeStep = 64 << 10;
}  // namespace

LabelPairs SeriesLabelPairs(const Labels& labels) {
  LabelPairs pairs;
  pairs.reserve(labels.size());
  for (const Label& l : labels) {
    if (!l.value.empty()) pairs.emplace_back(l.name, l.value);
  }
  if (!std::is_sorted(pairs.begin(), pairs.end())) std::sort(pairs.begin(), pairs.end());
  return pairs;
}

std::string SeriesLabelsetJson(const Labels& labels) { return LabelsetJson(SeriesLabelPairs(labels)); }

const CancelToken* SeriesPointsCursor::token() const {
  return base.pVtab == nullptr ? nullptr : reinterpret_cast<const OvertoneVtab*>(base.pVtab)->cancel;
}

void SeriesPointsCursor::ReleaseCharged() {
  if (charged_ > 0 && token() != nullptr) token()->ReleaseMemory(charged_);
  charged_ = 0;
  uncharged_ = 0;
}

void SeriesPointsCursor::Start(int plan, int num_args, int argc, sqlite3_value** argv) {
  ReleaseCharged();
  rows.clear();
  pos = 0;
  series.clear();
  labels_json.clear();
  labelset_json.clear();
  args.Take(plan, num_args, argc, argv);
}

Status SeriesPointsCursor::Add(const SeriesInfo& s, int64_t ts, int64_t sample_ts, double value) {
  if (series.empty() || series.back().id != s.id) {
    series.push_back(s);
    labels_json.push_back(LabelsToJson(s.labels));
    labelset_json.push_back(SeriesLabelsetJson(s.labels));
    uncharged_ += sizeof(SeriesInfo) + 2 * sizeof(std::string) + 2 * labels_json.back().size() +
                  labelset_json.back().size();
  }
  rows.push_back(SeriesPoint{series.size() - 1, ts, sample_ts, value});
  uncharged_ += sizeof(SeriesPoint);
  if (uncharged_ >= kChargeStep) {
    const CancelToken* t = token();
    if (t != nullptr) {
      if (!t->ChargeMemory(uncharged_)) return t->status();
      charged_ += uncharged_;
    }
    uncharged_ = 0;
  }
  return Status::OK();
}

void SeriesPointsCursor::ResultLabelset(sqlite3_context* ctx) const {
  ResultText(ctx, labelset_json[row().series]);
}

bool SeriesPointsCursor::ResultSharedColumn(sqlite3_context* ctx, int col, int first_arg,
                                            int num_args) const {
  const SeriesPoint& p = row();
  switch (col) {
    case kColSeriesId:
      sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(series[p.series].id));
      return true;
    case kColMetric: {
      for (const Label& l : series[p.series].labels) {
        if (l.name == kMetricNameLabel) {
          ResultString(ctx, l.value);
          return true;
        }
      }
      ResultText(ctx, "");
      return true;
    }
    case kColLabels: ResultString(ctx, labels_json[p.series]); return true;
    case kColTs: sqlite3_result_int64(ctx, p.ts); return true;
    case kColValue: ResultValue(ctx, p.value); return true;
  }
  if (col >= first_arg && col < first_arg + num_args) {
    args.Echo(ctx, col - first_arg);
    return true;
  }
  return false;
}

}  // namespace overtone::sql
