#include "shell/serve_rules.h"

#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <utility>

#include "adapters/promql/query.h"
#include "adapters/rules/alert_dispatch.h"
#include "adapters/rules/rule_windows.h"
#include "adapters/rules/window_query.h"
#include "overtone/sql.h"

namespace overtone::shell {

Result<std::unique_ptr<rules::RuleManager>> StartRules(Database* db, rules::RuleManagerOptions options) {
  options.last_sample = [db](const Labels& labels, int64_t min_ms,
                             int64_t max_ms) -> Result<std::optional<Sample>> {
    auto id = db->FindSeries(labels);
    if (!id.ok()) {
      if (id.status().IsNotFound()) return std::optional<Sample>();
      return id.status();
    }
    auto it = db->Scan(*id, min_ms, max_ms);
    if (!it.ok()) return it.status();
    std::optional<Sample> last;
    for (; (*it)->Valid(); (*it)->Next()) last = (*it)->sample();
    if (Status s = (*it)->status(); !s.ok()) return s;
    return last;
  };
  // Each group's loop queries on a connection of its own, closed with it.
  // A subquery without a step steps by the default evaluation interval
  // (--rule-interval), as Prometheus's by its global evaluation_interval.
  promql::QueryOptions query_options{.default_subquery_step_ms = options.default_interval_ms};
  auto make_query = [db, query_options]() -> rules::QueryFunc {
    sqlite3* raw = nullptr;
    sqlite3_open(":memory:", &raw);
    std::shared_ptr<sqlite3> conn(raw, sqlite3_close);
    Status registered = raw ? RegisterSql(raw, db) : Status::Internal("cannot open an SQLite connection");
    rules::QueryFunc promql = [conn, registered, query_options](const std::string& expr,
                                                                int64_t t) -> Result<promql::QueryResult> {
      if (!registered.ok()) return registered;
      return promql::RunInstantQuery(conn.get(), expr, t, query_options);
    };
    // A rule that is one window call skips the translation to SQL.
    return rules::AnswerWindowCallsDirectly(db, std::move(promql));
  };
  auto write = [db](const std::vector<rules::OutputSample>& samples) {
    WriteBatch batch;
    for (const rules::OutputSample& s : samples) batch.Add(s.labels, s.ts_ms, s.value);
    return db->Write(batch);
  };
  auto clock = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto manager = std::make_unique<rules::RuleManager>(std::move(options), make_query, write, clock);
  // The rules' *_over_time windows stand in the database, fed by ingest.
  auto windows = std::make_shared<rules::RuleWindows>(db);
  manager->SetLoadHook([windows](const std::vector<rules::RuleGroup>& groups) {
    windows->Replace(rules::StandingWindowsOf(rules::ExpressionsOf(groups)));
  });
  if (Status s = manager->Reload(); !s.ok()) return s;
  manager->Start();
  return manager;
}

void ServeRulesApi(rules::RuleManager* manager, adapters::ServerOptions* options) {
  options->rules_json = [manager](std::string_view type) { return manager->RulesJson(type); };
  options->alerts_json = [manager] { return manager->AlertsJson(); };
  options->reload = [manager] { return manager->Reload(); };
  options->metrics_text.push_back([manager] { return manager->MetricsText(); });
}

void SendAlerts(rules::RuleManager* manager, adapters::AlertmanagerSender* sender, std::string external_url) {
  auto dispatch = std::make_shared<rules::AlertDispatch>(std::move(external_url));
  manager->SetAlertsHook([dispatch, sender](const rules::RuleGroup& group, int64_t ts_ms, int64_t interval_ms,
                                            const std::vector<rules::Alert>& alerts) {
    std::vector<adapters::Alert> out;
    for (rules::OutgoingAlert& a : dispatch->Due(group, ts_ms, interval_ms, alerts)) {
      out.push_back(adapters::Alert{std::move(a.labels), std::move(a.annotations), a.starts_at_ms,
                                    a.ends_at_ms, std::move(a.generator_url)});
    }
    if (!out.empty()) sender->Send(std::move(out));
  });
}

}  // namespace overtone::shell
