// The shell proper: runs SQL and dot-commands read from a LineReader on one
// SQLite connection, and prints results and errors.
//
// Input is split the way sqlite3 splits it: a line whose first non-blank
// character is '.' is a dot-command when no SQL statement is pending; other
// lines are collected until sqlite3_complete() says the text ends in a
// complete statement, and the text (perhaps several statements) is then
// run. At the end of the input, a pending incomplete statement is run anyway,
// so `overtone DIR "SELECT 1"` needs no semicolon.
//
// Errors go to stderr as "Error: <message>"; in a script (stdin or .read)
// with the line the statement started on: "Error: near line 3: ...". With
// .bail on (the default for scripts and the SQL argument) the first error
// stops all input; with .bail off the shell goes on with the next statement.

#ifndef OVERTONE_SHELL_SHELL_H_
#define OVERTONE_SHELL_SHELL_H_

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "shell/line_reader.h"
#include "shell/result_printer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace overtone::shell {

struct ShellSettings {
  PrintOptions print;
  bool timer = false;  // print "Run Time: ..." after each statement
  bool bail = false;   // stop at the first error

  // sqlite3's defaults: a person at a terminal gets boxes with headers and
  // keeps going after an error; a script gets plain '|'-separated values and
  // stops at the first error.
  static ShellSettings Interactive();
  static ShellSettings Script();
};

class Shell {
 public:
  // REQUIRES: `conn` outlives the Shell.
  Shell(sqlite3* conn, const ShellSettings& settings);
  ~Shell();
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  // How ProcessInput() names its source in error messages.
  struct Source {
    std::string name;           // "stdin", a file name, "" for the command line/terminal
    bool line_numbers = false;  // "near line N" in errors
  };

  enum class Outcome {
    kEndOfInput,  // read everything
    kQuit,        // .quit or .exit
    kBailed,      // stopped at an error because .bail is on
  };

  // Runs every line of `reader`. Errors are printed as they happen.
  Outcome ProcessInput(LineReader& reader, const Source& source);

  // The process exit status: the code given to .exit, else 1 if any error
  // was reported (when `count_errors`), else 0.
  int ExitCode(bool count_errors) const;

  // ".bail", ".exit", ...: for TAB completion.
  static std::vector<std::string> DotCommandNames();

  sqlite3* conn() const { return conn_; }
  const ShellSettings& settings() const { return settings_; }

 private:
  // SQL: possibly several statements.
  Status ExecuteSql(std::string_view sql);
  Status RunStatement(sqlite3_stmt* stmt);
  Status StatementError(std::string_view sql);

  // Dot-commands (dot_commands.cc). `*quit` is set by .quit and .exit.
  Status DoDotCommand(std::string_view line, bool* quit);
  struct DotCommand {
    const char* name;   // ".mode"
    const char* usage;  // ".mode MODE"
    const char* help;
    size_t min_args, max_args;
    Status (Shell::*run)(const std::vector<std::string>& args);
    // The command takes the rest of its line verbatim, as one argument (or
    // none): for SQL, whose quotes are not the shell's to remove.
    bool rest_of_line = false;
  };
  static const std::vector<DotCommand>& DotCommands();
  Status DotBail(const std::vector<std::string>& args);
  Status DotExit(const std::vector<std::string>& args);
  Status DotHeaders(const std::vector<std::string>& args);
  Status DotHelp(const std::vector<std::string>& args);
  Status DotMode(const std::vector<std::string>& args);
  Status DotNullValue(const std::vector<std::string>& args);
  Status DotOutput(const std::vector<std::string>& args);
  Status DotPlot(const std::vector<std::string>& args);
  Status DotPrint(const std::vector<std::string>& args);
  Status DotRead(const std::vector<std::string>& args);
  Status DotSchema(const std::vector<std::string>& args);
  Status DotShow(const std::vector<std::string>& args);
  Status DotTables(const std::vector<std::string>& args);
  Status DotTimer(const std::vector<std::string>& args);

  // Whether `error` ends ProcessInput() (.bail on, or an interrupt).
  bool StopsInput(const Status& error) const;
  // Prints `s` to stderr unless a nested .read already did.
  void ReportError(const Status& s, const Source& source, int line);

  // Output goes through pending_ so rows are written in large pieces.
  void Write(std::string_view text);
  void FlushOutput();

  sqlite3* const conn_;
  ShellSettings settings_;
  FILE* out_;             // stdout, or the file of .output
  std::string out_name_;  // "stdout" or that file's name
  std::string pending_;   // output not yet written to out_
  int errors_ = 0;
  int exit_code_ = -1;  // set by .exit N
  bool quit_ = false;   // set by .quit and .exit
  int read_depth_ = 0;  // nesting of .read
};

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_SHELL_H_
