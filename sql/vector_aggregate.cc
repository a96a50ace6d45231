#include "sql/vector_aggregate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "overtone/types.h"
#include "sql/group_fold.h"
#include "sql/labelset_json.h"

namespace overtone::sql {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

bool IsRanking(AggregateKind k) { return k == AggregateKind::kTopk || k == AggregateKind::kBottomk; }
// The kinds that keep a group's points at a step rather than fold them.
bool KeepsPoints(AggregateKind k) { return IsRanking(k) || k == AggregateKind::kQuantile; }

// The points bucketed by step: order[first[s] .. first[s + 1]) are the
// point indexes of step s (ts steps[s]), in input order.
struct StepBuckets {
  std::vector<int64_t> steps;
  std::vector<uint32_t> first;
  std::vector<uint32_t> order;
};

// Each point's ts gets a slot, numbered as first seen; the next point of a
// series is most often at the slot after its previous one's, so the hash
// map is asked only once per distinct ts in the usual case.
StepBuckets BucketBySteps(const VectorOperand& in) {
  const auto& points = in.points;
  std::vector<uint32_t> slot(points.size());
  std::vector<int64_t> slot_ts;
  std::unordered_map<int64_t, uint32_t> slot_of;
  uint32_t prev = kNone;
  for (size_t i = 0; i < points.size(); ++i) {
    int64_t ts = points[i].ts;
    uint32_t s;
    if (prev != kNone && prev + 1 < slot_ts.size() && slot_ts[prev + 1] == ts) {
      s = prev + 1;
    } else {
      auto [it, inserted] = slot_of.emplace(ts, static_cast<uint32_t>(slot_ts.size()));
      if (inserted) slot_ts.push_back(ts);
      s = it->second;
    }
    slot[i] = prev = s;
  }
  std::vector<uint32_t> by_ts(slot_ts.size());
  for (uint32_t s = 0; s < by_ts.size(); ++s) by_ts[s] = s;
  std::sort(by_ts.begin(), by_ts.end(), [&](uint32_t a, uint32_t b) { return slot_ts[a] < slot_ts[b]; });
  std::vector<uint32_t> step_of_slot(slot_ts.size());
  StepBuckets b;
  b.steps.resize(slot_ts.size());
  for (uint32_t step = 0; step < by_ts.size(); ++step) {
    step_of_slot[by_ts[step]] = step;
    b.steps[step] = slot_ts[by_ts[step]];
  }
  b.first.assign(b.steps.size() + 1, 0);
  for (uint32_t& s : slot) {
    s = step_of_slot[s];
    ++b.first[s + 1];
  }
  for (size_t step = 0; step < b.steps.size(); ++step) b.first[step + 1] += b.first[step];
  b.order.resize(points.size());
  std::vector<uint32_t> next(b.first.begin(), b.first.end() - 1);
  for (uint32_t i = 0; i < points.size(); ++i) b.order[next[slot[i]]++] = i;
  return b;
}

// The points of each series together, in ts order (a counting sort of the
// step-by-step result): whoever reads the rows meets each label set once.
void BySeries(VectorOperand* v) {
  std::vector<uint32_t> next(v->series.size() + 1, 0);
  for (const VectorOperand::Point& p : v->points) ++next[p.series + 1];
  for (size_t s = 1; s < next.size(); ++s) next[s] += next[s - 1];
  std::vector<VectorOperand::Point> sorted(v->points.size());
  for (const VectorOperand::Point& p : v->points) sorted[next[p.series]++] = p;
  v->points = std::move(sorted);
}

class Aggregator {
 public:
  Aggregator(const AggregateSpec& spec, const VectorOperand& in) : spec_(spec), in_(in) {}

  Result<VectorOperand> Run() {
    OT_RETURN_IF_ERROR(Group());
    if (IsRanking(spec_.kind) && spec_.k < 1) return std::move(out_);
    StepBuckets b = BucketBySteps(in_);
    state_.resize(keys_.size());
    drop_.resize(keys_.size());
    members_.resize(keys_.size());
    out_of_group_.assign(2 * keys_.size(), kNone);
    out_of_series_.assign(in_.series.size(), kNone);
    for (size_t step = 0; step < b.steps.size(); ++step) {
      touched_.clear();
      for (uint32_t i = b.first[step]; i < b.first[step + 1]; ++i) Add(b.order[i]);
      IsRanking(spec_.kind) ? EmitRanked(b.steps[step]) : Emit(b.steps[step]);
    }
    BySeries(&out_);
    return std::move(out_);
  }

 private:
  // Each series' group: its key's canonical JSON, interned; cut out of
  // the series' JSON where that is canonical (labelset_json.h).
  Status Group() {
    std::unordered_map<std::string, uint32_t> index;
    group_of_.reserve(in_.series.size());
    std::vector<std::string> names = spec_.labels;
    if (spec_.without) names.push_back(std::string(kMetricNameLabel));
    std::vector<LabelsetMember> members;
    for (const VectorOperand::Series& series : in_.series) {
      std::string key;
      if (CanonicalLabelsetMembers(series.labelset, &members)) {
        key = LabelsetMembersJson(members, names, !spec_.without);
      } else {
        OT_ASSIGN_OR_RETURN(LabelPairs labels, ParseLabelsetJson(series.labelset));
        key = GroupKeyJson(spec_, std::move(labels));
      }
      auto [it, inserted] = index.emplace(std::move(key), static_cast<uint32_t>(keys_.size()));
      if (inserted) keys_.push_back(it->first);
      group_of_.push_back(it->second);
    }
    for (const VectorOperand::Point& p : in_.points) {
      if (p.series >= in_.series.size())
        return Status::InvalidArgument("vector_aggregate: a point of no series");
    }
    return Status::OK();
  }

  void Add(uint32_t point) {
    const VectorOperand::Point& p = in_.points[point];
    uint32_t g = group_of_[p.series];
    GroupState* s = &state_[g];
    bool first = members_[g].empty() && !s->seen;
    if (first) {
      touched_.push_back(g);
      drop_[g] = false;
    }
    drop_[g] = drop_[g] || in_.series[p.series].drop_name;
    if (KeepsPoints(spec_.kind)) {
      members_[g].push_back(point);
    } else {
      FoldValue(spec_.kind, s, p.value);
    }
  }

  // A group's value at this step: its fold, or quantile of its points.
  double Value(uint32_t g) {
    if (spec_.kind != AggregateKind::kQuantile) return FoldResult(spec_.kind, state_[g]);
    values_.clear();
    for (uint32_t i : members_[g]) values_.push_back(in_.points[i].value);
    members_[g].clear();
    return QuantileOfValues(spec_.q, &values_);
  }

  void Emit(int64_t ts) {
    for (uint32_t g : touched_) {
      uint32_t& id = out_of_group_[2 * g + (drop_[g] ? 1 : 0)];
      if (id == kNone) {
        id = static_cast<uint32_t>(out_.series.size());
        out_.series.push_back(VectorOperand::Series{keys_[g], drop_[g] != 0});
      }
      out_.points.push_back(VectorOperand::Point{id, ts, Value(g)});
      state_[g] = GroupState{};
    }
  }

  // topk / bottomk: the k first of each group by value, NaN last, ties in
  // input order.
  void EmitRanked(int64_t ts) {
    const bool top = spec_.kind == AggregateKind::kTopk;
    auto before = [&](uint32_t a, uint32_t b) {
      double x = in_.points[a].value, y = in_.points[b].value;
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
      return top ? x > y : x < y;
    };
    for (uint32_t g : touched_) {
      std::vector<uint32_t>& m = members_[g];
      size_t k = static_cast<size_t>(std::min<int64_t>(spec_.k, static_cast<int64_t>(m.size())));
      // The k first as a stable sort orders them (ties in input order:
      // the points' indexes ascend with it), without sorting the rest.
      std::partial_sort(m.begin(), m.begin() + static_cast<ptrdiff_t>(k), m.end(),
                        [&](uint32_t a, uint32_t b) { return before(a, b) || (!before(b, a) && a < b); });
      for (size_t i = 0; i < k; ++i) {
        const VectorOperand::Point& p = in_.points[m[i]];
        uint32_t& id = out_of_series_[p.series];
        if (id == kNone) {
          id = static_cast<uint32_t>(out_.series.size());
          out_.series.push_back(in_.series[p.series]);
        }
        out_.points.push_back(VectorOperand::Point{id, ts, p.value});
      }
      m.clear();
    }
  }

  const AggregateSpec& spec_;
  const VectorOperand& in_;
  std::vector<uint32_t> group_of_;              // series -> group
  std::vector<std::string> keys_;               // group -> key label set
  std::vector<GroupState> state_;               // group -> this step's fold
  std::vector<char> drop_;                      // group -> this step's drop_name
  std::vector<std::vector<uint32_t>> members_;  // group -> this step's points (topk, bottomk, quantile)
  std::vector<double> values_;                  // a group's values at a step (quantile)
  std::vector<uint32_t> touched_;               // the groups with points at this step
  std::vector<uint32_t> out_of_group_;          // 2 * group + drop_name -> result series
  std::vector<uint32_t> out_of_series_;         // input series -> result series (topk, bottomk)
  VectorOperand out_;
};

}  // namespace

std::string GroupKeyJson(const AggregateSpec& spec, LabelPairs labels) {
  std::erase_if(labels, [&](const auto& l) {
    bool listed = std::find(spec.labels.begin(), spec.labels.end(), l.first) != spec.labels.end() ||
                  (spec.without && l.first == kMetricNameLabel);
    return listed == spec.without;
  });
  return LabelsetJson(labels);
}

Result<AggregateKind> ParseAggregateKind(std::string_view name) {
  static const std::pair<std::string_view, AggregateKind> kNames[] = {
      {"sum", AggregateKind::kSum},           {"avg", AggregateKind::kAvg},
      {"min", AggregateKind::kMin},           {"max", AggregateKind::kMax},
      {"count", AggregateKind::kCount},       {"group", AggregateKind::kGroup},
      {"stddev", AggregateKind::kStddev},     {"stdvar", AggregateKind::kStdvar},
      {"topk", AggregateKind::kTopk},         {"bottomk", AggregateKind::kBottomk},
      {"quantile", AggregateKind::kQuantile},
  };
  for (const auto& [n, kind] : kNames) {
    if (n == name) return kind;
  }
  return Status::InvalidArgument("vector_aggregate: unknown aggregation '" + std::string(name) + "'");
}

Result<VectorOperand> AggregateVector(const AggregateSpec& spec, const VectorOperand& in) {
  return Aggregator(spec, in).Run();
}

}  // namespace overtone::sql
