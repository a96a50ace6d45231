// The alert state machine of alerting_rule.h, step for step as
// Prometheus's AlertingRule.Eval.

#include "adapters/rules/alerting_rule.h"

#include <set>
#include <string>
#include <utility>

namespace overtone::rules {
namespace {

void SetLabel(Labels* labels, std::string_view name, std::string value) {
  for (auto it = labels->begin(); it != labels->end(); ++it) {
    if (it->name == name) {
      if (value.empty()) {
        labels->erase(it);  // an empty value removes the label, as labels.Builder does
      } else {
        it->value = std::move(value);
      }
      return;
    }
  }
  if (value.empty()) return;
  labels->push_back({std::string(name), std::move(value)});
  NormalizeLabels(labels);
}

}  // namespace

Labels ForStateLabels(const Alert& a) {
  Labels l = a.labels;
  SetLabel(&l, kMetricNameLabel, "ALERTS_FOR_STATE");
  return l;
}

const char* AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    default: return "firing";
  }
}

Result<std::vector<OutputSample>> QueryVector(const QueryFunc& query, const std::string& expr,
                                              int64_t time_ms) {
  auto r = query(expr, time_ms);
  if (!r.ok()) return r.status();
  std::vector<OutputSample> out;
  if (r->type == promql::ValueType::kScalar) {
    out.push_back({{}, r->scalar.ts, r->scalar.value});
    return out;
  }
  if (r->type != promql::ValueType::kVector)
    return Status::InvalidArgument("rule result is not a vector or scalar");
  for (promql::Series& s : r->series) {
    if (s.points.empty()) continue;
    out.push_back({std::move(s.labels), s.points[0].ts, s.points[0].value});
  }
  return out;
}

std::string AlertingRule::Expand(const TemplatedLabel& l, const TemplateData& data) const {
  if (!l.tmpl) return l.text;
  auto r = l.tmpl->Execute(data);
  if (!r.ok()) {
    return "<error expanding template: error executing template __alert_" + rule_->alert + ": " +
           r.status().message() + ">";
  }
  return std::move(*r);
}

Status AlertingRule::Eval(int64_t ts_ms, int64_t query_offset_ms, int64_t limit, const QueryFunc& query,
                          std::vector<OutputSample>* out) {
  auto res = QueryVector(query, rule_->expr, ts_ms - query_offset_ms);
  if (!res.ok()) return res.status();

  // Alerts for this evaluation's series, keyed by their labels.
  std::map<Labels, Alert> current;
  for (const OutputSample& s : *res) {
    TemplateData data{.labels = &s.labels,
                      .external_labels = &context_->external_labels,
                      .external_url = context_->external_url,
                      .value = s.value};
    Labels labels = s.labels;
    SetLabel(&labels, kMetricNameLabel, "");
    for (const TemplatedLabel& l : rule_->labels) SetLabel(&labels, l.name, Expand(l, data));
    SetLabel(&labels, "alertname", rule_->alert);
    Labels annotations;
    for (const TemplatedLabel& a : rule_->annotations) {
      std::string v = Expand(a, data);
      annotations.push_back({a.name, std::move(v)});
    }
    Alert alert{
        .labels = labels, .annotations = std::move(annotations), .value = s.value, .active_at_ms = ts_ms};
    if (!current.emplace(std::move(labels), std::move(alert)).second) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }

  for (auto& [labels, a] : current) {
    auto it = active_.find(labels);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    active_[labels] = a;
  }

  int64_t active_pending = 0;
  std::vector<OutputSample> series;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!current.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && rule_->keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = ts_ms;
        keep_firing = ts_ms - a.keep_firing_since_ms < rule_->keep_firing_for_ms;
      }
      // Pending alerts go at once; resolved ones after the retention.
      bool forget = a.state == AlertState::kPending ||
                    (a.resolved_at_ms != 0 && ts_ms - a.resolved_at_ms > kResolvedRetentionMs);
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (forget) {
        it = active_.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_pending;
    if (a.state == AlertState::kPending && ts_ms - a.active_at_ms >= rule_->for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    if (restored_) {
      int64_t at = ts_ms - query_offset_ms;
      series.push_back(AlertsSample(a, at));
      // activeAt in whole Unix seconds, as Go's time.Unix() gives it.
      int64_t active_s = a.active_at_ms >= 0 ? a.active_at_ms / 1000 : -((-a.active_at_ms + 999) / 1000);
      series.push_back({ForStateLabels(a), at, static_cast<double>(active_s)});
    }
    ++it;
  }

  if (limit > 0 && active_pending > limit) {
    active_.clear();
    return Status::InvalidArgument("exceeded limit of " + std::to_string(limit) + " with " +
                                   std::to_string(active_pending) + " alerts");
  }
  for (OutputSample& s : series) out->push_back(std::move(s));
  return Status::OK();
}

OutputSample AlertingRule::AlertsSample(const Alert& a, int64_t ts_ms) const {
  // The rule's labels as written first, then the alert's: a label whose
  // template expanded to nothing keeps its text here, as in Prometheus.
  Labels l;
  for (const TemplatedLabel& t : rule_->labels) l.push_back({t.name, t.text});
  NormalizeLabels(&l);
  for (const Label& x : a.labels) SetLabel(&l, x.name, x.value);
  SetLabel(&l, kMetricNameLabel, "ALERTS");
  SetLabel(&l, "alertname", rule_->alert);
  SetLabel(&l, "alertstate", AlertStateName(a.state));
  return {std::move(l), ts_ms, 1};
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::vector<Alert> out;
  for (const auto& [labels, a] : active_) {
    if (a.state != AlertState::kInactive) out.push_back(a);
  }
  return out;
}

}  // namespace overtone::rules
