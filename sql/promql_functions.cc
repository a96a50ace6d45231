// SQL functions for PromQL evaluated in SQL.
//
// Label sets (canonical JSON text, see labelset_json.h):
//   labelset(metric, labels)        the full label set of a table row
//   labels_keep(labelset, name...)  only these labels
//   labels_drop(labelset, name...)  all but these labels
//   labels_set(labelset, name, value)   set one label ('' removes it)
//   label_value(labelset, name)     a label's value, '' when absent
//   label_replace(labelset, dst, replacement, src, regex)   PromQL's
//   label_join(labelset, dst, separator, src...)            PromQL's
//   labelset_text(labelset)         {__name__="up", a="b"} as Prometheus prints it
// Values, with NULL for NaN and Go's float semantics:
//   prom_div prom_mod prom_pow prom_atan2 (a, b)   / % ^ atan2
//   prom_abs prom_ceil prom_floor prom_exp prom_ln prom_log2 prom_log10
//   prom_sqrt prom_sgn prom_deg prom_rad, trigonometric prom_sin ... (v)
//   prom_round(v, to_nearest)   prom_clamp(v, min, max)
//   prom_value_text(v)          count_values' label text
//   prom_error(message)         fails the statement with the message
// Aggregates as PromQL computes them (Kahan sums, NaN propagating):
//   prom_sum(v) prom_avg(v) prom_stddev(v) prom_stdvar(v) prom_quantile(q, v)
//   prom_window(fn, ts, value, eval_ts, offset, range [, param [, param2]])
//                               a range function (rate, avg_over_time, ...)
//                               over the (ts, value) rows of a window, for
//                               subqueries; the raw bits of the result, NULL
//                               when it has none
//   prom_from_raw(raw)          the value of raw bits (NULL for NaN)
//   prom_histogram_quantile(q, le, value)
//   prom_histogram_fraction(lower, upper, le, value)
//                               histogram_quantile / histogram_fraction over
//                               the buckets of one classic histogram
//                               (engine/classic_histogram.h): `le` read as
//                               Go's ParseFloat reads it, rows whose le does
//                               not read skipped; the raw bits of the answer,
//                               NULL when no row had a bucket
// Series sampling:
//   prom_sample_offset(labelset)  limit_ratio's place of a series in [0, 1]:
//                               Prometheus's label-set hash (xxHash64 of
//                               name 0xff value 0xff ...) / 2^64

#include "sql/promql_functions.h"

#include <re2/re2.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/go_float.h"
#include "engine/classic_histogram.h"
#include "engine/range_functions.h"
#include "overtone/over_time.h"
#include "sql/callback_guard.h"
#include "sql/group_fold.h"
#include "sql/labelset_json.h"
#include "sql/vtab_common.h"

namespace overtone::sql {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// NULL reads as NaN: SQLite stores NaN as NULL.
double Arg(sqlite3_value* v) { return sqlite3_value_type(v) == SQLITE_NULL ? kNaN : sqlite3_value_double(v); }

void ResultDouble(sqlite3_context* ctx, double v) {
  if (std::isnan(v)) {
    sqlite3_result_null(ctx);
  } else {
    sqlite3_result_double(ctx, v);
  }
}

Result<LabelPairs> LabelsetArg(sqlite3_value* v) { return ParseLabelsetJson(TextOf(v)); }

// ---- label sets ----

// The label-set functions compute their text result into *out: a pure
// function of the arguments, which MemoizedLabelFn keeps.
Status LabelsetFn(int, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[1]));
  SetLabel(&labels, kMetricNameLabel, TextOf(argv[0]));
  *out = LabelsetJson(labels);
  return Status::OK();
}

template <bool kKeep>
Status LabelsFilterFn(int argc, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[0]));
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) names.push_back(TextOf(argv[i]));
  std::erase_if(labels, [&](const auto& l) {
    bool listed = std::find(names.begin(), names.end(), l.first) != names.end();
    return listed != kKeep;
  });
  *out = LabelsetJson(labels);
  return Status::OK();
}

Status LabelsSetFn(int, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[0]));
  SetLabel(&labels, TextOf(argv[1]), TextOf(argv[2]));
  *out = LabelsetJson(labels);
  return Status::OK();
}

Status LabelValueFn(int, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[0]));
  *out = std::string(GetLabelValue(labels, TextOf(argv[1])));
  return Status::OK();
}

Status LabelsetTextFn(int, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[0]));
  *out = LabelsetText(labels);
  return Status::OK();
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's regexp.Expand: $1, ${1}, $name, ${name}, $$; a malformed reference
// is literal text, an unknown group expands to nothing.
std::string ExpandTemplate(const RE2& re, std::string_view tmpl,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(i, dollar - i));
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t j = brace ? i + 1 : i, name_start = j;
    while (j < tmpl.size() && IsNameChar(tmpl[j])) ++j;
    std::string_view name = tmpl.substr(name_start, j - name_start);
    if (name.empty() || (brace && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out.push_back('$');
      continue;
    }
    i = brace ? j + 1 : j;
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;
    if (num < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end()) num = it->second;
    }
    if (num >= 0 && static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr) {
      out.append(groups[num].data(), groups[num].size());
    }
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

Status LabelReplaceFn(int, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[0]));
  std::string dst = TextOf(argv[1]), repl = TextOf(argv[2]), src = TextOf(argv[3]), regex = TextOf(argv[4]);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(true);
  RE2 re("^(?:" + regex + ")$", options);
  if (!re.ok()) {
    return Status::InvalidArgument("invalid regular expression in label_replace(): " + regex);
  }
  std::string value(GetLabelValue(labels, src));
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  if (re.Match(value, 0, value.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) {
    SetLabel(&labels, dst, ExpandTemplate(re, repl, groups));
  }
  *out = LabelsetJson(labels);
  return Status::OK();
}

Status LabelJoinFn(int argc, sqlite3_value** argv, std::string* out) {
  OT_ASSIGN_OR_RETURN(LabelPairs labels, LabelsetArg(argv[0]));
  std::string joined, sep = TextOf(argv[2]);
  for (int i = 3; i < argc; ++i) {
    if (i > 3) joined += sep;
    joined += GetLabelValue(labels, TextOf(argv[i]));
  }
  SetLabel(&labels, TextOf(argv[1]), joined);
  *out = LabelsetJson(labels);
  return Status::OK();
}

// The label-set functions are pure, and SQL calls them with few distinct
// arguments, many times each (per row of each series and step, sometimes
// alternating, as histogram_quantile's label_value(labelset, 'le') in groups
// of buckets): each keeps its recent results by arguments, forgetting them
// all when there are too many. One per function per connection, which one
// thread uses at a time.
struct LabelMemo {
  static constexpr size_t kMaxEntries = 4096;
  std::unordered_map<std::string, std::string> results;
  // The previous call's key and result: rows come series by series, so the
  // same arguments mostly come again at once, and comparing them costs
  // less than building the key and hashing it.
  std::string last_key, last_result;
  std::string key;  // the arguments of the call, reused between calls
};

// Whether the arguments are those `key` was built from (as below: per
// argument its type, its length and its text).
bool SameArgs(const std::string& key, int argc, sqlite3_value** argv) {
  size_t at = 0;
  for (int i = 0; i < argc; ++i) {
    const unsigned char* text = sqlite3_value_text(argv[i]);
    int n = sqlite3_value_bytes(argv[i]);
    if (at + 1 + sizeof n > key.size() || key[at] != static_cast<char>(sqlite3_value_type(argv[i])))
      return false;
    int stored;
    std::memcpy(&stored, key.data() + at + 1, sizeof stored);
    if (stored != n) return false;
    at += 1 + sizeof n;
    if (text != nullptr) {
      if (key.size() - at < static_cast<size_t>(n) || std::memcmp(key.data() + at, text, n) != 0)
        return false;
      at += static_cast<size_t>(n);
    }
  }
  return at == key.size();
}

using LabelCompute = Status (*)(int, sqlite3_value**, std::string*);

template <LabelCompute kFn>
void MemoizedLabelFn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* memo = static_cast<LabelMemo*>(sqlite3_user_data(ctx));
  if (!memo->last_key.empty() && SameArgs(memo->last_key, argc, argv))
    return ResultString(ctx, memo->last_result);
  std::string& key = memo->key;
  key.clear();
  for (int i = 0; i < argc; ++i) {
    const unsigned char* text = sqlite3_value_text(argv[i]);
    int n = sqlite3_value_bytes(argv[i]);
    key.push_back(static_cast<char>(sqlite3_value_type(argv[i])));  // NULL is not ''
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    if (text != nullptr) key.append(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
  }
  auto it = memo->results.find(key);
  if (it == memo->results.end()) {
    std::string result;
    Status s = kFn(argc, argv, &result);
    if (!s.ok()) return sqlite3_result_error(ctx, s.message().c_str(), -1);
    if (memo->results.size() >= LabelMemo::kMaxEntries) memo->results.clear();
    it = memo->results.emplace(key, std::move(result)).first;
  }
  memo->last_key = it->first;
  memo->last_result = it->second;
  ResultString(ctx, it->second);
}

// ---- values ----

template <double (*kOp)(double, double)>
void BinaryFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  ResultDouble(ctx, kOp(Arg(argv[0]), Arg(argv[1])));
}
double Div(double a, double b) { return a / b; }
double Mod(double a, double b) { return std::fmod(a, b); }
double Pow(double a, double b) { return std::pow(a, b); }
double Atan2(double a, double b) { return std::atan2(a, b); }

template <double (*kOp)(double)>
void UnaryFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  ResultDouble(ctx, kOp(Arg(argv[0])));
}
double Abs(double v) { return std::fabs(v); }
double Ceil(double v) { return std::ceil(v); }
double Floor(double v) { return std::floor(v); }
double Exp(double v) { return std::exp(v); }
double Ln(double v) { return std::log(v); }
double Log2(double v) { return std::log2(v); }
double Log10(double v) { return std::log10(v); }
double Sqrt(double v) { return std::sqrt(v); }
double Sin(double v) { return std::sin(v); }
double Cos(double v) { return std::cos(v); }
double Tan(double v) { return std::tan(v); }
double Asin(double v) { return std::asin(v); }
double Acos(double v) { return std::acos(v); }
double Atan(double v) { return std::atan(v); }
double Sinh(double v) { return std::sinh(v); }
double Cosh(double v) { return std::cosh(v); }
double Tanh(double v) { return std::tanh(v); }
double Asinh(double v) { return std::asinh(v); }
double Acosh(double v) { return std::acosh(v); }
double Atanh(double v) { return std::atanh(v); }
double Deg(double v) { return v * 180 / M_PI; }
double Rad(double v) { return v * M_PI / 180; }
double Sgn(double v) { return v < 0 ? -1.0 : v > 0 ? 1.0 : v; }

double RoundValue(double v, double to_nearest) {
  double inverse = 1.0 / to_nearest;
  return std::floor(v * inverse + 0.5) / inverse;
}

void RoundFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  ResultDouble(ctx, RoundValue(Arg(argv[0]), Arg(argv[1])));
}

// Go's math.Max / math.Min: NaN wins, +0 beats -0 for Max.
double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

double ClampValue(double v, double min, double max) { return GoMax(min, GoMin(max, v)); }

void ClampFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  ResultDouble(ctx, ClampValue(Arg(argv[0]), Arg(argv[1]), Arg(argv[2])));
}

void ValueTextFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  ResultText(ctx, FormatFloatFixed(Arg(argv[0])));
}

void SampleOffsetFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto labels = LabelsetArg(argv[0]);
  if (!labels.ok()) return sqlite3_result_error(ctx, labels.status().message().c_str(), -1);
  std::string bytes;
  for (const auto& [name, value] : *labels) {
    bytes += name;
    bytes.push_back('\xff');
    bytes += value;
    bytes.push_back('\xff');
  }
  uint64_t hash = XXH64(bytes.data(), bytes.size(), 0);
  sqlite3_result_double(
      ctx, static_cast<double>(hash) / static_cast<double>(std::numeric_limits<uint64_t>::max()));
}

void ErrorFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  std::string msg = TextOf(argv[0]);
  sqlite3_result_error(ctx, msg.c_str(), -1);
}

// ---- aggregates ----

GroupState* State(sqlite3_context* ctx) {
  return static_cast<GroupState*>(sqlite3_aggregate_context(ctx, sizeof(GroupState)));
}

// An aggregate's step over GroupState (group_fold.h).
template <double (*kFirst)(double), void (*kAdd)(GroupState*, double)>
void GroupStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  GroupState* g = State(ctx);
  if (g == nullptr) return sqlite3_result_error_nomem(ctx);
  GroupFold<kFirst, kAdd>(g, Arg(argv[0]));
}

// The final of an aggregate over GroupState: NULL for a group without
// values, else kResult.
template <double (*kResult)(const GroupState&)>
void GroupFinal(sqlite3_context* ctx) {
  GroupState* g = State(ctx);
  if (g == nullptr || !g->seen) return sqlite3_result_null(ctx);
  ResultDouble(ctx, kResult(*g));
}

constexpr auto VarianceStep = GroupStep<VarianceFirst, VarianceAdd>;

// The state of an aggregate that needs a destructor: SQLite's aggregate
// context holds a pointer to a T, which the first step creates and the
// final (TakeState) deletes. SQLite calls the final once for every group
// that had a step, also when the statement fails or is interrupted.
template <typename T>
T* StepState(sqlite3_context* ctx) {
  auto** slot = static_cast<T**>(sqlite3_aggregate_context(ctx, sizeof(T*)));
  if (slot == nullptr) return nullptr;
  if (*slot == nullptr) *slot = new T();
  return *slot;
}
template <typename T>
std::unique_ptr<T> TakeState(sqlite3_context* ctx) {
  auto** slot = static_cast<T**>(sqlite3_aggregate_context(ctx, 0));
  return std::unique_ptr<T>(slot == nullptr ? nullptr : std::exchange(*slot, nullptr));
}

struct QuantileState {
  std::vector<double> values;
  double q = 0;
};

void QuantileStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* s = StepState<QuantileState>(ctx);
  if (s == nullptr) return sqlite3_result_error_nomem(ctx);
  if (s->values.empty()) s->q = Arg(argv[0]);
  s->values.push_back(Arg(argv[1]));
}
void QuantileFinal(sqlite3_context* ctx) {
  std::unique_ptr<QuantileState> s = TakeState<QuantileState>(ctx);
  if (s == nullptr) return sqlite3_result_null(ctx);
  ResultDouble(ctx, QuantileOfValues(s->q, &s->values));
}

// prom_histogram_quantile(q, le, value) and prom_histogram_fraction(lower,
// upper, le, value): one histogram's buckets, the answer at the end. The
// parameters come first, `le` and the count last.
struct HistogramState {
  std::vector<HistogramBucket> buckets;
  double params[2] = {0, 0};
};

void HistogramStep(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* s = StepState<HistogramState>(ctx);
  if (s == nullptr) return sqlite3_result_error_nomem(ctx);
  // Prometheus skips a series whose le is missing or not a number.
  std::optional<double> bound = ParseGoFloat(TextOf(argv[argc - 2]));
  if (!bound) return;
  if (s->buckets.empty()) {
    for (int i = 0; i < argc - 2; ++i) s->params[i] = Arg(argv[i]);
  }
  s->buckets.push_back(HistogramBucket{*bound, Arg(argv[argc - 1])});
}

template <bool kFraction>
void HistogramFinal(sqlite3_context* ctx) {
  std::unique_ptr<HistogramState> s = TakeState<HistogramState>(ctx);
  if (s == nullptr || s->buckets.empty()) return sqlite3_result_null(ctx);
  double v = kFraction ? BucketFraction(s->params[0], s->params[1], std::move(s->buckets))
                       : BucketQuantile(s->params[0], std::move(s->buckets));
  sqlite3_result_int64(ctx, std::bit_cast<int64_t>(v));
}

// prom_window(): the rows of a window, evaluated when the group ends.
struct WindowState {
  std::vector<Sample> samples;
  std::string fn;
  int64_t eval_ts = 0, offset = 0, range = 0;
  double param = 0, param2 = 0;
};

void WindowStep(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* w = StepState<WindowState>(ctx);
  if (w == nullptr) return sqlite3_result_error_nomem(ctx);
  if (w->samples.empty()) {
    w->fn = TextOf(argv[0]);
    w->eval_ts = sqlite3_value_int64(argv[3]);
    w->offset = sqlite3_value_int64(argv[4]);
    w->range = sqlite3_value_int64(argv[5]);
    w->param = argc > 6 ? Arg(argv[6]) : 0;
    w->param2 = argc > 7 ? Arg(argv[7]) : 0;
  }
  w->samples.push_back(Sample{sqlite3_value_int64(argv[1]), Arg(argv[2])});
}

void WindowFinal(sqlite3_context* ctx) {
  std::unique_ptr<WindowState> w = TakeState<WindowState>(ctx);
  if (w == nullptr) return sqlite3_result_null(ctx);
  std::vector<Sample>& samples = w->samples;
  std::sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.ts < b.ts; });
  std::optional<double> v;
  if (auto over_time = ParseOverTimeFn(w->fn); over_time.ok()) {
    v = EvalWindow(*over_time, samples, w->param);
  } else if (auto range_fn = ParseRangeFn(w->fn); range_fn.ok()) {
    if (Status s = CheckRangeFnParams(*range_fn, w->param, w->param2); !s.ok()) {
      return sqlite3_result_error(ctx, s.message().c_str(), -1);
    }
    v = EvalRangeWindow(*range_fn, samples, w->eval_ts, w->offset, w->range, w->param, w->param2);
  } else {
    return sqlite3_result_error(ctx, range_fn.status().message().c_str(), -1);
  }
  if (v) return sqlite3_result_int64(ctx, std::bit_cast<int64_t>(*v));
  sqlite3_result_null(ctx);
}

void FromRawFn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) return sqlite3_result_null(ctx);
  ResultDouble(ctx, std::bit_cast<double>(sqlite3_value_int64(argv[0])));
}

}  // namespace

std::string FormatFloatFixed(double v) {
  char buf[kMaxGoFixedChars];
  return std::string(buf, FormatGoFloatFixed(v, buf));
}

ValueFn FindValueFn(std::string_view name) {
  struct Named {
    std::string_view name;
    ValueFn fn;
  };
  static constexpr Named kValueFns[] = {
      {"abs", Abs},     {"ceil", Ceil},   {"floor", Floor}, {"exp", Exp},   {"ln", Ln},     {"log2", Log2},
      {"log10", Log10}, {"sqrt", Sqrt},   {"sin", Sin},     {"cos", Cos},   {"tan", Tan},   {"asin", Asin},
      {"acos", Acos},   {"atan", Atan},   {"sinh", Sinh},   {"cosh", Cosh}, {"tanh", Tanh}, {"asinh", Asinh},
      {"acosh", Acosh}, {"atanh", Atanh}, {"deg", Deg},     {"rad", Rad},   {"sgn", Sgn},
  };
  for (const Named& f : kValueFns) {
    if (f.name == name) return f.fn;
  }
  return nullptr;
}

double PromRound(double v, double to_nearest) { return RoundValue(v, to_nearest); }
double PromClamp(double v, double min, double max) { return ClampValue(v, min, max); }

Status RegisterPromqlFunctions(sqlite3* conn) {
  using ScalarFn = void (*)(sqlite3_context*, int, sqlite3_value**);
  struct Scalar {
    const char* name;
    int args;
    ScalarFn fn;
  };
  const Scalar scalars[] = {
      {"prom_div", 2, Guarded<BinaryFn<Div>>},    {"prom_mod", 2, Guarded<BinaryFn<Mod>>},
      {"prom_pow", 2, Guarded<BinaryFn<Pow>>},    {"prom_atan2", 2, Guarded<BinaryFn<Atan2>>},
      {"prom_abs", 1, Guarded<UnaryFn<Abs>>},     {"prom_ceil", 1, Guarded<UnaryFn<Ceil>>},
      {"prom_floor", 1, Guarded<UnaryFn<Floor>>}, {"prom_exp", 1, Guarded<UnaryFn<Exp>>},
      {"prom_ln", 1, Guarded<UnaryFn<Ln>>},       {"prom_log2", 1, Guarded<UnaryFn<Log2>>},
      {"prom_log10", 1, Guarded<UnaryFn<Log10>>}, {"prom_sqrt", 1, Guarded<UnaryFn<Sqrt>>},
      {"prom_sin", 1, Guarded<UnaryFn<Sin>>},     {"prom_cos", 1, Guarded<UnaryFn<Cos>>},
      {"prom_tan", 1, Guarded<UnaryFn<Tan>>},     {"prom_asin", 1, Guarded<UnaryFn<Asin>>},
      {"prom_acos", 1, Guarded<UnaryFn<Acos>>},   {"prom_atan", 1, Guarded<UnaryFn<Atan>>},
      {"prom_sinh", 1, Guarded<UnaryFn<Sinh>>},   {"prom_cosh", 1, Guarded<UnaryFn<Cosh>>},
      {"prom_tanh", 1, Guarded<UnaryFn<Tanh>>},   {"prom_asinh", 1, Guarded<UnaryFn<Asinh>>},
      {"prom_acosh", 1, Guarded<UnaryFn<Acosh>>}, {"prom_atanh", 1, Guarded<UnaryFn<Atanh>>},
      {"prom_deg", 1, Guarded<UnaryFn<Deg>>},     {"prom_rad", 1, Guarded<UnaryFn<Rad>>},
      {"prom_sgn", 1, Guarded<UnaryFn<Sgn>>},     {"prom_round", 2, Guarded<RoundFn>},
      {"prom_clamp", 3, Guarded<ClampFn>},        {"prom_value_text", 1, Guarded<ValueTextFn>},
      {"prom_from_raw", 1, Guarded<FromRawFn>},   {"prom_sample_offset", 1, Guarded<SampleOffsetFn>},
  };
  const Scalar label_functions[] = {
      {"labelset", 2, Guarded<MemoizedLabelFn<LabelsetFn>>},
      {"labels_keep", -1, Guarded<MemoizedLabelFn<LabelsFilterFn<true>>>},
      {"labels_drop", -1, Guarded<MemoizedLabelFn<LabelsFilterFn<false>>>},
      {"labels_set", 3, Guarded<MemoizedLabelFn<LabelsSetFn>>},
      {"label_value", 2, Guarded<MemoizedLabelFn<LabelValueFn>>},
      {"label_replace", 5, Guarded<MemoizedLabelFn<LabelReplaceFn>>},
      {"label_join", -1, Guarded<MemoizedLabelFn<LabelJoinFn>>},
      {"labelset_text", 1, Guarded<MemoizedLabelFn<LabelsetTextFn>>},
  };
  for (const Scalar& f : label_functions) {
    int rc = sqlite3_create_function_v2(
        conn, f.name, f.args, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, new LabelMemo(), f.fn,
        nullptr, nullptr, [](void* memo) { delete static_cast<LabelMemo*>(memo); });
    if (rc != SQLITE_OK)
      return Status::Internal(std::string("registering ") + f.name + ": " + sqlite3_errmsg(conn));
  }
  for (const Scalar& f : scalars) {
    int rc = sqlite3_create_function_v2(conn, f.name, f.args,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr, f.fn,
                                        nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
      return Status::Internal(std::string("registering ") + f.name + ": " + sqlite3_errmsg(conn));
  }
  // Not deterministic: SQLite must not factor it out of a CASE.
  int rc = sqlite3_create_function_v2(conn, "prom_error", 1, SQLITE_UTF8 | SQLITE_INNOCUOUS, nullptr,
                                      Guarded<ErrorFn>, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    return Status::Internal(std::string("registering prom_error: ") + sqlite3_errmsg(conn));

  struct Aggregate {
    const char* name;
    int args;
    ScalarFn step;
    void (*final)(sqlite3_context*);
  };
  const Aggregate aggregates[] = {
      {"prom_sum", 1, Guarded<GroupStep<Identity, SumAdd>>, GuardedFinal<GroupFinal<SumResult>>},
      {"prom_avg", 1, Guarded<GroupStep<Identity, AvgAdd>>, GuardedFinal<GroupFinal<AvgResult>>},
      {"prom_stdvar", 1, Guarded<VarianceStep>, GuardedFinal<GroupFinal<StdvarResult>>},
      {"prom_stddev", 1, Guarded<VarianceStep>, GuardedFinal<GroupFinal<StddevResult>>},
      {"prom_quantile", 2, Guarded<QuantileStep>, GuardedFinal<QuantileFinal>},
      {"prom_histogram_quantile", 3, Guarded<HistogramStep>, GuardedFinal<HistogramFinal<false>>},
      {"prom_histogram_fraction", 4, Guarded<HistogramStep>, GuardedFinal<HistogramFinal<true>>},
      {"prom_window", 6, Guarded<WindowStep>, GuardedFinal<WindowFinal>},
      {"prom_window", 7, Guarded<WindowStep>, GuardedFinal<WindowFinal>},
      {"prom_window", 8, Guarded<WindowStep>, GuardedFinal<WindowFinal>},
  };
  for (const Aggregate& a : aggregates) {
    rc = sqlite3_create_function_v2(conn, a.name, a.args,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr, nullptr,
                                    a.step, a.final, nullptr);
    if (rc != SQLITE_OK)
      return Status::Internal(std::string("registering ") + a.name + ": " + sqlite3_errmsg(conn));
  }
  return Status::OK();
}

}  // namespace overtone::sql
