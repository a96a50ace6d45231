#include "shell/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/http/server.h"
#include "overtone/database.h"

namespace overtone::shell {
namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr size_t kMinEngineBytes = 1u << 20;

struct ServeArgs {
  std::string dir;
  adapters::ServerOptions server;
  std::optional<size_t> memory_limit;
  std::string port_file;
  std::string auth_token_file;
  bool sync = false;
};

// "512MiB", "1G", "64k", "1000": binary units, case-insensitive.
std::optional<size_t> ParseSize(std::string_view s) {
  size_t i = 0;
  unsigned long long n = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (n > (1ull << 50)) return std::nullopt;
    n = n * 10 + static_cast<unsigned>(s[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < s.size(); ++i) unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
  int shift = 0;
  if (unit.empty() || unit == "b") shift = 0;
  else if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
  else return std::nullopt;
  return static_cast<size_t>(n) << shift;
}

// "HOST:PORT", "[::1]:PORT" or ":PORT" (loopback).
bool ParseListen(std::string_view s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view h = s.substr(0, colon), p = s.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int n = std::stoi(std::string(p));
  if (n > 65535) return false;
  *host = h.empty() ? "127.0.0.1" : std::string(h);
  *port = n;
  return true;
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "overtone serve: %s\n"
               "usage: overtone serve DBDIR [--listen HOST:PORT] [--port-file FILE]\n"
               "         [--memory-limit SIZE] [--max-request-bytes SIZE]\n"
               "         [--max-decompressed-bytes SIZE] [--auth-token-file FILE]\n"
               "         [--overload-status 429|503] [--threads N] [--sync]\n",
               why);
  return kExitUsage;
}

// Fills *a from argv; returns an exit status when it should not go on.
std::optional<int> Parse(int argc, char** argv, ServeArgs* a) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    auto size_value = [&](size_t* out) {
      const char* v = value();
      std::optional<size_t> n = v ? ParseSize(v) : std::nullopt;
      if (n) *out = *n;
      return n.has_value();
    };
    if (arg == "--help" || arg == "-h") {
      Usage("Prometheus remote storage over HTTP (see docs/SERVER.md)");
      return 0;
    } else if (arg == "--listen") {
      const char* v = value();
      if (!v || !ParseListen(v, &a->server.host, &a->server.port)) {
        return Usage("--listen takes HOST:PORT");
      }
    } else if (arg == "--port-file") {
      const char* v = value();
      if (!v) return Usage("--port-file takes a FILE");
      a->port_file = v;
    } else if (arg == "--memory-limit") {
      size_t n;
      if (!size_value(&n)) return Usage("--memory-limit takes a SIZE such as 512MiB");
      a->memory_limit = n;
    } else if (arg == "--max-request-bytes") {
      if (!size_value(&a->server.max_request_bytes)) return Usage("--max-request-bytes takes a SIZE");
    } else if (arg == "--max-decompressed-bytes") {
      if (!size_value(&a->server.max_decompressed_bytes)) {
        return Usage("--max-decompressed-bytes takes a SIZE");
      }
    } else if (arg == "--auth-token-file") {
      const char* v = value();
      if (!v) return Usage("--auth-token-file takes a FILE");
      a->auth_token_file = v;
    } else if (arg == "--overload-status") {
      const char* v = value();
      if (!v || (std::strcmp(v, "429") != 0 && std::strcmp(v, "503") != 0)) {
        return Usage("--overload-status takes 429 or 503");
      }
      a->server.overload_status = std::atoi(v);
    } else if (arg == "--threads") {
      const char* v = value();
      int n = v ? std::atoi(v) : 0;
      if (n < 1 || n > 1024) return Usage("--threads takes a number from 1 to 1024");
      a->server.threads = n;
    } else if (arg == "--sync") {
      a->sync = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage(("unknown option " + std::string(arg)).c_str());
    } else if (a->dir.empty()) {
      a->dir = std::string(arg);
    } else {
      return Usage("more than one DBDIR given");
    }
  }
  if (a->dir.empty()) return Usage("no DBDIR given");
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
  ServeArgs a;
  if (std::optional<int> exit = Parse(argc, argv, &a)) return *exit;

  if (!a.auth_token_file.empty() && !ReadToken(a.auth_token_file, &a.server.auth_token)) {
    std::fprintf(stderr, "overtone serve: cannot read a token from %s\n", a.auth_token_file.c_str());
    return kExitError;
  }

  Options options;
  options.sync = a.sync;
  if (a.memory_limit) {
    adapters::MemoryPlan plan = adapters::PlanMemory(*a.memory_limit);
    a.server.request_memory_bytes = plan.request_bytes;
    options.block_cache_bytes = std::max(plan.block_cache_bytes, kMinEngineBytes);
    options.write_buffer_bytes = std::max(plan.write_buffer_bytes, kMinEngineBytes);
    a.server.memory_limit = *a.memory_limit;
  }
  a.server.block_cache_bytes = options.block_cache_bytes;
  a.server.write_buffer_bytes = options.write_buffer_bytes;

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Result<std::unique_ptr<Database>> db = Database::Open(options, a.dir);
  if (!db.ok()) {
    std::fprintf(stderr, "overtone serve: %s\n", db.status().ToString().c_str());
    return kExitError;
  }
  auto server = std::make_unique<adapters::HttpServer>(db->get(), a.server);
  if (Status s = server->Start(); !s.ok()) {
    std::fprintf(stderr, "overtone serve: %s\n", s.ToString().c_str());
    return kExitError;
  }
  if (!a.port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees half.
    std::string tmp = a.port_file + ".tmp";
    std::ofstream(tmp) << server->port() << "\n";
    std::rename(tmp.c_str(), a.port_file.c_str());
  }
  int threads = a.server.threads > 0 ? a.server.threads : adapters::DefaultThreads();
  std::string shown_host = a.server.host.find(':') != std::string::npos
                               ? "[" + a.server.host + "]"  // IPv6
                               : a.server.host;
  std::fprintf(stderr, "overtone: serving %s on http://%s:%d (%d threads)\n", a.dir.c_str(),
               shown_host.c_str(), server->port(), threads);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "overtone: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server->Stop();
  server.reset();
  db->reset();  // closes the database: every acknowledged write is in its log
  std::fprintf(stderr, "overtone: stopped\n");
  return 0;
}

}  // namespace overtone::shell
