// promtool's unit-test loop (cmd/promtool/unittest.go) over overtone's
// database and PromQL engine.

#include "adapters/rules/unit_test_runner.h"

#include <glob.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "adapters/promql/ast.h"
#include "adapters/promql/query.h"
#include "adapters/rules/group_evaluator.h"
#include "adapters/rules/rule_file.h"
#include "adapters/rules/series_notation.h"
#include "adapters/rules/unit_test_file.h"
#include "base/text.h"
#include "overtone/database.h"
#include "overtone/sql.h"

namespace overtone::rules {
namespace {

// Prometheus's Labels.String(): {a="b", c="d"}, __name__ included.
std::string Braces(const Labels& labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) s += ", ";
    s += labels[i].name + "=" + QuoteGo(labels[i].value);
  }
  return s + "}";
}

// Go's strconv.FormatFloat(v, 'E', -1, 64): "1E+00", "1.5E-07".
std::string FloatE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  for (char& c : s) c = c == 'e' ? 'E' : c;
  return s;
}

// Go's time.Duration.String() of whole milliseconds: "0s", "1m0s", "1h0m0.5s".
std::string GoDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out = ms < 0 ? "-" : "";
  uint64_t v = ms < 0 ? static_cast<uint64_t>(-ms) : static_cast<uint64_t>(ms);
  if (v < 1000) return out + std::to_string(v) + "ms";
  uint64_t h = v / 3600000, m = v / 60000 % 60, s = v / 1000 % 60, frac = v % 1000;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac > 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03u", static_cast<unsigned>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

std::string IndentLines(const std::string& lines, const std::string& indent) {
  std::string out;
  size_t start = 0;
  for (bool first = true;; first = false) {
    size_t nl = lines.find('\n', start);
    if (!first) out += indent;
    out += lines.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

struct LabelsAndAnnotations {
  Labels labels, annotations;
  bool operator==(const LabelsAndAnnotations&) const = default;
};

std::string AlertsString(const std::vector<LabelsAndAnnotations>& v) {
  if (v.empty()) return "[]";
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += (i == 0 ? "\n" : ",\n") + std::to_string(i) + ":" +
         IndentLines("\nLabels:" + Braces(v[i].labels) + "\nAnnotations:" + Braces(v[i].annotations), "  ");
  }
  return s + "\n]";
}

void SortAlerts(std::vector<LabelsAndAnnotations>* v) {
  std::sort(v->begin(), v->end(), [](const auto& a, const auto& b) {
    if (a.labels != b.labels) return promql::LabelsLess(a.labels, b.labels);
    return promql::LabelsLess(a.annotations, b.annotations);
  });
}

// A temporary database that is deleted with this object.
class ScratchDatabase {
 public:
  static Result<std::unique_ptr<ScratchDatabase>> Open() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "overtone-rules-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return Status::IOError("cannot create a temporary directory");
    std::unique_ptr<ScratchDatabase> s(new ScratchDatabase(tmpl));
    Options options;
    options.compaction_interval_ms = 0;
    options.write_buffer_bytes = 4u << 20;
    options.block_cache_bytes = 4u << 20;
    auto session = SqlSession::Open(options, tmpl);
    if (!session.ok()) return session.status();
    s->session_ = std::move(*session);
    return s;
  }
  ~ScratchDatabase() {
    session_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SqlSession* session() { return session_.get(); }

 private:
  explicit ScratchDatabase(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  std::unique_ptr<SqlSession> session_;
};

struct InputSample {
  int64_t ts;
  const Labels* labels;
  double value;
};

class TestGroupRun {
 public:
  TestGroupRun(const TestGroup& tg, int64_t eval_interval_ms, const std::map<std::string, size_t>& order,
               const std::vector<std::string>& rule_files)
      : tg_(tg), eval_interval_ms_(eval_interval_ms), order_(order), rule_files_(rule_files) {}

  std::vector<std::string> Run() {
    if (Status s = LoadInput(); !s.ok()) return {s.message()};
    auto db = ScratchDatabase::Open();
    if (!db.ok()) return {db.status().message()};
    db_ = std::move(*db);
    if (std::vector<std::string> errs = LoadGroups(); !errs.empty()) return errs;
    // As promtool: a subquery without a step steps by evaluation_interval.
    query_ = [this](const std::string& expr, int64_t t) {
      return promql::RunInstantQuery(db_->session()->conn(), expr, t,
                                     {.default_subquery_step_ms = eval_interval_ms_});
    };
    return Evaluate();
  }

 private:
  Status LoadInput() {
    int64_t interval = tg_.interval_ms > 0 ? tg_.interval_ms : eval_interval_ms_;
    for (const InputSeries& in : tg_.input_series) {
      auto labels = ParseSeriesLabels(in.series);
      if (!labels.ok()) return labels.status();
      auto values = ParseSeriesValues(in.values);
      if (!values.ok()) return values.status();
      series_labels_.push_back(std::make_unique<Labels>(std::move(*labels)));
      for (size_t i = 0; i < values->size(); ++i) {
        if ((*values)[i])
          input_.push_back({static_cast<int64_t>(i) * interval, series_labels_.back().get(), *(*values)[i]});
      }
    }
    std::stable_sort(input_.begin(), input_.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
    return Status::OK();
  }

  std::vector<std::string> LoadGroups() {
    context_.external_labels = tg_.external_labels;
    context_.external_url = tg_.external_url;
    std::vector<std::string> errs;
    for (const std::string& f : rule_files_) {
      auto file = LoadRuleFile(f);
      if (!file.ok()) {
        errs.push_back(file.status().message());
        continue;
      }
      for (RuleGroup& g : file->groups) {
        groups_.push_back(std::make_unique<GroupEvaluator>(std::move(g), &context_, tg_.interval_ms));
      }
    }
    std::stable_sort(groups_.begin(), groups_.end(), [this](const auto& a, const auto& b) {
      auto rank = [this](const std::string& n) {
        auto it = order_.find(n);
        return it == order_.end() ? size_t{0} : it->second;
      };
      return rank(a->group().name) < rank(b->group().name);
    });
    return errs;
  }

  void WriteInputTill(int64_t ts) {
    WriteBatch batch;
    for (; next_input_ < input_.size() && input_[next_input_].ts <= ts; ++next_input_) {
      const InputSample& s = input_[next_input_];
      // Two samples at one time (an interval of 0): the first stays, as in Prometheus's head.
      if (!written_.insert({*s.labels, s.ts}).second) continue;
      batch.Add(*s.labels, s.ts, s.value);
    }
    if (!batch.empty()) db_->session()->db()->Write(batch).IgnoreError();
  }

  std::vector<std::string> Evaluate() {
    int64_t maxt = 0;
    std::map<int64_t, std::vector<const AlertTestCase*>> alert_tests;
    for (const AlertTestCase& t : tg_.alert_tests) {
      maxt = std::max(maxt, t.eval_time_ms);
      alert_tests[t.eval_time_ms].push_back(&t);
    }
    for (const PromqlTestCase& t : tg_.promql_tests) maxt = std::max(maxt, t.eval_time_ms);

    std::vector<std::string> errs;
    auto sink = [this](const std::vector<OutputSample>& samples) {
      WriteBatch batch;
      for (const OutputSample& s : samples) batch.Add(s.labels, s.ts_ms, s.value);
      db_->session()->db()->Write(batch).IgnoreError();
    };
    auto next_alert_time = alert_tests.begin();
    for (int64_t ts = 0; ts <= maxt; ts += eval_interval_ms_) {
      WriteInputTill(ts);
      std::vector<std::string> eval_errs;
      for (auto& g : groups_) {
        g->Evaluate(ts, query_, sink);
        for (size_t i = 0; i < g->num_rules(); ++i) {
          if (!g->status(i).last_error.empty()) {
            eval_errs.push_back("    rule: " + g->group().rules[i].name() + ", time: " + GoDuration(ts) +
                                ", err: " + g->status(i).last_error);
          }
        }
      }
      if (!eval_errs.empty()) {
        errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
        return errs;
      }
      // Alert tests whose time falls in [ts, ts + interval) compare with this evaluation.
      for (; next_alert_time != alert_tests.end() && next_alert_time->first >= ts &&
             next_alert_time->first < ts + eval_interval_ms_;
           ++next_alert_time) {
        for (const AlertTestCase* t : next_alert_time->second) CheckAlerts(*t, &errs);
      }
      if (eval_interval_ms_ <= 0) break;
    }
    WriteInputTill(maxt);
    for (const PromqlTestCase& t : tg_.promql_tests) CheckPromql(t, &errs);
    return errs;
  }

  void CheckAlerts(const AlertTestCase& t, std::vector<std::string>* errs) {
    std::vector<LabelsAndAnnotations> got, want;
    for (const auto& g : groups_) {
      for (size_t i = 0; i < g->num_rules(); ++i) {
        const AlertingRule* r = g->alerting(i);
        if (!r || r->rule().alert != t.alertname) continue;
        for (const Alert& a : r->ActiveAlerts()) {
          if (a.state == AlertState::kFiring) got.push_back({a.labels, a.annotations});
        }
      }
    }
    for (const ExpectedAlert& e : t.exp_alerts) {
      Labels l = e.labels;
      std::erase_if(l, [](const Label& x) { return x.name == "alertname"; });
      l.push_back({"alertname", t.alertname});
      NormalizeLabels(&l);
      Labels a = e.annotations;
      NormalizeLabels(&a);
      want.push_back({std::move(l), std::move(a)});
    }
    SortAlerts(&got);
    SortAlerts(&want);
    if (got == want) return;
    std::string name = tg_.name.empty() ? "" : "    name: " + tg_.name + ",\n";
    errs->push_back(name + "    alertname: " + t.alertname +
                    ", time: " + promql::FormatDuration(t.eval_time_ms) +
                    ", \n        exp:" + IndentLines(AlertsString(want), "            ") +
                    ", \n        got:" + IndentLines(AlertsString(got), "            "));
  }

  void CheckPromql(const PromqlTestCase& t, std::vector<std::string>* errs) {
    std::string head = "    expr: " + QuoteGo(t.expr) + ", time: " + promql::FormatDuration(t.eval_time_ms);
    auto got = QueryVector(query_, t.expr, t.eval_time_ms);
    if (!got.ok()) {
      errs->push_back(head + ", err: " + got.status().message());
      return;
    }
    std::vector<std::pair<Labels, double>> g, w;
    for (const OutputSample& s : *got) g.emplace_back(s.labels, s.value);
    for (const ExpectedSample& e : t.exp_samples) {
      auto l = ParseSeriesLabels(e.labels);
      if (!l.ok()) {
        errs->push_back(head + ", err: labels " + QuoteGo(e.labels) + ": " + l.status().message());
        return;
      }
      w.emplace_back(std::move(*l), e.value);
    }
    auto less = [](const auto& a, const auto& b) { return promql::LabelsLess(a.first, b.first); };
    std::stable_sort(g.begin(), g.end(), less);
    std::stable_sort(w.begin(), w.end(), less);
    bool same = g.size() == w.size();
    for (size_t i = 0; same && i < g.size(); ++i) {
      same = g[i].first == w[i].first && g[i].second == w[i].second;  // NaN never equals, as in promtool
    }
    if (same) return;
    auto str = [](const std::vector<std::pair<Labels, double>>& v) {
      if (v.empty()) return std::string("nil");
      std::string s;
      for (size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + Braces(v[i].first) + " " + FloatE(v[i].second);
      return s;
    };
    errs->push_back(head + ",\n        exp: " + str(w) + "\n        got: " + str(g));
  }

  const TestGroup& tg_;
  int64_t eval_interval_ms_;
  const std::map<std::string, size_t>& order_;
  const std::vector<std::string>& rule_files_;
  std::vector<std::unique_ptr<Labels>> series_labels_;
  std::vector<InputSample> input_;
  size_t next_input_ = 0;
  std::set<std::pair<Labels, int64_t>> written_;
  std::unique_ptr<ScratchDatabase> db_;
  EvalContext context_;
  std::vector<std::unique_ptr<GroupEvaluator>> groups_;
  QueryFunc query_;
};

// rule_files entries relative to the test file's folder, globs expanded.
std::vector<std::string> ResolveRuleFiles(const std::string& test_path,
                                          const std::vector<std::string>& patterns) {
  std::filesystem::path dir = std::filesystem::path(test_path).parent_path();
  std::vector<std::string> out;
  for (const std::string& p : patterns) {
    std::string full = std::filesystem::path(p).is_absolute() || dir.empty() ? p : (dir / p).string();
    glob_t g{};
    if (glob(full.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
  }
  return out;
}

}  // namespace

std::vector<std::string> RunUnitTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {"open " + path + ": no such file or directory"};
  std::stringstream ss;
  ss << in.rdbuf();
  auto file = ParseUnitTestFile(ss.str());
  if (!file.ok()) return {file.status().message()};
  std::vector<std::string> rule_files = ResolveRuleFiles(path, file->rule_files);
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < file->group_eval_order.size(); ++i) {
    if (!order.emplace(file->group_eval_order[i], i).second) {
      return {"group name repeated in evaluation order: " + file->group_eval_order[i]};
    }
  }
  std::vector<std::string> errs;
  for (const TestGroup& tg : file->tests) {
    std::vector<std::string> e = TestGroupRun(tg, file->evaluation_interval_ms, order, rule_files).Run();
    errs.insert(errs.end(), e.begin(), e.end());
  }
  return errs;
}

}  // namespace overtone::rules
