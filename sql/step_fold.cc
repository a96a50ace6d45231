// StepFold (vector_aggregate.h): AggregateVector's fold without the points.
//
// AggregateVector folds, at each step, the points of that step in input
// order; the points of a series come together, so folding each point into
// its (group, step) state as it comes folds every state in the same order
// and gives the same bits. Its result series are numbered as each group
// first has a point: by step, then by input order within the step; first_
// keeps the (step, series) of that point to number them the same way.

#include <algorithm>
#include <limits>
#include <numeric>

#include "sql/vector_aggregate.h"

namespace overtone::sql {

StepFold::StepFold(const AggregateSpec& spec, int64_t start, int64_t step, size_t num_steps, bool drop_name)
    : spec_(spec), start_(start), step_(step), num_steps_(num_steps), drop_name_(drop_name) {}

void StepFold::StartSeries(const LabelPairs& labels) {
  auto [it, inserted] = index_.emplace(GroupKeyJson(spec_, labels), static_cast<uint32_t>(keys_.size()));
  if (inserted) {
    keys_.push_back(it->first);
    state_.resize(state_.size() + num_steps_, GroupState{});
    first_.emplace_back(std::numeric_limits<size_t>::max(), 0);
  }
  group_ = it->second;
  ++series_;
}

Status StepFold::Add(int64_t ts, double value) {
  if (series_ == 0 || ts < start_ || (ts - start_) % step_ != 0 ||
      static_cast<uint64_t>((ts - start_) / step_) >= num_steps_) {
    return Status::InvalidArgument("selector_aggregate: a point off the steps");
  }
  size_t step = static_cast<size_t>((ts - start_) / step_);
  FoldValue(spec_.kind, &state_[group_ * num_steps_ + step], value);
  if (step < first_[group_].first) first_[group_] = {step, series_};
  return Status::OK();
}

VectorOperand StepFold::Finish() {
  std::vector<uint32_t> order;
  for (uint32_t g = 0; g < keys_.size(); ++g) {
    if (first_[g].first != std::numeric_limits<size_t>::max()) order.push_back(g);
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return first_[a] < first_[b]; });
  VectorOperand out;
  for (uint32_t g : order) {
    out.series.push_back(VectorOperand::Series{std::move(keys_[g]), drop_name_});
    const uint32_t id = static_cast<uint32_t>(out.series.size() - 1);
    for (size_t s = 0; s < num_steps_; ++s) {
      const GroupState& st = state_[g * num_steps_ + s];
      if (st.seen)
        out.points.push_back(
            VectorOperand::Point{id, start_ + static_cast<int64_t>(s) * step_, FoldResult(spec_.kind, st)});
    }
  }
  return out;
}

}  // namespace overtone::sql
