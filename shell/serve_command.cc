#include "shell/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/formats/value_text.h"
#include "adapters/http/server.h"
#include "adapters/monitors/monitor_scheduler.h"
#include "adapters/notify/alertmanager.h"
#include "overtone/database.h"
#include "shell/command_line.h"
#include "shell/serve_rules.h"

namespace overtone::shell {
namespace {

struct ServeArgs {
  std::string dir;
  adapters::ServerOptions server;
  std::string listen;
  std::optional<size_t> memory_limit;
  std::string port_file;
  std::string auth_token_file;
  bool sync = false;
  std::string monitors_file;
  std::vector<std::string> alertmanagers;
  std::vector<std::string> rules;  // rule files or globs
  std::string rule_interval = "1m";
  std::string for_outage_tolerance = "1h";
  std::string for_grace_period = "10m";
};

// "HOST:PORT", "[::1]:PORT" or ":PORT" (loopback).
bool ParseListen(std::string_view s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = s.substr(0, colon), p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (p.empty() || p.size() > 5 ||
      !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int n = std::stoi(std::string(p));
  if (n > 65535) return false;
  *host = h.empty() ? "127.0.0.1" : std::string(h);
  *port = n;
  return true;
}

// Every option of `app` after parsing, by its name without dashes, as
// /api/v1/status/flags reports them: the value given, else the default
// shown in --help ("" when there is none); "true" or "false" for a flag.
std::map<std::string, std::string> FlagValues(const CLI::App& app) {
  std::map<std::string, std::string> out;
  for (const CLI::Option* opt : app.get_options()) {
    const std::string& name = opt->get_single_name();
    if (name == "help") continue;
    std::string value;
    if (opt->get_expected_min() == 0) {
      value = opt->count() > 0 ? "true" : "false";
    } else if (opt->count() > 0) {
      for (const std::string& r : opt->results()) value += (value.empty() ? "" : ",") + r;
    } else {
      value = opt->get_default_str();
    }
    out[name] = std::move(value);
  }
  return out;
}

// Fills *a from argv; returns an exit status when it should not go on.
std::optional<int> Parse(int argc, char** argv, CommandLine* cl, ServeArgs* a) {
  CLI::App& app = cl->app();
  app.add_option("DBDIR", a->dir, "database directory (created if missing)")->required();
  app.add_option("--listen", a->listen, "address to listen on; port 0 picks a free one")
      ->type_name("HOST:PORT")
      ->default_str(a->server.host + ":" + std::to_string(a->server.port))
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            std::string host;
            int port;
            return ParseListen(value, &host, &port) ? "" : "'" + value + "' is not HOST:PORT";
          },
          ""));
  app.add_option("--port-file", a->port_file, "write the bound port there once listening")->type_name("FILE");
  size_t memory_limit = 0;
  CLI::Option* memory_limit_option =
      app.add_option("--memory-limit", memory_limit,
                     "bound the whole process: SIZE is divided between the block cache and memtables, the "
                     "series index, caches, requests in flight and queries (at least 32MiB)")
          ->type_name("SIZE")
          ->transform(Size());
  app.add_option("--max-request-bytes", a->server.max_request_bytes,
                 "largest body accepted as sent (413 above)")
      ->type_name("SIZE")
      ->capture_default_str()
      ->transform(Size());
  app.add_option("--max-decompressed-bytes", a->server.max_decompressed_bytes,
                 "largest body once decompressed (413 above)")
      ->type_name("SIZE")
      ->capture_default_str()
      ->transform(Size());
  app.add_option("--auth-token-file", a->auth_token_file,
                 "require `Authorization: Bearer <token>` (the file's first line) on everything but /health, "
                 "/-/healthy and /-/ready")
      ->type_name("FILE");
  app.add_option("--overload-status", a->server.overload_status,
                 "the answer when the memory budget is used up")
      ->type_name("429|503")
      ->capture_default_str()
      ->check(OneOf({"429", "503"}));
  app.add_option("--threads", a->server.threads, "worker threads (default: sized to the machine)")
      ->type_name("N")
      ->check(WholeNumber(1, 1024));
  app.add_flag("--sync", a->sync, "fsync every write (survives power loss)");
  app.add_option("--rules", a->rules, "Prometheus rule file or glob to evaluate (repeatable; docs/RULES.md)")
      ->type_name("FILE_OR_GLOB");
  app.add_option("--rule-interval", a->rule_interval, "evaluation interval of groups that set none")
      ->type_name("D")
      ->capture_default_str()
      ->check(Duration());
  app.add_option("--rules.alert.for-outage-tolerance", a->for_outage_tolerance,
                 "longest outage after which alerts still take back their `for` progress (as Prometheus)")
      ->type_name("D")
      ->capture_default_str()
      ->check(Duration());
  app.add_option("--rules.alert.for-grace-period", a->for_grace_period,
                 "least time between a restart and a restored alert firing (as Prometheus)")
      ->type_name("D")
      ->capture_default_str()
      ->check(Duration());
  app.add_flag("--read-only", a->server.read_only,
               "answer 403 on every route that writes (remote write); queries and remote read still answer");
  app.add_option("--monitors", a->monitors_file, "run the scheduled SQL monitors of FILE (docs/RULES.md)")
      ->type_name("FILE");
  app.add_option("--alertmanager", a->alertmanagers,
                 "send alerts to the Alertmanager at URL (repeatable; each gets every alert)")
      ->type_name("URL");
  if (std::optional<int> exit = cl->Parse(argc, argv)) return exit;
  if (!a->listen.empty()) ParseListen(a->listen, &a->server.host, &a->server.port);  // checked above
  if (memory_limit_option->count() > 0) a->memory_limit = memory_limit;
  a->server.flags = FlagValues(app);
  return std::nullopt;
}

bool ReadToken(const std::string& path, std::string* token) {
  std::ifstream in(path);
  if (!in || !std::getline(in, *token)) return false;
  while (!token->empty() && std::isspace(static_cast<unsigned char>(token->back()))) token->pop_back();
  return !token->empty();
}

}  // namespace

int RunServe(int argc, char** argv) {
  CommandLine cl("overtone serve",
                 "Prometheus remote storage over HTTP: remote write and read, the query API, /metrics, "
                 "/stats, /health and /ready (see docs/SERVER.md).",
                 "SIZE takes binary units: 512MiB, 1G, 64k, or plain bytes.\n"
                 "SIGINT or SIGTERM stop it; exit status 0 then, 1 when the database cannot be opened or "
                 "the address bound, 2 on a usage error.");
  ServeArgs a;
  if (std::optional<int> exit = Parse(argc, argv, &cl, &a)) return *exit;

  if (!a.auth_token_file.empty() && !ReadToken(a.auth_token_file, &a.server.auth_token)) {
    return cl.Fail("cannot read a token from " + a.auth_token_file);
  }

  Options options;
  options.sync = a.sync;
  // A server runs for long: remote reads after a restart find the newest
  // chunks ready, when remote reads asked for them before.
  options.warm_xor_chunks_at_open = true;
  if (a.memory_limit) {
    if (*a.memory_limit < kMinMemoryLimit) return cl.UsageError("--memory-limit must be at least 32MiB");
    const MemorySplit split = SplitMemoryLimit(*a.memory_limit);
    options.memory_limit_bytes = *a.memory_limit;
    options.block_cache_bytes = split.storage_bytes;
    options.write_buffer_bytes = split.write_buffer_bytes;
    options.summary_cache_bytes = split.summary_cache_bytes;
    a.server.SetMemoryLimit(*a.memory_limit);
  }
  a.server.block_cache_bytes = options.block_cache_bytes;
  a.server.write_buffer_bytes = options.write_buffer_bytes;
  a.server.engine = options;

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // reloads the rules, as it does Prometheus's configuration
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // What is read from files and URLs fails before anything starts.
  std::vector<adapters::MonitorSpec> monitor_specs;
  if (!a.monitors_file.empty()) {
    Result<std::vector<adapters::MonitorSpec>> specs = adapters::LoadMonitors(a.monitors_file);
    if (!specs.ok()) return cl.Fail(specs.status().message());
    monitor_specs = std::move(*specs);
    for (const adapters::MonitorSpec& m : monitor_specs) {
      if (a.server.read_only && m.output == adapters::MonitorOutput::kSamples) {
        return cl.Fail(a.monitors_file + ": monitor " + m.name +
                       " writes samples, and the server is --read-only");
      }
    }
  }
  std::unique_ptr<adapters::AlertmanagerSender> alertmanager;
  if (!a.alertmanagers.empty()) {
    Result<std::unique_ptr<adapters::AlertmanagerSender>> sender =
        adapters::AlertmanagerSender::Create(a.alertmanagers);
    if (!sender.ok()) return cl.Fail(sender.status().message());
    alertmanager = std::move(*sender);
    adapters::AlertmanagerSender* am = alertmanager.get();
    a.server.metrics_text.push_back([am] { return am->RenderMetrics(); });
  }

  Result<std::unique_ptr<Database>> db = Database::Open(options, a.dir);
  if (!db.ok()) return cl.Fail(db.status().ToString());
  std::unique_ptr<adapters::MonitorScheduler> monitors;
  if (!monitor_specs.empty()) {
    Result<std::unique_ptr<adapters::MonitorScheduler>> sched =
        adapters::MonitorScheduler::Create(db->get(), std::move(monitor_specs));
    if (!sched.ok()) return cl.Fail(sched.status().message());
    monitors = std::move(*sched);
    adapters::MonitorScheduler* m = monitors.get();
    a.server.sql_tables.push_back([m](sqlite3* conn) { return m->RegisterTable(conn); });
    a.server.metrics_text.push_back([m] { return m->RenderMetrics(); });
  }
  std::unique_ptr<rules::RuleManager> rules;
  if (!a.rules.empty()) {
    rules::RuleManagerOptions options;
    options.patterns = a.rules;
    options.default_interval_ms = *adapters::ParseDurationMs(a.rule_interval);
    options.for_state.outage_tolerance_ms = *adapters::ParseDurationMs(a.for_outage_tolerance);
    options.for_state.grace_period_ms = *adapters::ParseDurationMs(a.for_grace_period);
    auto started = StartRules(db->get(), std::move(options));
    if (!started.ok()) return cl.Fail(started.status().message());
    rules = std::move(*started);
    ServeRulesApi(rules.get(), &a.server);
  }
  auto server = std::make_unique<adapters::HttpServer>(db->get(), a.server);
  if (Status s = server->Start(); !s.ok()) return cl.Fail(s.ToString());
  if (monitors) monitors->Start();
  if (!a.port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees half.
    std::string tmp = a.port_file + ".tmp";
    std::ofstream(tmp) << server->port() << "\n";
    std::rename(tmp.c_str(), a.port_file.c_str());
  }
  int threads = a.server.threads > 0 ? a.server.threads : adapters::DefaultThreads();
  std::string shown_host = a.server.host.find(':') != std::string::npos ? "[" + a.server.host + "]"  // IPv6
                                                                        : a.server.host;
  std::fprintf(stderr, "overtone: serving %s on http://%s:%d (%d threads)\n", a.dir.c_str(),
               shown_host.c_str(), server->port(), threads);
  // Named in the error a shell reading DBDIR beside us gets when it writes.
  const std::string note = "overtone serve on http://" + shown_host + ":" + std::to_string(server->port());
  if (Status s = (*db)->SetWriterNote(note); !s.ok()) {
    std::fprintf(stderr, "overtone: %s\n", s.ToString().c_str());
  }
  if (rules && alertmanager) {
    SendAlerts(rules.get(), alertmanager.get(),
               "http://" + shown_host + ":" + std::to_string(server->port()));
  }

  int sig = 0;
  while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
    Status s = rules ? rules->Reload() : Status::OK();
    std::fprintf(stderr, "overtone: SIGHUP: %s\n",
                 !rules   ? "no rules to reload"
                 : s.ok() ? "rules reloaded"
                          : ("kept the old rules: " + s.message()).c_str());
  }
  std::fprintf(stderr, "overtone: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (monitors) monitors->Stop();
  server->Stop();
  rules.reset();   // its loops send to the Alertmanager senders
  server.reset();  // before what its tables and /metrics read
  monitors.reset();
  if (alertmanager) alertmanager->Stop();
  db->reset();  // closes the database: every acknowledged write is in its log
  std::fprintf(stderr, "overtone: stopped\n");
  return kExitOk;
}

}  // namespace overtone::shell
