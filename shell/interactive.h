// The interactive shell on a terminal: a banner, line editing and history
// through libedit's readline API, "overtone> " and "   ...> " prompts, and
// Ctrl-C handling.
//
// Ctrl-C at the prompt forgets the statement being typed and shows a fresh
// prompt; during a statement it interrupts the statement
// (sqlite3_interrupt), which then fails with "interrupted". Neither ends the
// shell; Ctrl-D on an empty line, .quit and .exit do.
//
// History lives in $OVERTONE_HISTORY, else ~/.overtone_history; with
// OVERTONE_HISTORY set to "" or HOME unset, nothing is saved. Each line
// typed is one entry; the file is written when the shell ends normally.

#ifndef OVERTONE_SHELL_INTERACTIVE_H_
#define OVERTONE_SHELL_INTERACTIVE_H_

#include <string>

#include "shell/shell.h"

namespace overtone::shell {

// Runs `shell` on the terminal until the user leaves; returns the exit
// status. `dir` is the database directory, named in the banner.
int RunInteractive(Shell& shell, const std::string& dir);

// The history file to use, or "" for none (see above).
std::string HistoryPath();

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_INTERACTIVE_H_
