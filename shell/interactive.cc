#include "shell/interactive.h"

#include <editline/readline.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <clocale>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "shell/completion.h"

#ifndef OVERTONE_VERSION
#define OVERTONE_VERSION "unknown"
#endif

namespace overtone::shell {

namespace {

constexpr char kPrompt[] = "overtone> ";
constexpr char kContinuationPrompt[] = "   ...> ";
constexpr int kHistoryEntries = 2000;

// SIGINT has two meanings. While readline() waits for a line, the handler
// jumps back out of it (as psql does); the caller then puts the terminal back
// in its normal mode (rl_deprep_terminal) and the next readline() starts
// afresh. At any other time a statement may be running, and
// sqlite3_interrupt() (which SQLite allows from a signal handler) makes it
// stop at its next step; when none runs it has no effect.
//
// libedit's own signal handling is off (rl_catch_signals = 0): its handler
// re-raises the signal to the whole process and swaps handlers back and
// forth, which goes wrong when the signal lands on another thread. And the
// process has other threads (the storage engine's); the kernel may hand a
// process-wide SIGINT to any of them, and jumping to the main thread's stack
// from there would wreck both. So a SIGINT that lands elsewhere is sent on to
// the main thread (pthread_kill, a tgkill that is safe in a handler).
sigjmp_buf g_prompt_jump;
volatile sig_atomic_t g_at_prompt = 0;
sqlite3* g_conn = nullptr;
pthread_t g_main_thread;

extern "C" void OnInterrupt(int signo) {
  if (!pthread_equal(pthread_self(), g_main_thread)) {
    pthread_kill(g_main_thread, signo);
    return;
  }
  if (g_at_prompt) {
    g_at_prompt = 0;
    siglongjmp(g_prompt_jump, 1);
  }
  if (g_conn != nullptr) sqlite3_interrupt(g_conn);
}

// readline() wrapped so that the sigsetjmp() frame is live exactly while it
// runs. Returns null on end of input; sets *cancelled on Ctrl-C.
char* ReadLineOrCancel(const char* prompt, bool* cancelled) {
  if (sigsetjmp(g_prompt_jump, 1) != 0) {
    *cancelled = true;
    return nullptr;
  }
  g_at_prompt = 1;
  char* text = readline(prompt);
  g_at_prompt = 0;
  return text;
}

// TAB completion (completion.h). libedit asks for the matches one by one
// through a callback with global state, hence these globals.
std::vector<std::string> g_dot_commands;
std::vector<std::string> g_matches;
size_t g_next_match = 0;

extern "C" char* NextMatch(const char* /*text*/, int state) {
  if (state == 0) g_next_match = 0;
  if (g_next_match >= g_matches.size()) return nullptr;
  return strdup(g_matches[g_next_match++].c_str());
}

extern "C" char** Complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // no file names unless asked for
  if (g_conn == nullptr) return nullptr;
  bool want_files = false;
  // SQLite runs below: a Ctrl-C now must interrupt its queries, not jump
  // out of the middle of them.
  g_at_prompt = 0;
  try {
    std::string_view line = rl_line_buffer ? rl_line_buffer : "";
    CompletionRequest request{line.substr(0, std::min<size_t>(start, line.size())), text};
    g_matches = CompletionCandidates(g_conn, g_dot_commands, request, &want_files);
  } catch (...) {  // nothing may unwind into libedit
    g_matches.clear();
  }
  g_at_prompt = 1;
  if (want_files) {
    rl_attempted_completion_over = 0;  // libedit's file name completion
    return nullptr;
  }
  if (g_matches.empty()) return nullptr;
  return rl_completion_matches(text, NextMatch);
}

class EditLineReader : public LineReader {
 public:
  Result Read(bool continuation, std::string* line) override {
    bool cancelled = false;
    char* text = ReadLineOrCancel(continuation ? kContinuationPrompt : kPrompt, &cancelled);
    if (cancelled) {
      rl_deprep_terminal();  // the jump left the terminal in libedit's raw mode
      std::fputs("^C\n", stdout);
      std::fflush(stdout);
      return Result::kCancelled;
    }
    if (text == nullptr) {
      std::fputs("\n", stdout);  // leave the terminal on a fresh line after Ctrl-D
      return Result::kEof;
    }
    line->assign(text);
    std::free(text);
    // One entry per line, without repeats of the line just before.
    if (line->find_first_not_of(" \t") != std::string::npos && *line != last_) {
      add_history(line->c_str());
      last_ = *line;
    }
    return Result::kLine;
  }

 private:
  std::string last_;
};

}  // namespace

std::string HistoryPath() {
  if (const char* path = std::getenv("OVERTONE_HISTORY")) return path;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return std::string();
  return std::string(home) + "/.overtone_history";
}

int RunInteractive(Shell& shell, const std::string& dir) {
  // libedit needs the terminal's character set to edit UTF-8 text. Only
  // LC_CTYPE: numbers must keep printing with a '.'.
  std::setlocale(LC_CTYPE, "");
  rl_readline_name = "overtone";  // for "overtone:" lines in ~/.editrc
  rl_catch_signals = 0;           // see OnInterrupt
  rl_attempted_completion_function = Complete;
  g_dot_commands = Shell::DotCommandNames();
  using_history();
  stifle_history(kHistoryEntries);
  const std::string history = HistoryPath();
  if (!history.empty()) read_history(history.c_str());

  std::printf(
      "overtone %s (SQLite %s), database %s\n"
      "Enter \".help\" for usage hints, \".quit\" or Ctrl-D to leave.\n",
      OVERTONE_VERSION, sqlite3_libversion(), dir.c_str());
  std::fflush(stdout);

  g_conn = shell.conn();
  g_main_thread = pthread_self();
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  struct sigaction previous = {};
  sigaction(SIGINT, &action, &previous);

  EditLineReader reader;
  Shell::Outcome outcome = shell.ProcessInput(reader, Shell::Source{});

  sigaction(SIGINT, &previous, nullptr);
  g_conn = nullptr;
  if (!history.empty() && write_history(history.c_str()) == 0) {
    chmod(history.c_str(), 0600);  // what was typed may include secrets
  }
  // Errors at the terminal were seen and answered by the user; they do not
  // make the session a failure, unless .bail on made one end it.
  return shell.ExitCode(/*count_errors=*/outcome == Shell::Outcome::kBailed);
}

}  // namespace overtone::shell
