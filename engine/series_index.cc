#include "engine/series_index.h"

// Inlined: a label is a few bytes, where a call would cost more than the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <functional>
#include <mutex>

#include "base/coding.h"

namespace overtone::engine {
namespace {

std::vector<SeriesId> Intersect(const std::vector<SeriesId>& a, const std::vector<SeriesId>& b) {
  std::vector<SeriesId> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// ValidateLabels for an encoded label set, without decoding it into
// strings when it is valid (the usual case); decoded for the message
// otherwise.
Status ValidateEncodedLabels(std::string_view encoded) {
  std::string_view in = encoded, name, value, last_name;
  bool valid = true, has_name = false, first = true;
  while (valid && !in.empty()) {
    if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &value)) {
      return Status::InvalidArgument("a label set's encoding is malformed");
    }
    if (!first && name == last_name) {
      valid = false;
    } else if (name == kMetricNameLabel) {
      has_name = true;
      valid = IsValidMetricName(value);
    } else {
      valid = IsValidLabelName(name) && IsValidUtf8(value);
    }
    first = false;
    last_name = name;
  }
  if (valid && has_name) return Status::OK();
  Labels labels;
  if (!storage::DecodeLabels(encoded, &labels))
    return Status::InvalidArgument("a label set's encoding is malformed");
  OT_RETURN_IF_ERROR(ValidateLabels(labels));
  return Status::Internal("label set judged invalid encoded and valid decoded");
}

}  // namespace

uint64_t HashLabelKey(std::string_view key) {
  // One XXH3 over the whole encoding (its length prefixes keep "ab"="c" and
  // "a"="bc" apart) rather than one a name and a value: the write path has
  // the encoding at hand, and a single call over ~80 bytes costs a fraction
  // of eight over a few bytes each. In memory only: no hash is stored.
  return XXH3_64bits(key.data(), key.size());
}

uint64_t HashLabels(const Labels& labels) { return HashLabelKey(storage::EncodeLabels(labels)); }

bool EncodedEquals(std::string_view encoded, const Labels& labels) {
  std::string_view name, value;
  for (const Label& l : labels) {
    if (!GetLengthPrefixed(&encoded, &name) || !GetLengthPrefixed(&encoded, &value)) return false;
    if (name != l.name || value != l.value) return false;
  }
  return encoded.empty();
}

std::string_view EncodedLabel(std::string_view encoded, std::string_view name) {
  std::string_view n, v;
  while (GetLengthPrefixed(&encoded, &n) && GetLengthPrefixed(&encoded, &v)) {
    if (n == name) return v;
  }
  return {};
}

SeriesIndex::~SeriesIndex() {
  if (memory_ != nullptr) memory_->Release(charged_hot_ + charged_cold_);
}

SeriesId SeriesIndex::Lookup(uint64_t h, std::string_view key) const {
  const Entry* e = hot_.Find(h, [key](const Entry& c) { return c.key == key; });
  if (e == nullptr) return 0;
  // Read before written: a series written every time costs no cache-line write.
  if (!e->written.load(std::memory_order_relaxed)) e->written.store(true, std::memory_order_relaxed);
  return e->id;
}

Result<SeriesId> SeriesIndex::LookupCold(uint64_t h, std::string_view key) const {
  auto it = std::lower_bound(cold_by_hash_.begin(), cold_by_hash_.end(), std::make_pair(h, SeriesId{0}));
  for (; it != cold_by_hash_.end() && it->first == h; ++it) {
    if (hot_.FindId(it->second) != nullptr) continue;  // hot as well: Lookup saw it
    Labels stored;
    OT_RETURN_IF_ERROR(store_->ReadSeries(it->second, &stored));
    if (storage::EncodeLabels(stored) == key) return it->second;
  }
  return SeriesId{0};
}

bool SeriesIndex::IsCold(SeriesId id) const {
  return std::binary_search(cold_ids_.begin(), cold_ids_.end(), id);
}

void SeriesIndex::EraseCold(SeriesId id) {
  auto c = std::lower_bound(cold_ids_.begin(), cold_ids_.end(), id);
  if (c == cold_ids_.end() || *c != id) return;
  cold_ids_.erase(c);
  auto h = std::find_if(cold_by_hash_.begin(), cold_by_hash_.end(),
                        [id](const auto& p) { return p.second == id; });
  if (h != cold_by_hash_.end()) cold_by_hash_.erase(h);
  if (hot_.FindId(id) == nullptr) --cold_only_;
  ChargeCold();
}

void SeriesIndex::ChargeHot() {
  const size_t now = hot_.memory_bytes();
  if (memory_ != nullptr) {
    if (now > charged_hot_) memory_->Charge(now - charged_hot_);
    if (now < charged_hot_) memory_->Release(charged_hot_ - now);
  }
  charged_hot_ = now;
}

void SeriesIndex::ChargeCold() {
  size_t now = cold_by_hash_.capacity() * sizeof(cold_by_hash_[0]) + cold_ids_.capacity() * sizeof(SeriesId);
  if (memory_ != nullptr) {
    if (now > charged_cold_) memory_->Charge(now - charged_cold_);
    if (now < charged_cold_) memory_->Release(charged_cold_ - now);
  }
  charged_cold_ = now;
}

void SeriesIndex::ClearLocked() {
  hot_.Clear();
  std::vector<std::pair<uint64_t, SeriesId>>().swap(cold_by_hash_);
  std::vector<SeriesId>().swap(cold_ids_);
  cold_only_ = 0;
  ChargeHot();
  ChargeCold();
}

size_t SeriesIndex::EvictIdle() {
  std::unique_lock lock(mu_);
  std::vector<std::pair<uint64_t, SeriesId>> idle;
  hot_.EraseIf([&](const Entry& e) {
    if (e.written.exchange(false, std::memory_order_relaxed)) return false;
    if (!IsCold(e.id)) idle.emplace_back(e.hash, e.id);
    ++cold_only_;
    return true;
  });
  if (!idle.empty()) {
    std::sort(idle.begin(), idle.end());
    std::vector<std::pair<uint64_t, SeriesId>> merged;
    merged.reserve(cold_by_hash_.size() + idle.size());
    std::merge(cold_by_hash_.begin(), cold_by_hash_.end(), idle.begin(), idle.end(),
               std::back_inserter(merged));
    cold_by_hash_ = std::move(merged);
    std::vector<SeriesId> ids;
    ids.reserve(idle.size());
    for (const auto& p : idle) ids.push_back(p.second);
    std::sort(ids.begin(), ids.end());
    std::vector<SeriesId> merged_ids;
    merged_ids.reserve(cold_ids_.size() + ids.size());
    std::merge(cold_ids_.begin(), cold_ids_.end(), ids.begin(), ids.end(), std::back_inserter(merged_ids));
    cold_ids_ = std::move(merged_ids);
  }
  ChargeHot();  // EraseIf gave back the slots of the series gone cold
  ChargeCold();
  return idle.size();
}

size_t SeriesIndex::hot_size() const {
  std::shared_lock lock(mu_);
  return hot_.size();
}

size_t SeriesIndex::memory_bytes() const {
  std::shared_lock lock(mu_);
  return charged_hot_ + charged_cold_;
}

const SeriesIndex::Entry* SeriesIndex::EntryOf(SeriesId id) const { return hot_.FindId(id); }

void SeriesIndex::Insert(uint64_t h, SeriesId id, std::string key, bool written) {
  hot_.Insert(h, id, std::move(key), written);
  if (IsCold(id)) --cold_only_;
  ChargeHot();
}

Status SeriesIndex::Load() {
  std::unique_lock lock(mu_);
  return LoadLocked();
}

Status SeriesIndex::LoadLocked() {
  ClearLocked();
  loaded_at_reopen_.store(store_->reopens());
  return LoadFrom(0);
}

Status SeriesIndex::LoadFrom(SeriesId first) {
  OT_ASSIGN_OR_RETURN(next_id_, store_->ReadNextSeriesId());
  OT_ASSIGN_OR_RETURN(deleted_series_, store_->ReadDeletedSeriesCount());
  return store_->ForEachSeriesFrom(first, [this](SeriesId id, const Labels& labels) {
    if (id >= next_id_) return Status::Corruption("series id beyond the id counter");
    std::string key = storage::EncodeLabels(labels);
    const uint64_t h = hash_(key);
    Insert(h, id, std::move(key), /*written=*/false);
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
  std::vector<std::string> encoded(label_sets.size());
  std::vector<LabelKey> keys(label_sets.size());
  for (size_t i = 0; i < label_sets.size(); ++i) {
    encoded[i] = storage::EncodeLabels(*label_sets[i]);
    keys[i] = LabelKey{encoded[i], HashLabelKey(encoded[i])};
  }
  return GetOrCreate(keys, ids);
}

Status SeriesIndex::GetOrCreate(std::span<const LabelKey> keys, std::vector<SeriesId>* ids) {
  if (store_->reopens() != loaded_at_reopen_.load(std::memory_order_relaxed)) {
    OT_RETURN_IF_ERROR(ReloadAfterReopen());
  }
  const size_t n = keys.size();
  ids->assign(n, 0);
  std::vector<uint64_t> replaced_hashes;  // tests' hash function only
  if (hash_ != HashLabelKey) {
    replaced_hashes.resize(n);
    for (size_t i = 0; i < n; ++i) replaced_hashes[i] = hash_(keys[i].key);
  }
  auto hash = [&](size_t i) { return replaced_hashes.empty() ? keys[i].hash : replaced_hashes[i]; };
  std::vector<size_t> missing;
  {
    std::shared_lock lock(mu_);
    // The table's slots are spread by hash: each lookup would wait for a
    // cache miss on its slot, then on its entry, then on the entry's key.
    // Each is fetched a few lookups before it is read, once the one before
    // it has arrived, so that the misses of several lookups overlap.
    constexpr size_t kSlotAhead = 12, kEntryAhead = 8, kKeyAhead = 4;
    for (size_t i = 0; i < std::min(n, kSlotAhead); ++i) hot_.PrefetchSlot(hash(i));
    for (size_t i = 0; i < n; ++i) {
      if (i + kSlotAhead < n) hot_.PrefetchSlot(hash(i + kSlotAhead));
      if (i + kEntryAhead < n) hot_.PrefetchEntry(hash(i + kEntryAhead));
      if (i + kKeyAhead < n) hot_.PrefetchKey(hash(i + kKeyAhead));
      (*ids)[i] = Lookup(hash(i), keys[i].key);
      if ((*ids)[i] == 0) missing.push_back(i);
    }
  }
  if (missing.empty()) return Status::OK();

  std::unique_lock lock(mu_);
  // Cold series written to again turn hot; the rest are new.
  size_t still_missing = 0;
  for (size_t i : missing) {
    SeriesId id = Lookup(hash(i), keys[i].key);  // made hot meanwhile
    if (id == 0) {
      OT_ASSIGN_OR_RETURN(id, LookupCold(hash(i), keys[i].key));
      if (id != 0) Insert(hash(i), id, std::string(keys[i].key));
    }
    (*ids)[i] = id;
    if (id == 0) missing[still_missing++] = i;
  }
  missing.resize(still_missing);
  if (missing.empty()) return Status::OK();
  for (size_t i : missing) OT_RETURN_IF_ERROR(ValidateEncodedLabels(keys[i].key));

  storage::Batch batch(store_);
  std::vector<size_t> created;  // indexes into keys, one per new series
  created.reserve(missing.size());
  // A label set twice in the batch gets the id given to the first: the
  // batch's new series by hash, open addressing (an index into created + 1,
  // 0 when empty) at most half full, so no node is allocated per series.
  size_t slots = 16;
  while (slots < 2 * missing.size()) slots *= 2;
  std::vector<uint32_t> pending(slots, 0);
  SeriesId next = next_id_;
  for (size_t i : missing) {
    size_t slot = hash(i) & (slots - 1);
    SeriesId id = 0;
    for (; pending[slot] != 0; slot = (slot + 1) & (slots - 1)) {
      const size_t c = created[pending[slot] - 1];
      if (hash(c) == hash(i) && keys[c].key == keys[i].key) {
        id = (*ids)[c];
        break;
      }
    }
    if (id == 0) {
      id = next++;
      batch.PutSeries(id, keys[i].key);
      created.push_back(i);
      pending[slot] = static_cast<uint32_t>(created.size());
    }
    (*ids)[i] = id;
  }
  if (created.empty()) return Status::OK();
  batch.SetNextSeriesId(next);
  OT_RETURN_IF_ERROR(store_->Commit(&batch));
  next_id_ = next;
  for (size_t i : created) Insert(hash(i), (*ids)[i], std::string(keys[i].key));
  return Status::OK();
}

Result<SeriesId> SeriesIndex::Find(const Labels& normalized) const {
  const std::string key = storage::EncodeLabels(normalized);
  const uint64_t h = hash_(key);
  std::shared_lock lock(mu_);
  SeriesId id = Lookup(h, key);
  if (id == 0) {
    OT_ASSIGN_OR_RETURN(id, LookupCold(h, key));
  }
  if (id == 0) return Status::NotFound("no series " + LabelsToString(normalized));
  return id;
}

bool SeriesIndex::Get(SeriesId id, Labels* labels) const {
  std::shared_lock lock(mu_);
  const Entry* e = EntryOf(id);
  if (e != nullptr) return storage::DecodeLabels(e->key, labels);
  return IsCold(id) && store_->ReadSeries(id, labels).ok();
}

bool SeriesIndex::Contains(SeriesId id) const {
  std::shared_lock lock(mu_);
  return hot_.FindId(id) != nullptr || IsCold(id);
}

SeriesId SeriesIndex::next_id() const {
  std::shared_lock lock(mu_);
  return next_id_;
}

size_t SeriesIndex::size() const {
  std::shared_lock lock(mu_);
  return hot_.size() + cold_only_;
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
    candidates.reserve(hot_.size() + cold_ids_.size());
    for (const Entry& e : hot_.entries()) candidates.push_back(e.id);
    std::sort(candidates.begin(), candidates.end());
    if (!cold_ids_.empty()) {
      size_t hot = candidates.size();
      candidates.insert(candidates.end(), cold_ids_.begin(), cold_ids_.end());
      std::inplace_merge(candidates.begin(), candidates.begin() + hot, candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    }
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
  std::string cold_key;
  for (SeriesId id : candidates) {
    const Entry* e = EntryOf(id);
    std::string_view key;
    if (e != nullptr) {
      key = e->key;
    } else if (!IsCold(id)) {
      continue;
    } else if (!rest.empty()) {
      Labels labels;
      OT_RETURN_IF_ERROR(store_->ReadSeries(id, &labels));
      cold_key = storage::EncodeLabels(labels);
      key = cold_key;
    }
    bool ok = true;
    for (const CompiledMatcher* m : rest) {
      if (!m->Matches(EncodedLabel(key, m->matcher().name))) {
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
  const Entry* e = hot_.FindId(id);
  if (e == nullptr) {
    if (!IsCold(id)) return Status::NotFound("no series with id " + std::to_string(id));
    Labels labels;
    OT_RETURN_IF_ERROR(store_->ReadSeries(id, &labels));
    storage::Batch batch(store_);
    batch.DeleteSeries(id, labels);
    batch.SetDeletedSeriesCount(deleted_series_ + 1);
    OT_RETURN_IF_ERROR(store_->Commit(&batch));
    ++deleted_series_;
    EraseCold(id);
    return Status::OK();
  }
  Labels labels;
  if (!storage::DecodeLabels(e->key, &labels)) return Status::Internal("bad label encoding in the index");
  storage::Batch batch(store_);
  batch.DeleteSeries(id, labels);
  batch.SetDeletedSeriesCount(deleted_series_ + 1);
  OT_RETURN_IF_ERROR(store_->Commit(&batch));
  ++deleted_series_;
  EraseCold(id);  // while hot: it was not cold only
  hot_.Erase(id);
  ChargeHot();
  return Status::OK();
}

Status SeriesIndex::TouchHot(std::span<const SeriesId> ids, std::vector<SeriesId>* not_hot) {
  if (store_->reopens() != loaded_at_reopen_.load(std::memory_order_relaxed)) {
    OT_RETURN_IF_ERROR(ReloadAfterReopen());
  }
  std::shared_lock lock(mu_);
  // As in GetOrCreate: each lookup's slot and entry are fetched a few
  // lookups ahead, so that their cache misses overlap.
  constexpr size_t kSlotAhead = 12, kEntryAhead = 6;
  const size_t n = ids.size();
  for (size_t i = 0; i < std::min(n, kSlotAhead); ++i) hot_.PrefetchIdSlot(ids[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + kSlotAhead < n) hot_.PrefetchIdSlot(ids[i + kSlotAhead]);
    if (i + kEntryAhead < n) hot_.PrefetchIdEntry(ids[i + kEntryAhead]);
    const SeriesId id = ids[i];
    const Entry* e = hot_.FindId(id);
    if (e == nullptr) {
      not_hot->push_back(id);
    } else if (!e->written.load(std::memory_order_relaxed)) {
      e->written.store(true, std::memory_order_relaxed);
    }
  }
  return Status::OK();
}

}  // namespace overtone::engine
