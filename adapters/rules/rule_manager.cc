// The rule manager of rule_manager.h: loading and reloading, the group
// loops, and the JSON of Prometheus's rules and alerts APIs
// (web/api/v1: RuleDiscovery, AlertDiscovery).

#include "adapters/rules/rule_manager.h"

#include <glob.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "adapters/formats/value_text.h"

namespace overtone::rules {

struct RuleManager::Group {
  std::unique_ptr<GroupEvaluator> eval;
  std::mutex state_mu;  // the evaluator's state, while it evaluates or is read
  int64_t last_evaluation_ms = 0;
  int64_t evaluation_ns = 0;
  // For /metrics; counters survive a reload that keeps the group.
  uint64_t iterations = 0;
  uint64_t rule_evaluations = 0;
  uint64_t rule_failures = 0;
  uint64_t last_samples = 0;
  uint64_t iterations_missed = 0;
  // `for` state to restore after this many more evaluations (0: none).
  int evaluations_before_restore = 0;
  int64_t restore_ns = 0;
};

namespace {

using Json = nlohmann::ordered_json;

// Go's time in Prometheus's JSON: RFC 3339, the zero time when never.
std::string Time(int64_t ms) { return ms == 0 ? "0001-01-01T00:00:00Z" : adapters::FormatRfc3339(ms); }

// strconv.FormatFloat(v, 'e', -1, 64), as the alerts API writes values.
std::string ValueE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);  // shortest
  return std::string(buf, r.ptr);
}

Json LabelsJson(const Labels& labels) {
  Json j = Json::object();
  for (const Label& l : labels) j[l.name] = l.value;
  return j;
}

Json TemplatesJson(const std::vector<TemplatedLabel>& labels) {
  Json j = Json::object();
  for (const TemplatedLabel& l : labels) j[l.name] = l.text;
  return j;
}

Json AlertJson(const Alert& a) {
  return Json{{"labels", LabelsJson(a.labels)},
              {"annotations", LabelsJson(a.annotations)},
              {"state", AlertStateName(a.state)},
              {"activeAt", Time(a.active_at_ms)},
              {"value", ValueE(a.value)}};
}

std::vector<std::string> ExpandPatterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  for (const std::string& p : patterns) {
    glob_t g{};
    int rc = glob(p.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    } else {
      files.push_back(p);  // no match: loading it says that the file is missing
    }
    globfree(&g);
  }
  return files;
}

}  // namespace

RuleManager::RuleManager(RuleManagerOptions options, QueryFactory make_query, WriteFunc write, Clock clock)
    : options_(std::move(options)),
      make_query_(std::move(make_query)),
      write_(std::move(write)),
      clock_(std::move(clock)) {}

RuleManager::~RuleManager() { Stop(); }

Status RuleManager::Reload() {
  std::vector<std::unique_ptr<Group>> fresh;
  std::string errors;
  for (const std::string& path : ExpandPatterns(options_.patterns)) {
    auto file = LoadRuleFile(path);
    if (!file.ok()) {
      errors += (errors.empty() ? "" : "\n") + file.status().message();
      continue;
    }
    for (RuleGroup& g : file->groups) {
      auto group = std::make_unique<Group>();
      group->eval =
          std::make_unique<GroupEvaluator>(std::move(g), &options_.context, options_.default_interval_ms);
      fresh.push_back(std::move(group));
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!errors.empty()) {
    last_reload_error_ = errors;
    return Status::InvalidArgument(errors);
  }
  last_reload_error_.clear();
  bool was_running = running_;
  if (was_running) StopLocked(&lock);
  for (auto& g : fresh) {
    // A group new to this manager (all of them at startup) restores its
    // alerts' `for` state after its second evaluation, as Prometheus's
    // Group.run: the first may run before the data it needs is in.
    if (options_.last_sample) g->evaluations_before_restore = 2;
    for (auto& old : groups_) {
      if (old->eval->group().name == g->eval->group().name &&
          old->eval->group().file == g->eval->group().file) {
        g->eval->CopyStateFrom(*old->eval);
        g->last_evaluation_ms = old->last_evaluation_ms;
        g->evaluation_ns = old->evaluation_ns;
        g->iterations = old->iterations;
        g->rule_evaluations = old->rule_evaluations;
        g->rule_failures = old->rule_failures;
        g->last_samples = old->last_samples;
        g->iterations_missed = old->iterations_missed;
        g->evaluations_before_restore = old->evaluations_before_restore;
        g->restore_ns = old->restore_ns;
      }
    }
    if (g->evaluations_before_restore > 0) g->eval->SetRestored(false);
  }
  groups_ = std::move(fresh);
  if (load_hook_) {
    std::vector<RuleGroup> loaded;
    for (auto& g : groups_) loaded.push_back(g->eval->group());
    load_hook_(loaded);
  }
  if (was_running) StartLocked();
  return Status::OK();
}

void RuleManager::SetLoadHook(LoadHook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  load_hook_ = std::move(hook);
}

void RuleManager::SetAlertsHook(AlertsHook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hook_ = std::move(hook);
}

void RuleManager::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!running_) StartLocked();
}

void RuleManager::StartLocked() {
  running_ = true;
  for (auto& g : groups_) threads_.emplace_back([this, group = g.get()] { Loop(group); });
}

void RuleManager::Stop() {
  std::unique_lock<std::mutex> lock(mu_);
  if (running_) StopLocked(&lock);
}

void RuleManager::StopLocked(std::unique_lock<std::mutex>* lock) {
  stopping_ = true;
  wake_.notify_all();
  std::vector<std::thread> threads = std::move(threads_);
  threads_.clear();
  lock->unlock();
  for (std::thread& t : threads) t.join();
  lock->lock();
  stopping_ = false;
  running_ = false;
}

void RuleManager::Loop(Group* g) {
  QueryFunc query = make_query_();
  std::unique_lock<std::mutex> lock(mu_);
  int64_t last = 0;  // the slot evaluated last
  while (!stopping_) {
    // The group's next slot after now, as Prometheus schedules it.
    int64_t now = clock_();
    int64_t next = g->eval->EvalTimestamp(now) + g->eval->interval_ms();
    if (wake_.wait_for(lock, std::chrono::milliseconds(next - now), [this] { return stopping_; })) break;
    if (clock_() < next) continue;
    // Slots passed over while the last evaluation ran, as Prometheus counts them.
    // (None when the clock was set back.)
    const int64_t interval = g->eval->interval_ms();
    uint64_t missed =
        last != 0 && next - last > interval ? static_cast<uint64_t>((next - last) / interval - 1) : 0;
    last = next;
    AlertsHook hook = hook_;
    lock.unlock();
    EvaluateGroup(g, next, query, hook, missed);
    lock.lock();
  }
}

void RuleManager::EvaluateAt(int64_t now_ms) {
  QueryFunc query = make_query_();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& g : groups_) EvaluateGroup(g.get(), g->eval->EvalTimestamp(now_ms), query, hook_);
}

void RuleManager::EvaluateGroup(Group* g, int64_t ts_ms, const QueryFunc& query, const AlertsHook& hook,
                                uint64_t missed) {
  std::vector<Alert> alerts;
  {
    std::lock_guard<std::mutex> state(g->state_mu);
    auto start = std::chrono::steady_clock::now();
    uint64_t samples = 0;
    g->eval->Evaluate(ts_ms, query, [this, &samples](const std::vector<OutputSample>& s) {
      samples += s.size();
      write_(s).IgnoreError();
    });
    g->iterations += 1 + missed;  // Prometheus counts the scheduled ones, missed or not
    g->iterations_missed += missed;
    g->last_samples = samples;
    g->rule_evaluations += g->eval->num_rules();
    for (size_t i = 0; i < g->eval->num_rules(); ++i)
      g->rule_failures += !g->eval->status(i).last_error.empty();
    g->evaluation_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
            .count();
    g->last_evaluation_ms = ts_ms;
    {
      std::lock_guard<std::mutex> d(durations_mu_);
      durations_.group_seconds += g->evaluation_ns / 1e9;
      ++durations_.groups;
      for (size_t i = 0; i < g->eval->num_rules(); ++i)
        durations_.rule_seconds += g->eval->status(i).evaluation_ns / 1e9;
      durations_.rules += g->eval->num_rules();
    }
    if (g->evaluations_before_restore > 0 && --g->evaluations_before_restore == 0) {
      auto restore_start = std::chrono::steady_clock::now();
      g->eval->RestoreForState(clock_(), options_.for_state, options_.last_sample);
      g->restore_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                           restore_start)
                          .count();
    }
    for (size_t i = 0; i < g->eval->num_rules(); ++i) {
      if (const AlertingRule* r = g->eval->alerting(i)) {
        for (const auto& [labels, a] : r->alerts()) alerts.push_back(a);
      }
    }
  }
  if (hook) hook(g->eval->group(), ts_ms, g->eval->interval_ms(), alerts);
}

std::string RuleManager::RulesJson(std::string_view type) const {
  std::lock_guard<std::mutex> lock(mu_);
  Json groups = Json::array();
  for (const auto& g : groups_) {
    std::lock_guard<std::mutex> state(g->state_mu);
    const RuleGroup& rg = g->eval->group();
    Json rules = Json::array();
    for (size_t i = 0; i < rg.rules.size(); ++i) {
      const Rule& r = rg.rules[i];
      if ((type == "alert" && !r.is_alert()) || (type == "record" && r.is_alert())) continue;
      const RuleStatus& st = g->eval->status(i);
      std::string health = st.last_evaluation_ms == 0 ? "unknown" : st.last_error.empty() ? "ok" : "err";
      Json j;
      if (r.is_alert()) {
        const AlertingRule* ar = g->eval->alerting(i);
        AlertState state = AlertState::kInactive;
        Json alerts = Json::array();
        for (const Alert& a : ar->ActiveAlerts()) {
          if (a.state == AlertState::kFiring || state == AlertState::kInactive) state = a.state;
          alerts.push_back(AlertJson(a));
        }
        j = Json{{"state", AlertStateName(state)},
                 {"name", r.alert},
                 {"query", r.expr},
                 {"duration", r.for_ms / 1000.0},
                 {"keepFiringFor", r.keep_firing_for_ms / 1000.0},
                 {"labels", TemplatesJson(r.labels)},
                 {"annotations", TemplatesJson(r.annotations)},
                 {"alerts", alerts}};
      } else {
        j = Json{{"name", r.record}, {"query", r.expr}, {"labels", TemplatesJson(r.labels)}};
      }
      j["health"] = health;
      if (!st.last_error.empty()) j["lastError"] = st.last_error;
      j["evaluationTime"] = st.evaluation_ns / 1e9;
      j["lastEvaluation"] = Time(st.last_evaluation_ms);
      j["type"] = r.is_alert() ? "alerting" : "recording";
      rules.push_back(std::move(j));
    }
    if (rules.empty() && !type.empty()) continue;
    groups.push_back(Json{{"name", rg.name},
                          {"file", rg.file},
                          {"rules", rules},
                          {"interval", g->eval->interval_ms() / 1000.0},
                          {"limit", rg.limit},
                          {"evaluationTime", g->evaluation_ns / 1e9},
                          {"lastEvaluation", Time(g->last_evaluation_ms)}});
  }
  return Json{{"status", "success"}, {"data", {{"groups", groups}}}}.dump();
}

std::string RuleManager::AlertsJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json alerts = Json::array();
  for (const auto& g : groups_) {
    std::lock_guard<std::mutex> state(g->state_mu);
    for (size_t i = 0; i < g->eval->num_rules(); ++i) {
      if (const AlertingRule* r = g->eval->alerting(i)) {
        for (const Alert& a : r->ActiveAlerts()) alerts.push_back(AlertJson(a));
      }
    }
  }
  return Json{{"status", "success"}, {"data", {{"alerts", alerts}}}}.dump();
}

std::string RuleManager::MetricsText() const {
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const Group&);
  };
  static const Family kFamilies[] = {
      {"prometheus_rule_evaluations_total", "counter", "The total number of rule evaluations.",
       [](const Group& g) { return static_cast<double>(g.rule_evaluations); }},
      {"prometheus_rule_evaluation_failures_total", "counter",
       "The total number of rule evaluation failures.",
       [](const Group& g) { return static_cast<double>(g.rule_failures); }},
      {"prometheus_rule_group_iterations_total", "counter",
       "The total number of scheduled rule group evaluations, whether executed or missed.",
       [](const Group& g) { return static_cast<double>(g.iterations); }},
      {"prometheus_rule_group_interval_seconds", "gauge", "The interval of a rule group.",
       [](const Group& g) { return g.eval->interval_ms() / 1000.0; }},
      {"prometheus_rule_group_last_duration_seconds", "gauge",
       "The duration of the last rule group evaluation.",
       [](const Group& g) { return g.evaluation_ns / 1e9; }},
      {"prometheus_rule_group_last_evaluation_timestamp_seconds", "gauge",
       "The timestamp of the last rule group evaluation in seconds.",
       [](const Group& g) { return g.last_evaluation_ms / 1000.0; }},
      {"prometheus_rule_group_last_evaluation_samples", "gauge",
       "The number of samples returned during the last rule group evaluation.",
       [](const Group& g) { return static_cast<double>(g.last_samples); }},
      {"prometheus_rule_group_rules", "gauge", "The number of rules.",
       [](const Group& g) { return static_cast<double>(g.eval->num_rules()); }},
      {"prometheus_rule_group_iterations_missed_total", "counter",
       "The total number of rule group evaluations missed due to slow rule group evaluation.",
       [](const Group& g) { return static_cast<double>(g.iterations_missed); }},
      {"prometheus_rule_group_last_restore_duration_seconds", "gauge",
       "The duration of the last alert rules alerts restoration using the `ALERTS_FOR_STATE` series.",
       [](const Group& g) { return g.restore_ns / 1e9; }},
  };
  std::string out;
  {
    // Summaries without quantiles (Prometheus adds them): _sum and _count.
    std::lock_guard<std::mutex> d(durations_mu_);
    out +=
        "# HELP prometheus_rule_group_duration_seconds The duration of rule group evaluations.\n"
        "# TYPE prometheus_rule_group_duration_seconds summary\n"
        "prometheus_rule_group_duration_seconds_sum " +
        GoFloat(durations_.group_seconds) + "\nprometheus_rule_group_duration_seconds_count " +
        GoFloat(static_cast<double>(durations_.groups)) +
        "\n# HELP prometheus_rule_evaluation_duration_seconds The duration for a rule to execute.\n"
        "# TYPE prometheus_rule_evaluation_duration_seconds summary\n"
        "prometheus_rule_evaluation_duration_seconds_sum " +
        GoFloat(durations_.rule_seconds) + "\nprometheus_rule_evaluation_duration_seconds_count " +
        GoFloat(static_cast<double>(durations_.rules)) + "\n";
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const Family& f : kFamilies) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& g : groups_) {
      std::lock_guard<std::mutex> state(g->state_mu);
      const RuleGroup& rg = g->eval->group();
      Json label = rg.file + ";" + rg.name;  // a JSON string is a valid label value literal here
      out += std::string(f.name) + "{rule_group=" + label.dump() + "} " + GoFloat(f.value(*g)) + "\n";
    }
  }
  return out;
}

size_t RuleManager::num_groups() const {
  std::lock_guard<std::mutex> lock(mu_);
  return groups_.size();
}

std::string RuleManager::last_reload_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_reload_error_;
}

}  // namespace overtone::rules
