// The Prometheus rules `overtone serve --rules` runs: a RuleManager
// (adapters/rules/rule_manager.h) whose queries run on SQLite connections
// of their own over the served database and whose samples go through the
// database's normal write path, and the server options that show them
// (/api/v1/rules, /api/v1/alerts, POST /-/reload), and their alerts sent to
// Alertmanager.

#ifndef OVERTONE_SHELL_SERVE_RULES_H_
#define OVERTONE_SHELL_SERVE_RULES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/http/server.h"
#include "adapters/notify/alertmanager.h"
#include "adapters/rules/rule_manager.h"
#include "overtone/database.h"

namespace overtone::shell {

// Loads the rule files of `options.patterns` (an error names the file and
// the problem) and starts a loop per group; alerts restore their `for`
// state from the database's ALERTS_FOR_STATE. `db` outlives the manager.
Result<std::unique_ptr<rules::RuleManager>> StartRules(Database* db, rules::RuleManagerOptions options);

// Points the server's rules endpoints at `manager` (which outlives the server).
void ServeRulesApi(rules::RuleManager* manager, adapters::ServerOptions* options);

// Sends the alerts of `manager` to `sender` as Prometheus does
// (adapters/rules/alert_dispatch.h); `external_url` starts their
// generatorURL. `sender` outlives the manager's loops.
void SendAlerts(rules::RuleManager* manager, adapters::AlertmanagerSender* sender, std::string external_url);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_SERVE_RULES_H_
