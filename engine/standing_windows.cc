#include "engine/standing_windows.h"

#include <algorithm>
#include <bit>

#include "engine/window_fold.h"

namespace overtone::engine {

std::string StandingWindows::Key(std::span<const LabelMatcher> matchers, int64_t range) {
  std::vector<std::string> parts;
  for (const LabelMatcher& m : matchers) parts.push_back(ToString(m));
  std::sort(parts.begin(), parts.end());
  std::string key = std::to_string(range);
  for (const std::string& p : parts) key += "\x1f" + p;
  return key;
}

uint64_t StandingWindows::Add(const StandingWindowSpec& spec) {
  std::lock_guard lock(mu_);
  std::string key = Key(spec.matchers, spec.range);
  std::shared_ptr<Window>& w = windows_[key];
  if (!w) {
    w = std::make_shared<Window>();
    w->matchers = spec.matchers;
    w->range = spec.range;
  }
  uint32_t needs = w->needs | SeriesWindow::NeedsOf(spec.fn);
  if (needs != w->needs) {
    // The series' states lack an aggregate: build them again.
    for (auto& [id, state] : w->series) {
      auto& list = watchers_[id];
      list.erase(std::remove(list.begin(), list.end(), w.get()), list.end());
      if (list.empty()) watchers_.erase(id);
    }
    w->series.clear();
    ++w->generation;
    w->needs = needs;
  }
  ++w->fns[spec.fn];
  uint64_t handle = next_handle_++;
  handles_[handle] = {key, spec.fn};
  watching_.store(true, std::memory_order_release);
  return handle;
}

void StandingWindows::Remove(uint64_t handle) {
  std::lock_guard lock(mu_);
  auto h = handles_.find(handle);
  if (h == handles_.end()) return;
  auto [key, fn] = h->second;
  handles_.erase(h);
  auto it = windows_.find(key);
  if (it == windows_.end()) return;
  Window* w = it->second.get();
  if (--w->fns[fn] == 0) w->fns.erase(fn);
  if (w->fns.empty()) {
    for (auto& [id, state] : w->series) {
      auto& list = watchers_[id];
      list.erase(std::remove(list.begin(), list.end(), w), list.end());
      if (list.empty()) watchers_.erase(id);
    }
    windows_.erase(it);
  }
  watching_.store(!windows_.empty(), std::memory_order_release);
}

void StandingWindows::Feeder::Add(SeriesId id, const Sample& s) {
  auto it = w_->watchers_.find(id);
  if (it == w_->watchers_.end()) return;
  for (Window* w : it->second) {
    ++w->generation;
    SeriesState& state = w->series[id];
    if (state.window) {
      state.window->Feed(s);
    } else {
      state.fed_while_building.push_back(s);
    }
  }
}

void StandingWindows::Forget(SeriesId id) {
  {
    std::lock_guard recent_lock(recent_mu_);
    recent_.clear();
  }
  std::lock_guard lock(mu_);
  ++forgets_;
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return;
  for (Window* w : it->second) {
    w->series.erase(id);
    ++w->generation;
  }
  watchers_.erase(it);
}

Result<bool> StandingWindows::MatchNewSeries(Database* db,
                                             const std::vector<engine::CompiledMatcher>& compiled,
                                             SeriesId from, SeriesId to, std::vector<SeriesInfo>* out) {
  constexpr size_t kKept = 1 << 14;
  std::lock_guard lock(recent_mu_);
  if (recent_.empty() || from > recent_base_ + recent_.size()) {  // nothing kept that helps
    recent_.clear();
    recent_base_ = from;
  }
  if (from < recent_base_) return false;
  for (SeriesId id = recent_base_ + recent_.size(); id < to; ++id) {
    Result<SeriesInfo> info = db->GetSeries(id);
    if (info.ok()) {
      recent_.push_back(std::move(info->labels));
    } else if (info.status().IsNotFound()) {
      recent_.emplace_back();
    } else {
      return info.status();
    }
  }
  for (SeriesId id = from; id < to; ++id) {
    const std::optional<Labels>& labels = recent_[id - recent_base_];
    if (labels && engine::MatchesAll(compiled, *labels)) out->push_back(SeriesInfo{id, *labels});
  }
  if (recent_.size() > kKept) {
    size_t drop = recent_.size() - kKept / 2;
    recent_.erase(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(drop));
    recent_base_ += drop;
  }
  return true;
}

Status StandingWindows::UpdateSelected(Database* db, Window* w, SeriesId next_series_id) {
  // The series created since are matched one by one (each read once for
  // every window); after a deletion, or when they are too many, the index
  // selects (as fast then, and it drops the deleted).
  constexpr SeriesId kMatchOneByOne = 1 << 13;
  uint64_t forgets;
  {
    std::lock_guard lock(mu_);
    forgets = forgets_;
  }
  if (w->selected_valid && w->selected_forgets == forgets && next_series_id >= w->selected_next_id &&
      next_series_id - w->selected_next_id <= kMatchOneByOne) {
    // Ids up to the last selected one were there when the index selected.
    SeriesId from = w->selected_next_id;
    if (!w->selected.empty()) from = std::max(from, w->selected.back().id + 1);
    bool extended = true;
    if (from < next_series_id) {
      OT_ASSIGN_OR_RETURN(extended, MatchNewSeries(db, w->compiled, from, next_series_id, &w->selected));
    }
    if (extended) {
      w->selected_next_id = next_series_id;
      return Status::OK();
    }
  }
  if (w->compiled.empty() && !w->matchers.empty()) {
    OT_ASSIGN_OR_RETURN(w->compiled, engine::CompileAll(w->matchers));
  }
  w->selected_valid = false;
  OT_ASSIGN_OR_RETURN(w->selected, db->Select(w->matchers));
  w->selected_valid = true;
  w->selected_forgets = forgets;
  w->selected_next_id = next_series_id;
  return Status::OK();
}

std::optional<Status> StandingWindows::TryEvaluate(Database* db, SeriesId next_series_id,
                                                   std::span<const LabelMatcher> matchers,
                                                   const OverTimeQuery& q, const OverTimeCallback& fn) {
  if (q.start != q.end || q.range <= 0) return std::nullopt;
  std::string key = Key(matchers, q.range);
  std::shared_ptr<Window> w;
  {
    std::lock_guard lock(mu_);
    auto it = windows_.find(key);
    if (it == windows_.end() || !it->second->fns.contains(q.fn)) return std::nullopt;
    w = it->second;
  }
  std::lock_guard eval_lock(w->eval_mu);
  if (Status s = UpdateSelected(db, w.get(), next_series_id); !s.ok()) return s;
  const std::vector<SeriesInfo>* series = &w->selected;
  const int64_t t = q.start;
  const std::pair<OverTimeFn, uint64_t> answer_key{q.fn, std::bit_cast<uint64_t>(q.param)};
  const std::vector<std::pair<size_t, double>>* again = nullptr;
  std::vector<SeriesId> to_build;
  {
    std::lock_guard lock(mu_);
    auto it = windows_.find(key);
    if (it == windows_.end() || it->second != w) return std::nullopt;  // removed meanwhile
    for (const SeriesInfo& s : *series) {
      auto st = w->series.find(s.id);
      if (st != w->series.end() && st->second.window && st->second.window->at() > t) return std::nullopt;
    }
    for (const SeriesInfo& s : *series) {
      if (w->series.contains(s.id)) continue;
      w->series[s.id];  // from now on, writes to it are kept for the build
      watchers_[s.id].push_back(w.get());
      to_build.push_back(s.id);
    }
    auto a = w->answered.find(answer_key);
    if (to_build.empty() && a != w->answered.end() && a->second.t == t &&
        a->second.generation == w->generation && a->second.selected == series->size()) {
      ++served_;
      again = &a->second.points;  // eval_mu keeps it
    }
  }
  if (again) {
    for (auto& [i, v] : *again) {
      if (Status s = fn((*series)[i], t, v); !s.ok()) return s;
    }
    return Status::OK();
  }
  // Build the new series' windows from a scan, outside the lock.
  int64_t lo = t < kMinTime + q.range ? kMinTime : t - q.range + 1;
  std::vector<std::pair<SeriesId, std::vector<Sample>>> built;
  for (SeriesId id : to_build) {
    if (Status c = CheckCancel(q.cancel); !c.ok()) return c;
    std::vector<Sample> samples;
    auto it = db->Scan(id, lo, kMaxTime);
    if (it.ok()) {
      for (; (*it)->Valid(); (*it)->Next()) {
        Sample x = (*it)->sample();
        if (!IsStaleNaN(x.value)) samples.push_back(x);
      }
      if (!(*it)->status().ok()) return (*it)->status();
    } else if (!it.status().IsNotFound()) {
      return it.status();
    }
    built.emplace_back(id, std::move(samples));
  }
  std::vector<std::pair<size_t, double>> points;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, samples] : built) {
      auto st = w->series.find(id);
      if (st == w->series.end()) continue;  // deleted meanwhile: answered afresh below
      st->second.window.emplace(w->needs, w->range, t, std::move(samples));
      for (const Sample& s : st->second.fed_while_building) st->second.window->Feed(s);
      st->second.fed_while_building.clear();
      ++built_;
      ++w->generation;
    }
    // The windows that fold are folded together at the end (window_fold.h);
    // their points keep their places.
    std::vector<std::span<const Sample>> folds;
    std::vector<size_t> fold_points;
    for (size_t i = 0; i < series->size(); ++i) {
      auto st = w->series.find((*series)[i].id);
      if (st == w->series.end() || !st->second.window) return std::nullopt;
      st->second.window->MoveTo(t);
      SeriesWindow::Answer a = st->second.window->Prepare(q.fn, q.param);
      if (!a.fold.empty()) {
        fold_points.push_back(points.size());
        folds.push_back(a.fold);
        points.emplace_back(i, 0.0);
      } else if (a.value) {
        points.emplace_back(i, *a.value);
      }
    }
    std::vector<double> folded(folds.size());
    FoldWindows(q.fn, folds, q.param, folded);
    for (size_t k = 0; k < folds.size(); ++k) points[fold_points[k]].second = folded[k];
    ++served_;
    if (w->answered.size() >= 16 && !w->answered.contains(answer_key)) w->answered.clear();  // ad-hoc q's
    w->answered[answer_key] = Window::Answered{t, w->generation, series->size(), points};
  }
  for (auto& [i, v] : points) {
    if (Status s = fn((*series)[i], t, v); !s.ok()) return s;
  }
  return Status::OK();
}

StandingWindows::Stats StandingWindows::GetStats() const {
  std::lock_guard lock(mu_);
  Stats s;
  s.windows = windows_.size();
  for (auto& [key, w] : windows_) {
    for (auto& [id, state] : w->series) {
      ++s.series;
      if (state.window) s.samples_held += state.window->held();
    }
  }
  s.served = served_;
  s.built = built_;
  return s;
}

}  // namespace overtone::engine

namespace overtone {

bool StandingWindowServes(OverTimeFn fn) {
  switch (fn) {
    case OverTimeFn::kAvg:
    case OverTimeFn::kSum:
    case OverTimeFn::kCount:
    case OverTimeFn::kMin:
    case OverTimeFn::kMax:
    case OverTimeFn::kStddev:
    case OverTimeFn::kStdvar:
    case OverTimeFn::kLast:
    case OverTimeFn::kFirst:
    case OverTimeFn::kPresent:
    case OverTimeFn::kQuantile:
    case OverTimeFn::kQuantileSketch: return true;
    default: return false;
  }
}

}  // namespace overtone
