// Runs the interactive shell on a pseudo-terminal, the way a person would:
// prompts, a statement over two lines, Ctrl-C, history, .quit and Ctrl-D.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "tests/support/overtone_binary.h"

namespace overtone::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kTimeoutMs = 20000;

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

// `overtone DBDIR` on the slave side of a pty.
class Terminal {
 public:
  Terminal(const std::string& db, const std::string& history) {
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      setenv("TERM", "dumb", 1);
      setenv("OVERTONE_HISTORY", history.c_str(), 1);
      execl(OVERTONE_BIN, OVERTONE_BIN, db.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }

  bool started() const { return pid_ > 0; }
  const std::string& screen() const { return screen_; }

  void Type(std::string_view keys) {
    while (!keys.empty()) {
      ssize_t n = write(fd_, keys.data(), keys.size());
      if (n <= 0) return;
      keys.remove_prefix(n);
    }
  }

  // Reads until the output seen since `from` contains `text`; false on
  // timeout or end of output.
  bool WaitFor(std::string_view text, size_t from = 0) {
    const int64_t deadline = NowMs() + kTimeoutMs;
    while (screen_.find(text, from) == std::string::npos) {
      if (!ReadSome(deadline)) return false;
    }
    return true;
  }

  // Waits until the program has put the terminal in libedit's raw mode,
  // i.e. readline() is reading keys. A control key typed before that goes to
  // the kernel's line discipline instead (Ctrl-D there is a lost EOF).
  // On Linux, the master side of a pty reports the slave's settings.
  bool WaitForRawMode() {
    const int64_t deadline = NowMs() + kTimeoutMs;
    for (;;) {
      termios t;
      if (tcgetattr(fd_, &t) == 0 && !(t.c_lflag & ICANON)) return true;
      if (NowMs() > deadline) return false;
      usleep(2000);
    }
  }

  // Reads everything until the program exits; returns its exit status.
  int WaitForExit() {
    const int64_t deadline = NowMs() + kTimeoutMs;
    while (ReadSome(deadline)) {
    }
    int status = 0;
    for (;;) {
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (NowMs() > deadline) return -2;
      usleep(10000);
    }
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  bool ReadSome(int64_t deadline) {
    int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    pollfd p = {fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    ssize_t n = read(fd_, buf, sizeof(buf));
    if (n <= 0) return false;  // EIO once the child has closed the pty
    screen_.append(buf, n);
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  std::string screen_;
};

TEST(ShellInteractiveTest, MultiLineStatementCtrlCAndQuit) {
  TempDir tmp;
  std::string history = tmp.Sub("history");
  Terminal term(tmp.Sub("db"), history);
  ASSERT_TRUE(term.started());

  ASSERT_TRUE(term.WaitFor("overtone> ")) << term.screen();
  EXPECT_THAT(term.screen(), HasSubstr(".help"));  // the banner

  // A statement over two lines: the second line gets the continuation
  // prompt, the result is a box with headers.
  term.Type("SELECT 40 + 2\r");
  ASSERT_TRUE(term.WaitFor("   ...> ")) << term.screen();
  size_t mark = term.screen().size();
  term.Type("  AS answer;\r");
  ASSERT_TRUE(term.WaitFor("│     42 │", mark)) << term.screen();
  EXPECT_THAT(term.screen().substr(mark), HasSubstr("│ answer │"));

  // Ctrl-C forgets the line being typed; the shell goes on.
  ASSERT_TRUE(term.WaitFor("overtone> ", mark)) << term.screen();
  mark = term.screen().size();
  term.Type("SELECT 'can' || 'celled'");
  ASSERT_TRUE(term.WaitFor("'celled'", mark)) << term.screen();  // echoed: libedit has it
  ASSERT_TRUE(term.WaitForRawMode());
  term.Type("\x03");
  ASSERT_TRUE(term.WaitFor("^C", mark)) << term.screen();
  ASSERT_TRUE(term.WaitFor("overtone> ", mark)) << term.screen();
  mark = term.screen().size();
  term.Type("SELECT 'after' || '_cancel';\r");
  ASSERT_TRUE(term.WaitFor("│ after_cancel", mark)) << term.screen();

  // Ctrl-C during a long statement interrupts it, not the shell.
  mark = term.screen().size();
  term.Type(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
      " SELECT count(*) FROM c;\r");
  ASSERT_TRUE(term.WaitFor("FROM c;\r\n", mark)) << term.screen();  // the line was taken
  usleep(200000);
  term.Type("\x03");
  ASSERT_TRUE(term.WaitFor("interrupted", mark)) << term.screen();
  mark = term.screen().size();
  term.Type("SELECT 'still' || '_here';\r");
  ASSERT_TRUE(term.WaitFor("│ still_here", mark)) << term.screen();

  term.Type(".quit\r");
  EXPECT_EQ(term.WaitForExit(), 0) << term.screen();
  EXPECT_THAT(term.screen(), Not(HasSubstr("cancelled")));

  // The lines typed were saved (libedit writes spaces as \040).
  std::string saved = ReadFile(history);
  EXPECT_THAT(saved, HasSubstr("answer"));
  EXPECT_THAT(saved, HasSubstr("_here"));
}

TEST(ShellInteractiveTest, CtrlDLeavesAndHistoryIsReadBack) {
  TempDir tmp;
  std::string history = tmp.Sub("history");
  {
    Terminal term(tmp.Sub("db"), history);
    ASSERT_TRUE(term.WaitFor("overtone> ")) << term.screen();
    size_t mark = term.screen().size();
    term.Type("CREATE TABLE kept(x); INSERT INTO kept VALUES ('from' || '_history');\r");
    ASSERT_TRUE(term.WaitFor("overtone> ", mark)) << term.screen();
    ASSERT_TRUE(term.WaitForRawMode());
    term.Type("\x04");  // Ctrl-D on an empty line
    EXPECT_EQ(term.WaitForExit(), 0) << term.screen();
  }
  ASSERT_THAT(ReadFile(history), HasSubstr("_history"));

  // A second session: Ctrl-P (previous line) brings back the last line of
  // the first one, and running it again proves both the history and the
  // table survived.
  Terminal term(tmp.Sub("db"), history);
  ASSERT_TRUE(term.WaitFor("overtone> ")) << term.screen();
  size_t mark = term.screen().size();
  term.Type("\x10\r");
  ASSERT_TRUE(term.WaitFor("table kept already exists", mark)) << term.screen();
  mark = term.screen().size();
  term.Type("SELECT x FROM kept;\r");
  ASSERT_TRUE(term.WaitFor("│ from_history │", mark)) << term.screen();
  term.Type(".quit\r");
  EXPECT_EQ(term.WaitForExit(), 0);
}

TEST(ShellInteractiveTest, CtrlCStopsAWholeReadFile) {
  TempDir tmp;
  std::string script = tmp.Sub("long.sql");
  ASSERT_TRUE(WriteFile(script,
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)\n"
                        "  SELECT count(*) FROM c;\n"
                        "SELECT 'not' || '_reached';\n"));
  Terminal term(tmp.Sub("db"), "");
  ASSERT_TRUE(term.WaitFor("overtone> ")) << term.screen();
  size_t mark = term.screen().size();
  term.Type(".read " + script + "\r");
  ASSERT_TRUE(term.WaitFor("long.sql\r\n", mark)) << term.screen();
  usleep(200000);
  term.Type("\x03");
  ASSERT_TRUE(term.WaitFor("interrupted", mark)) << term.screen();
  ASSERT_TRUE(term.WaitFor("overtone> ", mark)) << term.screen();
  term.Type(".quit\r");
  EXPECT_EQ(term.WaitForExit(), 0);
  EXPECT_THAT(term.screen(), Not(HasSubstr("not_reached")));
}

TEST(ShellInteractiveTest, TabCompletesCommandsAndTableNames) {
  TempDir tmp;
  Terminal term(tmp.Sub("db"), "");
  ASSERT_TRUE(term.WaitFor("overtone> ")) << term.screen();
  size_t mark = term.screen().size();
  term.Type(".sch\t");  // -> ".schema "
  ASSERT_TRUE(term.WaitFor(".schema ", mark)) << term.screen();
  term.Type("sampl\t");  // -> "samples"
  ASSERT_TRUE(term.WaitFor("samples", mark)) << term.screen();
  term.Type("\r");
  ASSERT_TRUE(term.WaitFor("CREATE TABLE samples(", mark)) << term.screen();
  term.Type(".quit\r");
  EXPECT_EQ(term.WaitForExit(), 0);
}

}  // namespace
}  // namespace overtone::testing
