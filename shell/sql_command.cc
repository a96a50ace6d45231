#include "shell/sql_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "overtone/sql.h"
#include "shell/command_line.h"
#include "shell/interactive.h"
#include "shell/line_reader.h"
#include "shell/shell.h"

#ifndef OVERTONE_VERSION
#define OVERTONE_VERSION "unknown"
#endif

namespace overtone::shell {

namespace {

struct ShellArgs {
  std::string dir;
  std::vector<std::string> sql;
  std::string mode;             // empty: the default for the kind of input
  std::optional<bool> headers;  // unset: the default for the mode
  bool read_only = false;
};

}  // namespace

int RunSqlCommand(int argc, char** argv, const std::string& subcommands) {
  ShellArgs args;
  CommandLine cl("overtone",
                 "overtone " OVERTONE_VERSION
                 ": an embedded time-series database for Prometheus metrics\n\n"
                 "Opens (creating if needed) the database directory DBDIR and runs SQL, or SQL and "
                 "dot-commands from stdin, or an interactive shell.",
                 subcommands);
  CLI::App& app = cl.app();
  app.set_version_flag("--version,-V", "overtone " OVERTONE_VERSION, "Print the version and exit");
  app.add_option("--mode,-m", args.mode, "output mode, as .mode")
      ->type_name("MODE")
      ->check(OneOf({"list", "tabs", "csv", "line", "json", "table", "box"}));
  // Flags that act when they are seen, so that the last of the two wins.
  app.add_flag_callback(
         "--headers", [&] { args.headers = true; }, "column names, as .headers on")
      ->trigger_on_parse();
  app.add_flag_callback(
         "--no-headers", [&] { args.headers = false; }, "no column names, as .headers off")
      ->trigger_on_parse();
  app.add_flag("--readonly,--read-only", args.read_only,
               "open the database read-only (several processes may, beside `overtone serve` too)");
  app.add_option("DBDIR", args.dir, "database directory")->required();
  app.add_option("SQL", args.sql,
                 "SQL and dot-commands, run in turn; after --, an argument that starts with - is SQL too");
  if (argc < 2) {  // a bare `overtone`: all of the help, as a usage error
    std::fputs(cl.Help().c_str(), stderr);
    return kExitUsage;
  }
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;
  if (args.dir.empty()) return cl.UsageError("DBDIR is empty");

  // SqlSession would fail on a file too, but with a message about its
  // internals; say plainly what is wrong.
  struct stat st;
  if (stat(args.dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "Error: '%s' is not a directory; DBDIR is a database directory\n", args.dir.c_str());
    return kExitError;
  }

  Options options;
  options.read_only = args.read_only;
  options.create_if_missing = !args.read_only;
  auto session = SqlSession::Open(options, args.dir);
  if (!session.ok() && session.status().IsBusy()) {
    // `overtone serve` (or another writer) holds DBDIR: read it beside the
    // writer, following what it writes; writes to the engine's tables then
    // fail with an error that names the writer.
    options.open_mode = OpenMode::kSecondary;
    session = SqlSession::Open(options, args.dir);
  }
  if (!session.ok()) {
    std::fprintf(stderr, "Error: cannot open database '%s': %s\n", args.dir.c_str(),
                 session.status().ToString().c_str());
    return kExitError;
  }

  const bool interactive = args.sql.empty() && isatty(STDIN_FILENO);
  if (interactive && (*session)->db()->open_mode() == OpenMode::kSecondary) {
    std::string writer = DescribeWriter(args.dir);
    std::fprintf(stderr,
                 "Reading %s beside its writer%s%s: each statement sees the latest data; writes go "
                 "through the writer.\n",
                 args.dir.c_str(), writer.empty() ? "" : ", ", writer.c_str());
  }
  ShellSettings settings = interactive ? ShellSettings::Interactive() : ShellSettings::Script();
  if (std::optional<OutputMode> mode = ParseOutputMode(args.mode)) {
    settings.print.mode = *mode;
    if (*mode == OutputMode::kTable || *mode == OutputMode::kBox) settings.print.headers = true;
  }
  if (args.headers) settings.print.headers = *args.headers;

  // The Shell goes before the session: it may still write to the output.
  int status;
  {
    Shell shell((*session)->conn(), settings);
    if (interactive) {
      status = RunInteractive(shell, args.dir);
    } else if (!args.sql.empty()) {
      for (const std::string& sql : args.sql) {
        StringLineReader reader(sql);
        if (shell.ProcessInput(reader, Shell::Source{}) != Shell::Outcome::kEndOfInput) break;
      }
      status = shell.ExitCode(/*count_errors=*/true);
    } else {
      FileLineReader reader(stdin);
      shell.ProcessInput(reader, Shell::Source{"stdin", /*line_numbers=*/true});
      status = shell.ExitCode(/*count_errors=*/true);
    }
  }
  return status;
}

}  // namespace overtone::shell
