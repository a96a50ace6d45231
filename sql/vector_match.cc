#include "sql/vector_match.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "overtone/types.h"
#include "sql/labelset_json.h"

namespace overtone::sql {
namespace {

template <typename T>
void PutRaw(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

template <typename T>
bool GetRaw(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

bool IsArithmetic(MatchOp op) { return op <= MatchOp::kAtan2; }
bool IsSetOp(MatchOp op) { return op >= MatchOp::kAnd; }

// Go's float semantics, as Prometheus's vectorElemBinop: the value, and
// whether a comparison holds.
double Arith(MatchOp op, double l, double r) {
  switch (op) {
    case MatchOp::kAdd: return l + r;
    case MatchOp::kSub: return l - r;
    case MatchOp::kMul: return l * r;
    case MatchOp::kDiv: return l / r;
    case MatchOp::kMod: return std::fmod(l, r);
    case MatchOp::kPow: return std::pow(l, r);
    case MatchOp::kAtan2: return std::atan2(l, r);
    default: return std::nan("");
  }
}

bool Holds(MatchOp op, double l, double r) {
  switch (op) {
    case MatchOp::kEq: return l == r;
    case MatchOp::kNe: return l != r;
    case MatchOp::kGt: return l > r;
    case MatchOp::kLt: return l < r;
    case MatchOp::kGe: return l >= r;
    case MatchOp::kLe: return l <= r;
    default: return false;
  }
}

LabelPairs Keep(const LabelPairs& in, const std::vector<std::string>& names) {
  LabelPairs out;
  for (const auto& p : in) {
    if (std::find(names.begin(), names.end(), p.first) != names.end()) out.push_back(p);
  }
  return out;
}

LabelPairs Drop(const LabelPairs& in, const std::vector<std::string>& names) {
  LabelPairs out;
  for (const auto& p : in) {
    if (std::find(names.begin(), names.end(), p.first) == names.end()) out.push_back(p);
  }
  return out;
}

// One operand, prepared: each series' signature (and whether its JSON is
// canonical, CanonicalLabelsetMembers), its labels parsed when first needed, its
// points in ts order.
struct Side {
  const VectorOperand* v;
  mutable std::vector<LabelPairs> labels;
  mutable std::vector<uint8_t> parsed;  // labels[i] holds series i's labels
  std::vector<uint8_t> canonical;
  std::vector<uint32_t> sig;
  std::vector<uint32_t> order;  // point indexes, by ts (stable)
  size_t at = 0;                // the walk's position in `order`
  size_t end = 0;               // the end of the current step's points

  int64_t ts(size_t i) const { return v->points[order[i]].ts; }
  const VectorOperand::Point& point(size_t i) const { return v->points[order[i]]; }
};

class Matcher {
 public:
  Matcher(const MatchSpec& spec, const VectorOperand& lhs, const VectorOperand& rhs) : spec_(spec) {
    lhs_.v = &lhs;
    rhs_.v = &rhs;
    if (spec.on) {
      sig_names_ = spec.labels;
    } else {
      sig_names_ = spec.labels;
      sig_names_.push_back(std::string(kMetricNameLabel));
    }
  }

  Result<VectorOperand> Run() {
    OT_RETURN_IF_ERROR(Prepare(&lhs_));
    OT_RETURN_IF_ERROR(Prepare(&rhs_));
    one_stamp_.assign(sig_keys_.size(), 0);
    one_at_.assign(sig_keys_.size(), 0);
    matched_stamp_.assign(sig_keys_.size(), 0);
    // At most a point for each of the "many" side's (the left's for and,
    // unless; both sides' for or): reserved, not grown by copying.
    size_t most = spec_.op == MatchOp::kOr ? lhs_.order.size() + rhs_.order.size()
                  : !IsSetOp(spec_.op) && spec_.card == MatchCard::kOneToMany ? rhs_.order.size()
                                                                              : lhs_.order.size();
    out_.points.reserve(most);
    while (lhs_.at < lhs_.order.size() || rhs_.at < rhs_.order.size()) {
      int64_t ts = INT64_MAX;
      if (lhs_.at < lhs_.order.size()) ts = lhs_.ts(lhs_.at);
      if (rhs_.at < rhs_.order.size()) ts = std::min(ts, rhs_.ts(rhs_.at));
      for (Side* s : {&lhs_, &rhs_}) {
        s->end = s->at;
        while (s->end < s->order.size() && s->ts(s->end) == ts) ++s->end;
      }
      ++step_;
      OT_RETURN_IF_ERROR(IsSetOp(spec_.op) ? SetStep(ts) : BinaryStep(ts));
      lhs_.at = lhs_.end;
      rhs_.at = rhs_.end;
    }
    return std::move(out_);
  }

 private:
  Status Prepare(Side* s) {
    const VectorOperand& v = *s->v;
    s->labels.resize(v.series.size());
    s->parsed.assign(v.series.size(), 0);
    s->canonical.assign(v.series.size(), 0);
    s->sig.reserve(v.series.size());
    for (size_t i = 0; i < v.series.size(); ++i) {
      const std::string& json = v.series[i].labelset;
      std::string key;
      if (CanonicalLabelsetMembers(json, &members_)) {
        s->canonical[i] = 1;
        key = LabelsetMembersJson(members_, sig_names_, spec_.on);
      } else {
        OT_ASSIGN_OR_RETURN(s->labels[i], ParseLabelsetJson(json));
        s->parsed[i] = 1;
        key = LabelsetJson(spec_.on ? Keep(s->labels[i], sig_names_) : Drop(s->labels[i], sig_names_));
      }
      auto [it, inserted] = sig_index_.emplace(key, static_cast<uint32_t>(sig_keys_.size()));
      if (inserted) sig_keys_.push_back(std::move(key));
      s->sig.push_back(it->second);
    }
    for (const VectorOperand::Point& p : v.points) {
      if (p.series >= v.series.size()) return Status::InvalidArgument("vector_match: a point of no series");
    }
    s->order = PointsByTime(v.points);
    return Status::OK();
  }

  // Series `i`'s labels, parsed on first use (CanonicalLabelsetMembers checked
  // that its JSON parses).
  const LabelPairs& LabelsOf(const Side& s, uint32_t i) const {
    if (!s.parsed[i]) {
      Result<LabelPairs> labels = ParseLabelsetJson(s.v->series[i].labelset);
      if (labels.ok()) s.labels[i] = std::move(*labels);
      s.parsed[i] = 1;
    }
    return s.labels[i];
  }

  // The result series for `series` of `side` itself (set operators).
  uint32_t SameSeries(const Side& side, uint32_t series) {
    const VectorOperand::Series& s = side.v->series[series];
    return Intern(s.labelset, s.drop_name);
  }

  uint32_t Intern(const std::string& labelset, bool drop_name) {
    std::string key = labelset;
    key.push_back(drop_name ? '\1' : '\0');
    auto [it, inserted] = out_index_.emplace(std::move(key), static_cast<uint32_t>(out_.series.size()));
    if (inserted) {
      out_.series.push_back(VectorOperand::Series{labelset, drop_name});
      out_stamp_.push_back(0);
    }
    return it->second;
  }

  // The "one" side's points of this step by signature: false on a
  // duplicate signature when `strict` (Prometheus's error), else the first.
  Status IndexStep(const Side& one, bool strict) {
    for (size_t i = one.at; i < one.end; ++i) {
      uint32_t sig = one.sig[one.point(i).series];
      if (one_stamp_[sig] == step_) {
        if (strict) return DuplicateError(one, sig);
        continue;
      }
      one_stamp_[sig] = step_;
      one_at_[sig] = i;
    }
    return Status::OK();
  }

  Status DuplicateError(const Side& one, uint32_t sig) const {
    std::string first, last;
    for (size_t i = one.at; i < one.end; ++i) {
      uint32_t series = one.point(i).series;
      if (one.sig[series] != sig) continue;
      const std::string& l = one.v->series[series].labelset;
      if (first.empty() || l < first) first = l;
      if (last.empty() || l > last) last = l;
    }
    auto text = [](const std::string& json) {
      auto pairs = ParseLabelsetJson(json);
      return pairs.ok() ? LabelsetText(*pairs) : json;
    };
    return Status::InvalidArgument(
        "found duplicate series for the match group " + text(sig_keys_[sig]) + " on the " +
        (&one == &lhs_ ? "left" : "right") + " hand-side of the operation: [" + text(first) + ", " +
        text(last) + "];many-to-many matching not allowed: matching labels must be unique on one side");
  }

  Status BinaryStep(int64_t ts) {
    if (lhs_.at == lhs_.end || rhs_.at == rhs_.end) return Status::OK();  // nothing can match
    bool swapped = spec_.card == MatchCard::kOneToMany;
    const Side& one = swapped ? lhs_ : rhs_;
    const Side& many = swapped ? rhs_ : lhs_;
    OT_RETURN_IF_ERROR(IndexStep(one, /*strict=*/true));
    for (size_t i = many.at; i < many.end; ++i) {
      const VectorOperand::Point& p = many.point(i);
      uint32_t sig = many.sig[p.series];
      if (one_stamp_[sig] != step_) continue;
      // Before a comparison filters: two left series for one right one are
      // an error even when the filter would drop one of them.
      if (spec_.card == MatchCard::kOneToOne) {
        if (matched_stamp_[sig] == step_) {
          return Status::InvalidArgument(
              "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        matched_stamp_[sig] = step_;
      }
      const VectorOperand::Point& q = one.point(one_at_[sig]);
      double l = swapped ? q.value : p.value, r = swapped ? p.value : q.value;
      double value;
      if (IsArithmetic(spec_.op)) {
        value = Arith(spec_.op, l, r);
      } else if (spec_.return_bool) {
        value = Holds(spec_.op, l, r) ? 1 : 0;
      } else {
        if (!Holds(spec_.op, l, r)) continue;
        value = l;
      }
      uint32_t out = ResultSeries(many, p.series, one, q.series);
      if (spec_.card != MatchCard::kOneToOne) {
        if (out_stamp_[out] == step_) {
          return Status::InvalidArgument(
              "multiple matches for labels: grouping labels must ensure unique results");
        }
        out_stamp_[out] = step_;
      }
      out_.points.push_back(VectorOperand::Point{out, ts, value});
    }
    return Status::OK();
  }

  // The result's labels for a "many" series matched with a "one" series,
  // built once per pair.
  uint32_t ResultSeries(const Side& many, uint32_t m, const Side& one, uint32_t o) {
    uint64_t key = (static_cast<uint64_t>(m) << 32) | o;
    auto it = pair_out_.find(key);
    if (it != pair_out_.end()) return it->second;
    bool arithmetic = IsArithmetic(spec_.op);
    std::string json;
    if (spec_.card == MatchCard::kOneToOne) {
      std::vector<std::string> names;
      if (spec_.on) {
        for (const std::string& n : spec_.labels) {
          if (!(arithmetic && n == kMetricNameLabel)) names.push_back(n);
        }
      } else {
        if (arithmetic) names.push_back(std::string(kMetricNameLabel));
        names.insert(names.end(), spec_.labels.begin(), spec_.labels.end());
      }
      if (many.canonical[m] && CanonicalLabelsetMembers(many.v->series[m].labelset, &members_)) {
        json = LabelsetMembersJson(members_, names, spec_.on);
      } else {
        const LabelPairs& base = LabelsOf(many, m);
        json = LabelsetJson(spec_.on ? Keep(base, names) : Drop(base, names));
      }
    } else {
      const LabelPairs& base = LabelsOf(many, m);
      LabelPairs labels = arithmetic ? Drop(base, {std::string(kMetricNameLabel)}) : base;
      for (const std::string& n : spec_.include) SetLabel(&labels, n, GetLabelValue(LabelsOf(one, o), n));
      json = LabelsetJson(labels);
    }
    uint32_t out = Intern(json, spec_.return_bool);
    pair_out_.emplace(key, out);
    return out;
  }

  Status SetStep(int64_t ts) {
    // and, unless: the left's points, by whether the right has their
    // signature; or: all of the left's, then the right's the left lacks.
    const bool left_probe = spec_.op == MatchOp::kOr;
    const Side& index = left_probe ? lhs_ : rhs_;
    OT_RETURN_IF_ERROR(IndexStep(index, /*strict=*/false));
    for (size_t i = lhs_.at; i < lhs_.end; ++i) {
      const VectorOperand::Point& p = lhs_.point(i);
      bool matched = one_stamp_[lhs_.sig[p.series]] == step_;
      if (spec_.op == MatchOp::kAnd && !matched) continue;
      if (spec_.op == MatchOp::kUnless && matched) continue;
      out_.points.push_back(VectorOperand::Point{SameSeries(lhs_, p.series), ts, p.value});
    }
    if (spec_.op != MatchOp::kOr) return Status::OK();
    for (size_t i = rhs_.at; i < rhs_.end; ++i) {
      const VectorOperand::Point& p = rhs_.point(i);
      if (one_stamp_[rhs_.sig[p.series]] == step_) continue;
      out_.points.push_back(VectorOperand::Point{SameSeries(rhs_, p.series), ts, p.value});
    }
    return Status::OK();
  }

  const MatchSpec& spec_;
  std::vector<std::string> sig_names_;
  Side lhs_, rhs_;
  std::unordered_map<std::string, uint32_t> sig_index_;
  std::vector<std::string> sig_keys_;    // each signature's label set, JSON
  std::vector<LabelsetMember> members_;  // CanonicalLabelsetMembers' scratch
  // Per signature: the step it was last seen at on the "one" side (and
  // where), the step it last matched at (one-to-one).
  std::vector<uint64_t> one_stamp_, matched_stamp_;
  std::vector<size_t> one_at_;
  uint64_t step_ = 0;
  std::unordered_map<uint64_t, uint32_t> pair_out_;
  std::unordered_map<std::string, uint32_t> out_index_;
  std::vector<uint64_t> out_stamp_;  // per result series: the step it last got a point
  VectorOperand out_;
};

// The distinct times of `points`, ascending, when each ascending run of
// them (a series' points, as the sources give them) is made of times a
// few runs share (the steps of a range); nullopt when merging the runs'
// times would cost more than a sort.
std::optional<std::vector<int64_t>> SharedTimes(const std::vector<VectorOperand::Point>& points) {
  std::vector<int64_t> times, merged, run;
  size_t budget = 4 * points.size() + 1024;  // times copied by merges, at most
  for (size_t i = 0; i < points.size();) {
    run.clear();
    run.push_back(points[i].ts);
    for (++i; i < points.size() && points[i].ts > run.back(); ++i) run.push_back(points[i].ts);
    if (std::includes(times.begin(), times.end(), run.begin(), run.end())) continue;
    if (times.size() + run.size() > budget) return std::nullopt;
    budget -= times.size() + run.size();
    merged.clear();
    std::set_union(times.begin(), times.end(), run.begin(), run.end(), std::back_inserter(merged));
    times.swap(merged);
  }
  return times;
}

}  // namespace

std::vector<uint32_t> PointsByTime(const std::vector<VectorOperand::Point>& points) {
  std::vector<uint32_t> order(points.size());
  std::optional<std::vector<int64_t>> times = SharedTimes(points);
  if (!times) {
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&points](uint32_t a, uint32_t b) { return points[a].ts < points[b].ts; });
    return order;
  }
  // A counting sort by each point's place among the times: stable, and
  // linear. Within an ascending run the place only moves forward.
  std::vector<uint32_t> place(points.size());
  std::vector<size_t> start(times->size() + 1, 0);
  size_t at = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (i == 0 || points[i].ts <= points[i - 1].ts) {
      at = std::lower_bound(times->begin(), times->end(), points[i].ts) - times->begin();
    }
    while ((*times)[at] != points[i].ts) ++at;
    place[i] = static_cast<uint32_t>(at);
    ++start[at + 1];
  }
  for (size_t t = 1; t < start.size(); ++t) start[t] += start[t - 1];
  for (uint32_t i = 0; i < points.size(); ++i) order[start[place[i]]++] = i;
  return order;
}

std::string PackVector(const VectorOperand& v) {
  std::string out;
  out.reserve(8 + v.points.size() * 20);
  PutRaw<uint32_t>(&out, static_cast<uint32_t>(v.series.size()));
  for (const VectorOperand::Series& s : v.series) {
    PutRaw<uint8_t>(&out, s.drop_name ? 1 : 0);
    PutRaw<uint32_t>(&out, static_cast<uint32_t>(s.labelset.size()));
    out.append(s.labelset);
  }
  PutRaw<uint32_t>(&out, static_cast<uint32_t>(v.points.size()));
  for (const VectorOperand::Point& p : v.points) {
    PutRaw(&out, p.series);
    PutRaw(&out, p.ts);
    PutRaw(&out, p.value);
  }
  return out;
}

Result<VectorOperand> UnpackVector(std::string_view in) {
  Status bad = Status::InvalidArgument("vector_match: an operand not made by prom_vector()");
  VectorOperand v;
  uint32_t n;
  if (!GetRaw(&in, &n)) return bad;
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t drop;
    uint32_t len;
    if (!GetRaw(&in, &drop) || !GetRaw(&in, &len) || in.size() < len) return bad;
    v.series.push_back(VectorOperand::Series{std::string(in.substr(0, len)), drop != 0});
    in.remove_prefix(len);
  }
  if (!GetRaw(&in, &n) || in.size() != static_cast<size_t>(n) * 20) return bad;
  v.points.resize(n);
  for (VectorOperand::Point& p : v.points) {
    if (!GetRaw(&in, &p.series) || !GetRaw(&in, &p.ts) || !GetRaw(&in, &p.value)) return bad;
    if (p.series >= v.series.size()) return bad;
  }
  return v;
}

Result<MatchOp> ParseMatchOp(std::string_view name) {
  static constexpr std::pair<const char*, MatchOp> kOps[] = {
      {"add", MatchOp::kAdd},       {"sub", MatchOp::kSub}, {"mul", MatchOp::kMul},
      {"div", MatchOp::kDiv},       {"mod", MatchOp::kMod}, {"pow", MatchOp::kPow},
      {"atan2", MatchOp::kAtan2},   {"eq", MatchOp::kEq},   {"ne", MatchOp::kNe},
      {"gt", MatchOp::kGt},         {"lt", MatchOp::kLt},   {"ge", MatchOp::kGe},
      {"le", MatchOp::kLe},         {"and", MatchOp::kAnd}, {"or", MatchOp::kOr},
      {"unless", MatchOp::kUnless},
  };
  for (const auto& [n, op] : kOps) {
    if (name == n) return op;
  }
  return Status::InvalidArgument("vector_match: unknown operator '" + std::string(name) + "'");
}

Result<MatchCard> ParseMatchCard(std::string_view name) {
  if (name == "one_to_one") return MatchCard::kOneToOne;
  if (name == "many_to_one") return MatchCard::kManyToOne;
  if (name == "one_to_many") return MatchCard::kOneToMany;
  return Status::InvalidArgument("vector_match: unknown cardinality '" + std::string(name) + "'");
}

Result<VectorOperand> MatchVectors(const MatchSpec& spec, const VectorOperand& lhs,
                                   const VectorOperand& rhs) {
  return Matcher(spec, lhs, rhs).Run();
}

}  // namespace overtone::sql
