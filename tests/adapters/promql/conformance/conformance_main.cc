// promql_conformance: runs Prometheus's PromQL test scripts against
// overtone's PromQL-to-SQL evaluation.
//
//   promql_conformance --testdata ../shared/promql-testdata
//       [--expected tests/adapters/promql/conformance/expected_passes.txt] [--update] [--verbose] [--only
//       functions.test]
//
// Each `load` goes into a fresh database through the engine API (a `clear`
// starts another); each `eval` whose expression overtone parses and
// supports is run and compared with the expected output using Prometheus's
// float tolerance (relative 1e-6). An instant eval is also run as a range
// query around its time, as Prometheus's runner does. Per file it prints
// the passed, failed and unsupported counts, then the unsupported cases by
// reason.
//
// With --expected, exits 1 when a listed case (file:line) does not pass: a
// case that passed once must not regress. --update rewrites that list from
// this run's passes. Exit 77 (skip) when the test data is missing.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "adapters/promql/query.h"
#include "adapters/promql/statement_cache.h"
#include "overtone/database.h"
#include "overtone/sql.h"
#include "tests/adapters/promql/conformance/test_script.h"
#include "tests/support/test_util.h"

namespace overtone::conformance {
namespace {

namespace fs = std::filesystem;

// The reason given for cases that read native histograms, counted apart.
constexpr const char* kNativeHistograms = "native histograms";

struct Outcome {
  enum Kind { kPass, kFail, kUnsupported } kind;
  std::string detail;  // why it failed, or the unsupported reason
};

std::string Render(const Labels& labels) { return labels.empty() ? "{}" : LabelsToString(labels); }

// A short, stable reason for an unsupported case.
std::string Reason(const std::string& msg, bool parse) {
  std::string r = msg;
  if (parse) {
    size_t p = r.find("parse error: ");
    if (p != std::string::npos) r = r.substr(p + 13);
    r = "parse error: " + r;
  } else {
    size_t colon = r.find(": ");
    if (colon != std::string::npos) r = r.substr(0, colon);
  }
  if (r.size() > 70) r = r.substr(0, 67) + "...";
  return r;
}

bool ExpectedFailureMatches(const EvalCommand& e, const std::string& msg) {
  if (e.fail_message && *e.fail_message != msg) return false;
  if (e.fail_regex) {
    try {
      if (!std::regex_search(msg, std::regex(*e.fail_regex))) return false;
    } catch (const std::regex_error&) {
      return false;
    }
  }
  return true;
}

// Compares an instant vector (one point per series) with the expectation.
bool CompareVector(const std::vector<promql::Series>& got, const EvalCommand& e, bool ordered,
                   std::string* why) {
  if (got.size() != e.expected.size()) {
    *why = "expected " + std::to_string(e.expected.size()) + " series, got " + std::to_string(got.size());
    for (const auto& s : got)
      *why += "\n      got " + Render(s.labels) + " " + promql::FormatValue(s.points[0].value);
    return false;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    auto it = std::find_if(e.expected.begin(), e.expected.end(),
                           [&](const SeriesValues& x) { return x.labels == got[i].labels; });
    if (it == e.expected.end()) {
      *why = "unexpected series " + Render(got[i].labels);
      return false;
    }
    if (ordered && static_cast<size_t>(it - e.expected.begin()) != i) {
      *why = "series " + Render(got[i].labels) + " at position " + std::to_string(i + 1);
      return false;
    }
    if (!AlmostEqual(it->values[0].value, got[i].points[0].value)) {
      *why = "for " + Render(got[i].labels) + " expected " + promql::FormatValue(it->values[0].value) +
             ", got " + promql::FormatValue(got[i].points[0].value);
      return false;
    }
  }
  return true;
}

bool CompareMatrix(const std::vector<promql::Series>& got, const EvalCommand& e, int64_t start, int64_t step,
                   std::string* why) {
  for (const promql::Series& s : got) {
    auto it = std::find_if(e.expected.begin(), e.expected.end(),
                           [&](const SeriesValues& x) { return x.labels == s.labels; });
    if (it == e.expected.end()) {
      *why = "unexpected series " + Render(s.labels);
      return false;
    }
    std::vector<promql::Point> want;
    for (size_t i = 0; i < it->values.size(); ++i) {
      if (!it->values[i].omitted)
        want.push_back({start + static_cast<int64_t>(i) * step, it->values[i].value});
    }
    bool same = want.size() == s.points.size();
    for (size_t i = 0; same && i < want.size(); ++i) {
      same = want[i].ts == s.points[i].ts && AlmostEqual(want[i].value, s.points[i].value);
    }
    if (!same) {
      *why = "for " + Render(s.labels) + " got";
      for (const auto& p : s.points) *why += " " + promql::FormatValue(p.value) + "@" + std::to_string(p.ts);
      return false;
    }
  }
  for (const SeriesValues& x : e.expected) {
    if (std::none_of(got.begin(), got.end(), [&](const promql::Series& s) { return s.labels == x.labels; })) {
      *why = "expected series " + Render(x.labels) + " not found";
      return false;
    }
  }
  return true;
}

bool CompareResult(const promql::QueryResult& r, const EvalCommand& e, std::string* why) {
  if (e.expect_string) {
    if (r.type != promql::ValueType::kString || r.string_value != *e.expect_string) {
      *why = "expected string \"" + *e.expect_string + "\"";
      return false;
    }
    return true;
  }
  if (e.expect_scalar) {
    if (r.type != promql::ValueType::kScalar) {
      *why = "expected a scalar";
      return false;
    }
    if (!AlmostEqual(e.expected[0].values[0].value, r.scalar.value)) {
      *why = "expected scalar " + promql::FormatValue(e.expected[0].values[0].value) + ", got " +
             promql::FormatValue(r.scalar.value);
      return false;
    }
    return true;
  }
  if (r.type == promql::ValueType::kMatrix) {
    if (!e.range && !e.expect_range_vector) {
      *why = "expected an instant vector, got a range vector";
      return false;
    }
    return e.range ? CompareMatrix(r.series, e, e.start, e.step, why)
                   : CompareMatrix(r.series, e, e.rv_start, e.rv_step, why);
  }
  if (r.type != promql::ValueType::kVector) {
    *why = "expected a vector";
    return false;
  }
  return CompareVector(r.series, e, e.ordered, why);
}

class ScriptRunner {
 public:
  explicit ScriptRunner(const std::string& dir) : dir_(dir) {}

  Status Clear() {
    statements_.Clear();  // before their connection closes
    session_.reset();
    histogram_metrics_.clear();
    nhcb_families_.clear();
    Options options;
    options.compaction_interval_ms = 0;
    options.write_buffer_bytes = 4u << 20;
    options.block_cache_bytes = 4u << 20;
    std::string path = dir_ + "/db" + std::to_string(++databases_);
    auto s = SqlSession::Open(options, path);
    if (!s.ok()) return s.status();
    session_ = std::move(*s);
    return Status::OK();
  }

  Status Load(const LoadCommand& load) {
    WriteBatch batch;
    for (const SeriesValues& s : load.series) {
      std::string_view name = GetLabel(s.labels, kMetricNameLabel);
      if (load.with_nhcb && name.ends_with("_bucket")) {
        nhcb_families_.insert(std::string(name.substr(0, name.size() - 7)));
      }
      for (size_t i = 0; i < s.values.size(); ++i) {
        const SequenceValue& v = s.values[i];
        if (v.histogram) histogram_metrics_.insert(std::string(GetLabel(s.labels, kMetricNameLabel)));
        if (v.omitted || v.histogram) continue;
        batch.Add(s.labels, static_cast<int64_t>(i) * load.interval_ms, v.value);
      }
    }
    return session_->db()->Write(batch);
  }

  Outcome Eval(const EvalCommand& e) {
    if (e.expected_histograms) return {Outcome::kUnsupported, kNativeHistograms};
    if (ReadsNhcb(e.expr)) return {Outcome::kUnsupported, kNativeHistograms};
    for (const std::string& m : histogram_metrics_) {
      if (!m.empty() && e.expr.find(m) != std::string::npos)
        return {Outcome::kUnsupported, kNativeHistograms};
    }
    if (!histogram_metrics_.empty() && e.expr.find("__name__") != std::string::npos) {
      return {Outcome::kUnsupported, kNativeHistograms};  // a name pattern may select them
    }
    sqlite3* conn = session_->conn();
    auto r = e.range ? promql::RunRangeQuery(conn, e.expr, e.start, e.end, e.step, options_)
                     : promql::RunInstantQuery(conn, e.expr, e.start, options_);
    if (!r.ok()) {
      const Status& s = r.status();
      if (s.code() == Status::Code::kNotSupported) return {Outcome::kUnsupported, Reason(s.message(), false)};
      bool parse = s.message().find("parse error") != std::string::npos;
      if (e.fail) {
        if (ExpectedFailureMatches(e, s.message())) return {Outcome::kPass, ""};
        return {Outcome::kFail, "wrong error: " + s.message()};
      }
      if (parse) return {Outcome::kUnsupported, Reason(s.message(), true)};
      return {Outcome::kFail, "error: " + s.message()};
    }
    if (e.fail) return {Outcome::kFail, "expected an error, got a result"};
    std::string why;
    if (!CompareResult(*r, e, &why)) return {Outcome::kFail, why};
    if (!e.range && !e.expect_range_vector && !e.expect_string && !e.ordered &&
        !std::regex_search(e.expr, std::regex(R"((start|end|range|step)\(\))"))) {
      return RangeMode(e, r->type == promql::ValueType::kScalar);
    }
    return {Outcome::kPass, ""};
  }

 private:
  // Prometheus's runner also evaluates an instant query as a range query
  // from t-1m to t+1m and checks the point at t.
  Outcome RangeMode(const EvalCommand& e, bool scalar) {
    int64_t t = e.start;
    auto r = promql::RunRangeQuery(session_->conn(), e.expr, t - 60000, t + 60000, 60000, options_);
    if (!r.ok()) return {Outcome::kFail, "range mode: " + r.status().message()};
    promql::QueryResult at_t;
    at_t.type = scalar ? promql::ValueType::kScalar : promql::ValueType::kVector;
    for (const promql::Series& s : r->series) {
      for (const promql::Point& p : s.points) {
        if (p.ts == t) at_t.series.push_back(promql::Series{s.labels, {p}});
      }
    }
    if (scalar) {
      if (at_t.series.empty()) return {Outcome::kFail, "range mode: no scalar at t"};
      at_t.scalar = at_t.series[0].points[0];
    }
    EvalCommand unordered = e;
    unordered.ordered = false;
    std::string why;
    if (!CompareResult(at_t, unordered, &why)) return {Outcome::kFail, "range mode: " + why};
    return {Outcome::kPass, ""};
  }

  // Whether expr names a load_with_nhcb family itself (its native
  // histograms) rather than its classic _bucket, _count or _sum series.
  bool ReadsNhcb(const std::string& expr) const {
    if (nhcb_families_.empty()) return false;
    static const std::regex kWord("[a-zA-Z_:][a-zA-Z0-9_:]*");
    for (std::sregex_iterator it(expr.begin(), expr.end(), kWord), end; it != end; ++it) {
      if (nhcb_families_.count(it->str())) return true;
    }
    return expr.find("__name__") != std::string::npos;
  }

  std::string dir_;
  int databases_ = 0;
  std::unique_ptr<SqlSession> session_;
  // Every query runs as a kept statement, as the server runs them: the
  // same shape at other times (the range mode, the next eval) re-binds it.
  promql::StatementCache statements_;
  promql::QueryOptions options_{.statements = &statements_};
  std::set<std::string> histogram_metrics_;  // metrics with native histogram samples
  std::set<std::string> nhcb_families_;      // load_with_nhcb histograms
};

struct Totals {
  int passed = 0, failed = 0, unsupported = 0;
  int native = 0;  // of the unsupported: cases that read native histograms
};

int Main(int argc, char** argv) {
  std::string testdata, expected_path, only;
  bool update = false, verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--testdata" && i + 1 < argc)
      testdata = argv[++i];
    else if (a == "--expected" && i + 1 < argc)
      expected_path = argv[++i];
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else if (a == "--update")
      update = true;
    else if (a == "--verbose")
      verbose = true;
    else {
      std::cerr
          << "usage: promql_conformance --testdata DIR [--expected FILE] [--update] [--verbose] [--only F]\n";
      return 2;
    }
  }
  if (testdata.empty() || !fs::is_directory(testdata)) {
    std::cout << "SKIPPED: PromQL test data not found at '" << testdata
              << "' (it lives in ../shared/promql-testdata beside the repository)\n";
    return 77;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(testdata)) {
    if (entry.path().extension() == ".test" && (only.empty() || entry.path().filename() == only)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  overtone::testing::TempDir tmp;
  std::set<std::string> passes;
  std::map<std::string, int> reasons;
  Totals total;
  for (const fs::path& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto cmds = ParseTestScript(text.str());
    std::string name = file.filename().string();
    if (!cmds.ok()) {
      std::cout << name << ": cannot read: " << cmds.status().message() << "\n";
      continue;
    }
    ScriptRunner runner(tmp.path() + "/" + name);
    Totals t;
    Status s = runner.Clear();
    for (const Command& c : *cmds) {
      if (!s.ok()) break;
      if (c.kind == Command::Kind::kClear) {
        s = runner.Clear();
      } else if (c.kind == Command::Kind::kLoad) {
        s = runner.Load(c.load);
      } else {
        Outcome o = runner.Eval(c.eval);
        std::string id = name + ":" + std::to_string(c.eval.line);
        if (o.kind == Outcome::kPass) {
          ++t.passed;
          passes.insert(id);
        } else if (o.kind == Outcome::kFail) {
          ++t.failed;
          if (verbose) std::cout << "FAIL " << id << " " << c.eval.expr << "\n    " << o.detail << "\n";
        } else {
          ++t.unsupported;
          if (o.detail == kNativeHistograms) ++t.native;
          ++reasons[o.detail];
          if (verbose) std::cout << "UNSUPPORTED " << id << " " << c.eval.expr << " (" << o.detail << ")\n";
        }
      }
    }
    if (!s.ok()) std::cout << name << ": database error: " << s.message() << "\n";
    std::cout << name << ": passed " << t.passed << ", failed " << t.failed << ", unsupported "
              << t.unsupported << " (native histograms " << t.native << ")\n";
    total.passed += t.passed;
    total.failed += t.failed;
    total.unsupported += t.unsupported;
    total.native += t.native;
  }
  std::cout << "all files: passed " << total.passed << ", failed " << total.failed << ", unsupported "
            << total.unsupported << " (native histograms " << total.native << ", other "
            << total.unsupported - total.native << ")\n";
  std::vector<std::pair<int, std::string>> by_count;
  for (const auto& [r, n] : reasons) by_count.emplace_back(n, r);
  std::sort(by_count.rbegin(), by_count.rend());
  std::cout << "unsupported by reason:\n";
  for (const auto& [n, r] : by_count) std::cout << "  " << n << "  " << r << "\n";

  if (expected_path.empty()) return 0;
  if (update) {
    std::ofstream out(expected_path);
    out << "# PromQL conformance cases (file:line in ../shared/promql-testdata) that pass.\n"
        << "# A listed case that stops passing fails the `promql_conformance` test.\n"
        << "# Regenerate with: promql_conformance --testdata DIR --expected THIS_FILE --update\n";
    for (const std::string& p : passes) out << p << "\n";
    std::cout << "wrote " << passes.size() << " expected passes to " << expected_path << "\n";
    return 0;
  }
  std::ifstream in(expected_path);
  int regressions = 0, listed = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string id = line.substr(0, line.find(' '));
    if (!only.empty() && id.rfind(only + ":", 0) != 0) continue;
    ++listed;
    if (!passes.count(id)) {
      std::cout << "REGRESSION: " << id << " no longer passes\n";
      ++regressions;
    }
  }
  std::cout << listed - regressions << " of " << listed << " expected passes still pass\n";
  return regressions == 0 ? 0 : 1;
}

}  // namespace
}  // namespace overtone::conformance

int main(int argc, char** argv) { return overtone::conformance::Main(argc, argv); }
