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
#include "shell/interactive.h"
#include "shell/line_reader.h"
#include "shell/shell.h"

namespace overtone::shell {

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

struct CommandLine {
  std::string dir;
  std::vector<std::string> sql;
  std::optional<OutputMode> mode;
  std::optional<bool> headers;
  bool read_only = false;
};

// Fills *cl from argv; on a usage error prints it and returns false.
bool ParseCommandLine(int argc, char** argv, CommandLine* cl) {
  bool options_done = false;
  bool have_dir = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!options_done) {
      if (arg == "--") {
        options_done = true;
        continue;
      }
      if (arg == "--mode" || arg == "-m") {
        if (i + 1 >= argc) {
          std::fprintf(stderr, "overtone: %s needs a MODE\n", arg.c_str());
          return false;
        }
        cl->mode = ParseOutputMode(argv[++i]);
        if (!cl->mode) {
          std::fprintf(stderr, "overtone: unknown mode '%s'; modes: %s\n", argv[i],
                       "list tabs csv line json table box");
          return false;
        }
        continue;
      }
      if (arg == "--headers" || arg == "--no-headers") {
        cl->headers = arg == "--headers";
        continue;
      }
      if (arg == "--readonly" || arg == "--read-only") {
        cl->read_only = true;
        continue;
      }
      // Before DBDIR anything else that looks like an option is a mistake;
      // after it, it is SQL ("-- a comment\nSELECT 1").
      if (!have_dir && arg.size() > 1 && arg[0] == '-') {
        std::fprintf(stderr, "overtone: unknown option '%s'; see overtone --help\n", arg.c_str());
        return false;
      }
    }
    if (!have_dir) {
      cl->dir = arg;
      have_dir = true;
    } else {
      cl->sql.push_back(arg);
    }
  }
  if (!have_dir || cl->dir.empty()) {
    std::fprintf(stderr, "overtone: missing DBDIR; see overtone --help\n");
    return false;
  }
  return true;
}

}  // namespace

const char* SqlCommandUsage() {
  return "  overtone [--mode MODE] [--headers|--no-headers] [--readonly] DBDIR [SQL...]\n"
         "      Open (creating if needed) the database directory DBDIR and run SQL,\n"
         "      or SQL and dot-commands from stdin, or an interactive shell.\n"
         "      MODE: list tabs csv line json table box.\n";
}

int RunSqlCommand(int argc, char** argv) {
  CommandLine cl;
  if (!ParseCommandLine(argc, argv, &cl)) return kExitUsage;

  // SqlSession would fail on a file too, but with a message about its
  // internals; say plainly what is wrong.
  struct stat st;
  if (stat(cl.dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "Error: '%s' is not a directory; DBDIR is a database directory\n",
                 cl.dir.c_str());
    return kExitError;
  }

  Options options;
  options.read_only = cl.read_only;
  options.create_if_missing = !cl.read_only;
  auto session = SqlSession::Open(options, cl.dir);
  if (!session.ok()) {
    std::fprintf(stderr, "Error: cannot open database '%s': %s\n", cl.dir.c_str(),
                 session.status().ToString().c_str());
    return kExitError;
  }

  const bool interactive = cl.sql.empty() && isatty(STDIN_FILENO);
  ShellSettings settings = interactive ? ShellSettings::Interactive() : ShellSettings::Script();
  if (cl.mode) {
    settings.print.mode = *cl.mode;
    if (*cl.mode == OutputMode::kTable || *cl.mode == OutputMode::kBox) {
      settings.print.headers = true;
    }
  }
  if (cl.headers) settings.print.headers = *cl.headers;

  // The Shell goes before the session: it may still write to the output.
  int status;
  {
    Shell shell((*session)->conn(), settings);
    if (interactive) {
      status = RunInteractive(shell, cl.dir);
    } else if (!cl.sql.empty()) {
      for (const std::string& sql : cl.sql) {
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
