// overtone: the command-line program. The first argument names a subcommand
// (serve, import, ...); anything else is the SQL shell's command line
// (sql_command.h), --help and --version included. Every command parses its
// arguments with CommandLine (command_line.h).
//
// To add a subcommand, give its entry in kSubcommands a function. A database
// directory that happens to carry a subcommand's name can still be opened
// as ./NAME.

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "shell/check_command.h"
#include "shell/command_line.h"
#include "shell/compact_command.h"
#include "shell/emulate_command.h"
#include "shell/export_command.h"
#include "shell/import_command.h"
#include "shell/promql_command.h"
#include "shell/rules_command.h"
#include "shell/serve_command.h"
#include "shell/sql_command.h"

namespace {

using overtone::shell::kExitUsage;
using overtone::shell::RunSqlCommand;

struct Subcommand {
  const char* name;
  const char* usage;    // its arguments in short, for --help
  const char* summary;  // one line, for --help
  // argv[0] is the subcommand's name. Null: not part of this build.
  int (*run)(int argc, char** argv);
};

// The command-line contract reserves these names (docs/SHELL.md).
constexpr Subcommand kSubcommands[] = {
    {"serve", "DBDIR [--listen HOST:PORT]", "Prometheus remote write/read, query API, /metrics, /health",
     overtone::shell::RunServe},
    {"import", "DBDIR FILE|- | DBDIR --from-remote-read URL --match SEL --start T --end T",
     "load OpenMetrics / Prometheus text (or CSV), or pull from a Prometheus", overtone::shell::RunImport},
    {"export", "DBDIR --match SEL [--start T] [--end T] [--format openmetrics|prometheus|csv]",
     "write samples out as OpenMetrics text or CSV", overtone::shell::RunExport},
    {"emulate", "[--hosts N] [--duration D] (--db DIR | --out FILE | --remote-write URL)",
     "generate a realistic fleet's metrics", overtone::shell::RunEmulate},
    {"promql", "DBDIR EXPR [--time T | --start S --end E --step D] [--explain]",
     "evaluate a PromQL expression", overtone::shell::RunPromql},
    {"compact", "DBDIR [--before MS]", "seal every closed range into segments now",
     overtone::shell::RunCompact},
    {"check", "DBDIR", "verify every checksum, segment, summary and index entry", overtone::shell::RunCheck},
    {"rules", "check FILE... | test FILE...",
     "check Prometheus rule files, run their unit tests (as promtool)", overtone::shell::RunRules},
};

// The end of `overtone --help`: one entry per subcommand.
std::string SubcommandsHelp() {
  std::string help = "Subcommands:\n";
  for (const Subcommand& c : kSubcommands) {
    help += std::string("  overtone ") + c.name + " " + c.usage + "\n      " + c.summary +
            (c.run ? "" : " (not in this build)") + "\n";
  }
  return help +
         "\nRun 'overtone SUBCOMMAND --help' for a subcommand's options. In the shell, enter .help "
         "for its commands. See docs/SHELL.md.";
}

// Levenshtein distance, for "did you mean".
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A first argument that names no existing path but is a subcommand's name
// misspelt ("serv") would otherwise create a database directory of that
// name: the subcommand it is close to, or null.
const Subcommand* Misspelt(std::string_view arg) {
  struct stat st;
  if (arg.empty() || arg[0] == '-' || arg.find('/') != std::string_view::npos ||
      stat(std::string(arg).c_str(), &st) == 0) {
    return nullptr;
  }
  for (const Subcommand& c : kSubcommands) {
    if (EditDistance(arg, c.name) <= 2) return &c;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view first = argc > 1 ? argv[1] : "";
  for (const Subcommand& c : kSubcommands) {
    if (first != c.name) continue;
    if (c.run == nullptr) {
      std::fprintf(stderr, "overtone: '%s' is not available in this build\n", c.name);
      return kExitUsage;
    }
    return c.run(argc - 1, argv + 1);
  }
  if (const Subcommand* c = Misspelt(first)) {
    std::fprintf(stderr,
                 "overtone: unknown subcommand '%s'; did you mean '%s'? (to create a database "
                 "directory of that name, say ./%s)\n",
                 argv[1], c->name, argv[1]);
    return kExitUsage;
  }
  return RunSqlCommand(argc, argv, SubcommandsHelp());
}
