// DatabaseImpl's standing windows (engine/standing_windows.h): registration,
// the write path's feed, the figures in GetStats.

#include "engine/database_impl.h"
#include "overtone/over_time.h"

namespace overtone {

Result<uint64_t> DatabaseImpl::AddStandingWindow(const StandingWindowSpec& spec) {
  if (Status s = CheckWritable(); !s.ok()) {
    return Status::NotSupported("standing windows need a database open for writing: " + s.ToString());
  }
  if (spec.range <= 0) return Status::InvalidArgument("a standing window's range must be positive");
  if (!StandingWindowServes(spec.fn)) {
    return Status::InvalidArgument("no standing window for " + std::string(OverTimeFnName(spec.fn)));
  }
  return standing_.Add(spec);
}

void DatabaseImpl::RemoveStandingWindow(uint64_t handle) { standing_.Remove(handle); }

void DatabaseImpl::FeedStandingWindows(const WriteBatch& batch, const std::vector<SeriesId>& ids) {
  engine::StandingWindows::Feeder feeder = standing_.BeginFeed();
  for (const WriteBatch::Entry& e : batch.samples_) feeder.Add(ids[e.series], e.sample);
}

void DatabaseImpl::AddStandingStats(DatabaseStats* s) const {
  engine::StandingWindows::Stats w = standing_.GetStats();
  s->standing_windows = w.windows;
  s->standing_series = w.series;
  s->standing_samples = w.samples_held;
  s->standing_evaluations = w.served;
  s->standing_builds = w.built;
}

}  // namespace overtone
