// over_time_bench: `*_over_time` over week-long windows, answered by a scan
// of every sample vs from segment summaries, on the same database.
//
//   build/bench/over_time_bench [--series N] [--days D] [--span-hours H]
//
// Prints latency per query for both plans and their ratio, the measured
// rank error of approximate quantiles against the exact ones, what the
// summaries cost in bytes next to the segments, and what a sorted copy of
// each segment's values would cost.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "overtone/database.h"
#include "overtone/over_time.h"
#include "storage/codec/segment.h"

namespace {

using namespace overtone;
using Clock = std::chrono::steady_clock;

constexpr int64_t kStep = 15000;

double Seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

void Fill(Database* db, int series, int64_t samples) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 2);
  for (int s = 0; s < series; ++s) {
    Labels l = {{"__name__", "cpu"}, {"host", "h" + std::to_string(s)}};
    WriteBatch b;
    double phase = static_cast<double>(rng() % 1000);
    for (int64_t i = 0; i < samples; ++i) {
      double v = 45 + 30 * std::sin((i + phase) * 2 * M_PI / 5760) + noise(rng);
      b.Add(l, i * kStep + static_cast<int64_t>(rng() % 5),
            std::round(std::clamp(v, 0.0, 100.0) * 100) / 100);
    }
    if (!db->Write(b).ok()) std::abort();
  }
}

struct Run {
  double seconds;
  std::vector<double> values;
};

Run Evaluate(Database* db, OverTimeQuery q, int repeat) {
  auto ms = *ParseSelector("cpu");
  Run r{0, {}};
  auto start = Clock::now();
  for (int i = 0; i < repeat; ++i) {
    r.values.clear();
    Status s = EvaluateOverTime(db, ms, q, [&](const SeriesInfo&, int64_t, double v) {
      r.values.push_back(v);
      return Status::OK();
    });
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  r.seconds = Seconds(start) / repeat;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int series = 100;
  int days = 7;
  int span_hours = 0;  // 0: the default Options::segment_span_ms
  overtone::bench::BenchCli cli("over_time_bench", "*_over_time over long windows, scan against summaries.");
  cli.app().add_option("--series", series, "series written")->check(overtone::bench::Number(1));
  cli.app().add_option("--days", days, "days of samples")->check(overtone::bench::Number(1));
  cli.app()
      .add_option("--span-hours", span_hours, "segment span in hours (0: the default span)")
      ->check(overtone::bench::Number(0));
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  std::string dir =
      (std::filesystem::temp_directory_path() / ("overtone-over-time-bench-" + std::to_string(getpid())))
          .string();
  int64_t samples = static_cast<int64_t>(days) * 86400000 / kStep;
  int64_t end = samples * kStep;
  {
    Options o;
    o.compaction_interval_ms = 0;
    if (span_hours > 0) o.segment_span_ms = int64_t{span_hours} * 3600 * 1000;
    auto db = Database::Open(o, dir);
    if (!db.ok()) return 1;
    auto t = Clock::now();
    Fill(db->get(), series, samples);
    double ingest = Seconds(t);
    t = Clock::now();
    auto c = (*db)->Compact(end + 1);
    if (!c.ok()) return 1;
    std::printf(
        "dataset: %d series x %lld samples (%d days at 15 s): written in %.1f s, sealed in %.1f s\n\n",
        series, static_cast<long long>(samples), days, ingest, Seconds(t));

    uint64_t seg_bytes = 0, sum_bytes = 0, n = 0;
    (void)(*db)->ForEachSegment(0, [&](const SegmentInfo& s) {
      seg_bytes += s.bytes;
      sum_bytes += s.summary_bytes;
      n += s.samples;
      return Status::OK();
    });
    std::printf("segments %.3f B/sample, summaries %.3f B/sample = %.1f%% of segment bytes\n",
                double(seg_bytes) / n, double(sum_bytes) / n, 100.0 * sum_bytes / seg_bytes);
    // What a sorted copy of each segment's values would cost if summaries
    // stored it for exact quantiles (they do not: docs/FORMAT.md), coded as
    // segments code their values.
    uint64_t sorted_bytes = 0;
    std::vector<SegmentInfo> segments;
    (void)(*db)->ForEachSegment(0, [&](const SegmentInfo& s) {
      segments.push_back(s);
      return Status::OK();
    });
    for (const SegmentInfo& s : segments) {
      std::vector<double> v;
      auto it = (*db)->Scan(s.series, s.min_ts, s.max_ts);
      for (; (*it)->Valid(); (*it)->Next()) v.push_back((*it)->sample().value);
      std::sort(v.begin(), v.end());
      std::string block;
      storage::EncodeValuesBest(v, storage::SegmentOptions{}, &block);
      sorted_bytes += block.size();
    }
    std::printf("a sorted value column per segment would add %.3f B/sample = %.1f%% of segment bytes\n\n",
                double(sorted_bytes) / n, 100.0 * sorted_bytes / seg_bytes);

    std::printf("%-36s %12s %12s %9s\n", "query (all series, one instant)", "scan ms", "summary ms",
                "speed-up");
    int repeat = 3;
    for (OverTimeFn fn : {OverTimeFn::kAvg, OverTimeFn::kMax, OverTimeFn::kStddev, OverTimeFn::kCount}) {
      OverTimeQuery q;
      q.fn = fn;
      q.start = q.end = end;
      q.range = static_cast<int64_t>(days) * 86400000;
      q.use_summaries = false;
      Run scan = Evaluate(db->get(), q, repeat);
      q.use_summaries = true;
      Run fast = Evaluate(db->get(), q, repeat);
      double worst = 0;
      for (size_t i = 0; i < scan.values.size(); ++i) {
        worst = std::max(
            worst, std::fabs(scan.values[i] - fast.values[i]) / std::max(1.0, std::fabs(scan.values[i])));
      }
      std::string name = std::string(OverTimeFnName(fn)) + "[" + std::to_string(days) + "d]";
      std::printf("%-36s %12.2f %12.2f %8.1fx   max rel diff %.1e\n", name.c_str(), scan.seconds * 1e3,
                  fast.seconds * 1e3, scan.seconds / fast.seconds, worst);
    }
    for (double quantile : {0.5, 0.99}) {
      OverTimeQuery q;
      q.fn = OverTimeFn::kQuantile;
      q.param = quantile;
      q.start = q.end = end;
      q.range = static_cast<int64_t>(days) * 86400000;
      Run exact = Evaluate(db->get(), q, repeat);
      q.approximate = true;
      Run approx = Evaluate(db->get(), q, repeat);
      // Measured rank error of each approximate answer.
      auto ms = *ParseSelector("cpu");
      auto all = (*db)->Select(ms);
      double worst = 0;
      for (size_t i = 0; i < all->size(); ++i) {
        std::vector<double> v;
        auto it = (*db)->Scan((*all)[i].id, end - q.range + 1, end);
        for (; (*it)->Valid(); (*it)->Next()) v.push_back((*it)->sample().value);
        std::sort(v.begin(), v.end());
        double lo = std::lower_bound(v.begin(), v.end(), approx.values[i]) - v.begin();
        double hi = std::upper_bound(v.begin(), v.end(), approx.values[i]) - v.begin();
        double target = quantile * (v.size() - 1);
        double err = target < lo ? lo - target : target > hi ? target - hi : 0;
        worst = std::max(worst, err / v.size());
      }
      char name[64];
      std::snprintf(name, sizeof name, "quantile_over_time(%.2f)[%dd]", quantile, days);
      std::printf("%-36s %12.2f %12.2f %8.1fx   max rank error %.3f%% (bound %.1f%%)\n", name,
                  exact.seconds * 1e3, approx.seconds * 1e3, exact.seconds / approx.seconds, worst * 100,
                  OverTimeRankErrorBound(q) * 100);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
