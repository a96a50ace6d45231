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
//
// Exit status: 0; 1 when a statement or dot-command failed or the database
// could not be opened; 2 for a usage error.

#ifndef OVERTONE_SHELL_SQL_COMMAND_H_
#define OVERTONE_SHELL_SQL_COMMAND_H_

namespace overtone::shell {

// argv[0] is the program name; argv[1..] as above.
int RunSqlCommand(int argc, char** argv);

// The usage lines of the SQL shell, for `overtone --help`.
const char* SqlCommandUsage();

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_SQL_COMMAND_H_
