// `overtone [OPTIONS] DBDIR [SQL...]`: the SQL shell's command line.
//
// Opens (creating if needed) the database directory DBDIR. Each SQL argument
// is run in turn (several statements and dot-commands may share one
// argument, a line each for dot-commands). Without SQL arguments, reads from
// stdin: the interactive shell when stdin is a terminal, else a script.
//
// Options (before or after DBDIR):
//   --mode MODE     output mode, as .mode
//   --headers       / --no-headers, as .headers on/off
//   --readonly      open the database read-only (several processes may)
//   --              what follows is SQL even if it looks like an option
//   --help, --version
//
// Exit status: 0; 1 when a statement or dot-command failed or the database
// could not be opened; 2 for a usage error (and for no arguments at all,
// which prints the help on stderr).

#ifndef OVERTONE_SHELL_SQL_COMMAND_H_
#define OVERTONE_SHELL_SQL_COMMAND_H_

#include <string>

namespace overtone::shell {

// argv[0] is the program name; argv[1..] as above. `subcommands` ends
// --help: the other things the program does.
int RunSqlCommand(int argc, char** argv, const std::string& subcommands);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_SQL_COMMAND_H_
