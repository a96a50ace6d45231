// A group's evaluation round (group_evaluator.h), as Prometheus's
// Group.Eval, and its aligned schedule, as Group.EvalTimestamp.

#include "adapters/rules/group_evaluator.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "adapters/promql/parser.h"

namespace overtone::rules {

int64_t GroupEvalTimestampNs(const std::string& name, const std::string& file, int64_t interval_ns,
                             int64_t now_ns) {
  if (interval_ns <= 0) return now_ns;
  // labels.New({file, path}, {name, name}).Hash(): the sorted label pairs
  // as "name\xffvalue\xff", hashed with xxhash64.
  std::string bytes = "file\xff" + file + "\xff" + "name\xff" + name + "\xff";
  uint64_t hash = XXH64(bytes.data(), bytes.size(), 0);
  auto offset = static_cast<int64_t>(hash % static_cast<uint64_t>(interval_ns));
  int64_t adjusted = now_ns - offset;
  int64_t base = adjusted - (adjusted % interval_ns);
  return base + offset;
}

namespace {

// The metric names the selectors of `e` read; false when one names none.
bool CollectNames(const promql::Expr& e, std::vector<std::string>* names) {
  if (e.kind == promql::Expr::Kind::kVectorSelector) {
    auto named = std::find_if(e.matchers.begin(), e.matchers.end(), [](const LabelMatcher& m) {
      return m.name == kMetricNameLabel && m.type == MatchType::kEqual;
    });
    if (named == e.matchers.end()) return false;
    names->push_back(named->value);
  }
  for (const promql::ExprPtr& a : e.args) {
    if (a && !CollectNames(*a, names)) return false;
  }
  return true;
}

// The metric names rule `r` writes.
std::vector<std::string> WrittenNames(const Rule& r) {
  if (r.is_alert()) return {"ALERTS", "ALERTS_FOR_STATE"};
  return {r.record};
}

}  // namespace

GroupEvaluator::GroupEvaluator(RuleGroup group, const EvalContext* context, int64_t default_interval_ms)
    : group_(std::move(group)),
      context_(context),
      interval_ms_(group_.interval_ms > 0 ? group_.interval_ms : default_interval_ms),
      status_(group_.rules.size()),
      previous_series_(group_.rules.size()) {
  for (const Rule& r : group_.rules) {
    alerting_.push_back(r.is_alert() ? std::make_unique<AlertingRule>(&r, context_) : nullptr);
    std::vector<std::string> names;
    auto e = promql::ParseExpr(r.expr);
    reads_any_.push_back(!e.ok() || !CollectNames(**e, &names));
    reads_.push_back(std::move(names));
  }
}

bool GroupEvaluator::MayRead(size_t i, const std::vector<std::string>& names) const {
  if (reads_any_[i]) return true;
  for (const std::string& n : names) {
    if (std::find(reads_[i].begin(), reads_[i].end(), n) != reads_[i].end()) return true;
  }
  return false;
}

int64_t GroupEvaluator::EvalTimestamp(int64_t now_ms) const {
  int64_t ns = GroupEvalTimestampNs(group_.name, group_.file, interval_ms_ * 1000000, now_ms * 1000000);
  return ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
}

void GroupEvaluator::CopyStateFrom(const GroupEvaluator& old) {
  auto key = [](const Rule& r) {
    std::string k = (r.is_alert() ? "alert\xff" : "record\xff") + r.name();
    for (const TemplatedLabel& l : r.labels) k += "\xff" + l.name + "=" + l.text;
    return k;
  };
  std::vector<bool> taken(old.group_.rules.size());
  for (size_t i = 0; i < group_.rules.size(); ++i) {
    for (size_t j = 0; j < old.group_.rules.size(); ++j) {
      if (taken[j] || key(group_.rules[i]) != key(old.group_.rules[j])) continue;
      taken[j] = true;
      if (alerting_[i] && old.alerting_[j]) alerting_[i]->CopyState(*old.alerting_[j]);
      previous_series_[i] = old.previous_series_[j];
      status_[i] = old.status_[j];
      break;
    }
  }
}

void GroupEvaluator::SetRestored(bool restored) {
  for (auto& a : alerting_) {
    if (a) a->set_restored(restored);
  }
}

size_t GroupEvaluator::RestoreForState(int64_t now_ms, const ForStateOptions& options,
                                       const LastSampleFunc& last_sample) {
  size_t n = 0;
  for (auto& a : alerting_) {
    if (a) n += a->RestoreForState(now_ms, options, last_sample);
  }
  return n;
}

Status GroupEvaluator::EvalRecording(const Rule& rule, int64_t ts_ms, const QueryFunc& query,
                                     std::vector<OutputSample>* out) {
  auto vec = QueryVector(query, rule.expr, ts_ms - group_.query_offset_ms);
  if (!vec.ok()) return vec.status();
  for (OutputSample& s : *vec) {
    Labels& l = s.labels;
    auto set = [&l](const std::string& name, const std::string& value) {
      std::erase_if(l, [&](const Label& x) { return x.name == name; });
      if (!value.empty()) l.push_back({name, value});
    };
    set(std::string(kMetricNameLabel), rule.record);
    for (const TemplatedLabel& x : rule.labels) set(x.name, x.text);
    NormalizeLabels(&l);
  }
  std::vector<const Labels*> sorted;
  sorted.reserve(vec->size());
  for (const OutputSample& s : *vec) sorted.push_back(&s.labels);
  std::sort(sorted.begin(), sorted.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i] == *sorted[i - 1]) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (group_.limit > 0 && static_cast<int64_t>(vec->size()) > group_.limit) {
    return Status::InvalidArgument("exceeded limit of " + std::to_string(group_.limit) + " with " +
                                   std::to_string(vec->size()) + " series");
  }
  for (OutputSample& s : *vec) out->push_back(std::move(s));
  return Status::OK();
}

void GroupEvaluator::Evaluate(int64_t ts_ms, const QueryFunc& query, const SampleSink& sink) {
  std::vector<OutputSample> pending;       // samples not yet handed to sink
  std::vector<std::string> pending_names;  // their metric names
  for (size_t i = 0; i < group_.rules.size(); ++i) {
    const Rule& rule = group_.rules[i];
    if (!pending.empty() && MayRead(i, pending_names)) {
      sink(pending);
      pending.clear();
      pending_names.clear();
    }
    auto start = std::chrono::steady_clock::now();
    std::vector<OutputSample> produced;
    Status s = alerting_[i]
                   ? alerting_[i]->Eval(ts_ms, group_.query_offset_ms, group_.limit, query, &produced)
                   : EvalRecording(rule, ts_ms, query, &produced);
    status_[i].last_evaluation_ms = ts_ms;
    status_[i].evaluation_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
            .count();
    if (!s.ok()) {
      // As Prometheus: the rule's series are left as they were (no staleness markers).
      status_[i].last_error = s.message();
      continue;
    }
    status_[i].last_error.clear();
    std::vector<const Labels*> returned;
    returned.reserve(produced.size());
    for (const OutputSample& o : produced) returned.push_back(&o.labels);
    std::sort(returned.begin(), returned.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
    returned.erase(std::unique(returned.begin(), returned.end(),
                               [](const Labels* a, const Labels* b) { return *a == *b; }),
                   returned.end());
    std::vector<Labels>& previous = previous_series_[i];
    bool same = previous.size() == returned.size() &&
                std::equal(previous.begin(), previous.end(), returned.begin(),
                           [](const Labels& a, const Labels* b) { return a == *b; });
    if (!same) {
      // A series the rule stopped returning ends with a staleness marker.
      std::vector<Labels> now;
      now.reserve(returned.size());
      for (const Labels* l : returned) now.push_back(*l);
      for (const Labels& gone : previous) {
        if (!std::binary_search(now.begin(), now.end(), gone)) {
          produced.push_back({gone, ts_ms - group_.query_offset_ms, StaleNaN()});
        }
      }
      previous = std::move(now);
    }
    if (produced.empty()) continue;
    if (pending.empty()) {
      pending = std::move(produced);
    } else {
      pending.insert(pending.end(), std::make_move_iterator(produced.begin()),
                     std::make_move_iterator(produced.end()));
    }
    for (std::string& n : WrittenNames(rule)) pending_names.push_back(std::move(n));
  }
  if (!pending.empty()) sink(pending);
}

}  // namespace overtone::rules
