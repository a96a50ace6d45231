// DatabaseImpl's small records beside the series index: metric metadata
// (one record per family, last write wins) and push groups (the series a
// Pushgateway-style grouping key holds). Layouts in docs/FORMAT.md.
//
// A push writes in three steps so that no series of a group is ever missing
// from its stored record: the record first becomes the union of what the
// group held and what is pushed, then the samples and staleness markers are
// written, then the record becomes the group's new set. A crash in between
// leaves a record that holds too many series, whose only effect is a second
// staleness marker at the next PUT or DELETE.

#include <algorithm>
#include <set>

#include "base/coding.h"
#include "engine/database_impl.h"

namespace overtone {
namespace {

std::string EncodeMetadata(const MetricMetadata& m) {
  std::string out;
  PutLengthPrefixed(&out, m.type);
  PutLengthPrefixed(&out, m.help);
  PutLengthPrefixed(&out, m.unit);
  return out;
}

Status DecodeMetadata(std::string_view key, std::string_view in, MetricMetadata* m) {
  std::string_view type, help, unit;
  if (!GetLengthPrefixed(&in, &type) || !GetLengthPrefixed(&in, &help) || !GetLengthPrefixed(&in, &unit) ||
      !in.empty()) {
    return Status::Corruption("metadata record of \"" + std::string(key) + "\" is malformed");
  }
  *m = MetricMetadata{std::string(key), std::string(type), std::string(help), std::string(unit)};
  return Status::OK();
}

bool SameMetadata(const MetricMetadata& a, const MetricMetadata& b) {
  return a.type == b.type && a.help == b.help && a.unit == b.unit;
}

std::string EncodeGroup(const std::set<Labels>& series) {
  std::string out;
  for (const Labels& l : series) PutLengthPrefixed(&out, storage::EncodeLabels(l));
  return out;
}

Status DecodeGroup(std::string_view in, std::set<Labels>* series) {
  while (!in.empty()) {
    std::string_view one;
    Labels labels;
    if (!GetLengthPrefixed(&in, &one) || !storage::DecodeLabels(one, &labels)) {
      return Status::Corruption("push group record is malformed");
    }
    series->insert(std::move(labels));
  }
  return Status::OK();
}

Labels Normalized(Labels labels) {
  NormalizeLabels(&labels);
  return labels;
}

}  // namespace

Status DatabaseImpl::PutMetadata(std::span<const MetricMetadata> entries) {
  if (entries.empty()) return Status::OK();
  std::lock_guard lock(metadata_mu_);
  if (!metadata_loaded_) OT_RETURN_IF_ERROR(ListMetadataLocked().status());
  storage::Batch batch(store_.get());
  std::vector<const MetricMetadata*> changed;
  for (const MetricMetadata& m : entries) {
    if (!IsValidMetricName(m.metric)) {
      return Status::InvalidArgument("metadata for an invalid metric name \"" + m.metric + "\"");
    }
    auto it = metadata_.find(m.metric);
    if (it != metadata_.end() && SameMetadata(it->second, m)) continue;
    batch.PutRecord(storage::RecordSpace::kMetricMetadata, m.metric, EncodeMetadata(m));
    changed.push_back(&m);
  }
  if (changed.empty()) return Status::OK();
  OT_RETURN_IF_ERROR(store_->Commit(&batch));
  for (const MetricMetadata* m : changed) metadata_[m->metric] = *m;
  return Status::OK();
}

Result<std::vector<MetricMetadata>> DatabaseImpl::ListMetadataLocked() {
  if (!metadata_loaded_) {
    std::map<std::string, MetricMetadata, std::less<>> loaded;
    OT_RETURN_IF_ERROR(store_->ForEachRecord(storage::RecordSpace::kMetricMetadata,
                                             [&](std::string_view key, std::string_view value) {
                                               MetricMetadata m;
                                               OT_RETURN_IF_ERROR(DecodeMetadata(key, value, &m));
                                               loaded.emplace(m.metric, std::move(m));
                                               return Status::OK();
                                             }));
    metadata_ = std::move(loaded);
    metadata_loaded_ = true;
  }
  std::vector<MetricMetadata> out;
  out.reserve(metadata_.size());
  for (const auto& [name, m] : metadata_) out.push_back(m);
  return out;
}

Result<std::vector<MetricMetadata>> DatabaseImpl::ListMetadata() {
  std::lock_guard lock(metadata_mu_);
  return ListMetadataLocked();
}

Result<std::vector<Labels>> DatabaseImpl::PushGroupSeries(const Labels& group) {
  std::set<Labels> series;
  Result<std::string> record =
      store_->GetRecord(storage::RecordSpace::kPushGroup, storage::EncodeLabels(Normalized(group)));
  if (record.ok()) {
    OT_RETURN_IF_ERROR(DecodeGroup(*record, &series));
  } else if (!record.status().IsNotFound()) {
    return record.status();
  }
  return std::vector<Labels>(series.begin(), series.end());
}

Status DatabaseImpl::Push(const Labels& group, PushMode mode, const WriteBatch& batch, int64_t stale_ts) {
  if (mode == PushMode::kDelete && !batch.empty()) {
    return Status::InvalidArgument("a push group's deletion takes no samples");
  }
  std::lock_guard lock(push_mu_);
  const std::string key = storage::EncodeLabels(Normalized(group));
  OT_ASSIGN_OR_RETURN(std::vector<Labels> held, PushGroupSeries(group));
  std::set<Labels> pushed;
  std::set<std::string_view> pushed_names;
  for (size_t i = 0; i < batch.num_series(); ++i) {
    Labels normalized;  // the batch holds its label sets normalized
    if (!storage::DecodeLabels(batch.key(i), &normalized))
      return Status::Internal("bad label encoding in a batch");
    // Checked before the group's record names it: a later push writes
    // staleness markers for every series the record holds.
    OT_RETURN_IF_ERROR(ValidateLabels(normalized));
    pushed.insert(std::move(normalized));
  }
  for (const Labels& l : pushed) pushed_names.insert(GetLabel(l, kMetricNameLabel));

  // What goes stale, and what the group holds afterwards.
  WriteBatch out = batch;
  std::set<Labels> after = pushed;
  for (const Labels& l : held) {
    if (pushed.contains(l)) continue;
    bool retire = mode != PushMode::kAdd || pushed_names.contains(GetLabel(l, kMetricNameLabel));
    if (retire) {
      out.Add(l, stale_ts, StaleNaN());
    } else {
      after.insert(l);
    }
  }

  std::set<Labels> both(held.begin(), held.end());
  both.insert(pushed.begin(), pushed.end());
  if (both.size() != held.size()) {
    storage::Batch record(store_.get());
    record.PutRecord(storage::RecordSpace::kPushGroup, key, EncodeGroup(both));
    OT_RETURN_IF_ERROR(store_->Commit(&record));
  }
  OT_RETURN_IF_ERROR(Write(out));
  if (after != both) {
    storage::Batch record(store_.get());
    if (after.empty()) {
      record.DeleteRecord(storage::RecordSpace::kPushGroup, key);
    } else {
      record.PutRecord(storage::RecordSpace::kPushGroup, key, EncodeGroup(after));
    }
    OT_RETURN_IF_ERROR(store_->Commit(&record));
  }
  return Status::OK();
}

}  // namespace overtone
