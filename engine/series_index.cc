#include "engine/series_index.h"

#include <algorithm>
#include <mutex>

namespace overtone::engine {
namespace {

std::vector<SeriesId> Intersect(const std::vector<SeriesId>& a, const std::vector<SeriesId>& b) {
  std::vector<SeriesId> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

Status SeriesIndex::Load() {
  std::unique_lock lock(mu_);
  return LoadLocked();
}

Status SeriesIndex::LoadLocked() {
  by_key_.clear();
  by_id_.clear();
  loaded_at_reopen_.store(store_->reopens());
  return LoadFrom(0);
}

Status SeriesIndex::LoadFrom(SeriesId first) {
  OT_ASSIGN_OR_RETURN(next_id_, store_->ReadNextSeriesId());
  OT_ASSIGN_OR_RETURN(deleted_series_, store_->ReadDeletedSeriesCount());
  return store_->ForEachSeriesFrom(first, [this](SeriesId id, const Labels& labels) {
    if (id >= next_id_) return Status::Corruption("series id beyond the id counter");
    by_key_.emplace(storage::EncodeLabels(labels), id);
    by_id_.emplace(id, labels);
    return Status::OK();
  });
}

Status SeriesIndex::ReloadAfterReopen() {
  std::unique_lock lock(mu_);
  if (store_->reopens() == loaded_at_reopen_.load()) return Status::OK();
  return LoadLocked();
}

Status SeriesIndex::Refresh() {
  OT_ASSIGN_OR_RETURN(SeriesId next, store_->ReadNextSeriesId());
  OT_ASSIGN_OR_RETURN(uint64_t deleted, store_->ReadDeletedSeriesCount());
  std::unique_lock lock(mu_);
  if (deleted != deleted_series_) return LoadLocked();
  if (next == next_id_) return Status::OK();
  return LoadFrom(next_id_);
}

Status SeriesIndex::GetOrCreate(std::span<const Labels* const> label_sets, std::vector<SeriesId>* ids) {
  if (store_->reopens() != loaded_at_reopen_.load(std::memory_order_relaxed)) {
    OT_RETURN_IF_ERROR(ReloadAfterReopen());
  }
  ids->assign(label_sets.size(), 0);
  std::vector<size_t> missing;
  std::string key;  // reused: most label sets are known and need no copy of it
  {
    std::shared_lock lock(mu_);
    for (size_t i = 0; i < label_sets.size(); ++i) {
      key.clear();
      storage::AppendLabels(*label_sets[i], &key);
      auto it = by_key_.find(std::string_view(key));
      if (it != by_key_.end()) {
        (*ids)[i] = it->second;
      } else {
        missing.push_back(i);
      }
    }
  }
  if (missing.empty()) return Status::OK();
  for (size_t i : missing) OT_RETURN_IF_ERROR(ValidateLabels(*label_sets[i]));

  std::unique_lock lock(mu_);
  storage::Batch batch(store_);
  std::vector<std::pair<std::string, SeriesId>> created;
  std::unordered_map<std::string, SeriesId, KeyHash, std::equal_to<>> pending;  // new in this call
  SeriesId next = next_id_;
  for (size_t i : missing) {
    key = storage::EncodeLabels(*label_sets[i]);
    auto it = by_key_.find(std::string_view(key));  // another writer may have created it meanwhile
    if (it != by_key_.end()) {
      (*ids)[i] = it->second;
      continue;
    }
    auto [p, inserted] = pending.emplace(key, next);
    if (inserted) {
      batch.PutSeries(next, *label_sets[i]);
      created.emplace_back(key, next);
      ++next;
    }
    (*ids)[i] = p->second;
  }
  if (created.empty()) return Status::OK();
  batch.SetNextSeriesId(next);
  OT_RETURN_IF_ERROR(store_->Commit(&batch));
  next_id_ = next;
  for (auto& [k, id] : created) {
    Labels labels;
    storage::DecodeLabels(k, &labels);
    by_key_.emplace(std::move(k), id);
    by_id_.emplace(id, std::move(labels));
  }
  return Status::OK();
}

Result<SeriesId> SeriesIndex::Find(const Labels& normalized) const {
  std::shared_lock lock(mu_);
  auto it = by_key_.find(std::string_view(storage::EncodeLabels(normalized)));
  if (it == by_key_.end()) return Status::NotFound("no series " + LabelsToString(normalized));
  return it->second;
}

bool SeriesIndex::Get(SeriesId id, Labels* labels) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  *labels = it->second;
  return true;
}

bool SeriesIndex::Contains(SeriesId id) const {
  std::shared_lock lock(mu_);
  return by_id_.count(id) != 0;
}

size_t SeriesIndex::size() const {
  std::shared_lock lock(mu_);
  return by_id_.size();
}

Result<std::vector<SeriesId>> SeriesIndex::Postings(const CompiledMatcher& m) const {
  const LabelMatcher& lm = m.matcher();
  std::vector<SeriesId> ids;
  auto add = [&ids](SeriesId id) { ids.push_back(id); };
  if (lm.type == MatchType::kEqual) {
    OT_RETURN_IF_ERROR(store_->ForEachPosting(lm.name, lm.value, add));
    return ids;
  }
  std::vector<std::string> values;
  OT_RETURN_IF_ERROR(store_->ForEachLabelValue(lm.name, [&](std::string_view v) {
    if (m.Matches(v)) values.emplace_back(v);
  }));
  for (const std::string& v : values) {
    OT_RETURN_IF_ERROR(store_->ForEachPosting(lm.name, v, add));
  }
  if (values.size() > 1) std::sort(ids.begin(), ids.end());
  return ids;
}

Result<std::vector<SeriesId>> SeriesIndex::Select(const std::vector<CompiledMatcher>& matchers) const {
  // Matchers that reject the empty value need the label present: answer them
  // from the postings, equality first since it is one prefix scan.
  std::vector<const CompiledMatcher*> positive, rest;
  for (const CompiledMatcher& m : matchers) (m.matches_empty() ? rest : positive).push_back(&m);
  std::stable_sort(positive.begin(), positive.end(), [](auto* a, auto* b) {
    return a->matcher().type == MatchType::kEqual && b->matcher().type != MatchType::kEqual;
  });

  std::vector<SeriesId> candidates;
  if (positive.empty()) {
    std::shared_lock lock(mu_);
    candidates.reserve(by_id_.size());
    for (const auto& [id, labels] : by_id_) candidates.push_back(id);
    std::sort(candidates.begin(), candidates.end());
  } else {
    for (size_t i = 0; i < positive.size(); ++i) {
      OT_ASSIGN_OR_RETURN(std::vector<SeriesId> ids, Postings(*positive[i]));
      candidates = i == 0 ? std::move(ids) : Intersect(candidates, ids);
      if (candidates.empty()) return candidates;
    }
  }

  // Drop series deleted since their postings were read, and apply the
  // matchers that also accept an absent label.
  std::vector<SeriesId> out;
  out.reserve(candidates.size());
  std::shared_lock lock(mu_);
  for (SeriesId id : candidates) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    bool ok = true;
    for (const CompiledMatcher* m : rest) {
      if (!m->Matches(GetLabel(it->second, m->matcher().name))) {
        ok = false;
        break;
      }
    }
    if (ok) out.push_back(id);
  }
  return out;
}

Status SeriesIndex::Delete(SeriesId id) {
  std::unique_lock lock(mu_);
  if (store_->reopens() != loaded_at_reopen_.load()) OT_RETURN_IF_ERROR(LoadLocked());
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return Status::NotFound("no series with id " + std::to_string(id));
  storage::Batch batch(store_);
  batch.DeleteSeries(id, it->second);
  batch.SetDeletedSeriesCount(deleted_series_ + 1);
  OT_RETURN_IF_ERROR(store_->Commit(&batch));
  ++deleted_series_;
  by_key_.erase(storage::EncodeLabels(it->second));
  by_id_.erase(it);
  return Status::OK();
}

}  // namespace overtone::engine
