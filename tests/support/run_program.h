// Runs a program as a child process with given stdin, collecting its stdout,
// stderr and exit status, killed if it outlives a timeout. For tests that
// drive the real `overtone` binary.

#ifndef OVERTONE_TESTS_SHELL_RUN_PROGRAM_H_
#define OVERTONE_TESTS_SHELL_RUN_PROGRAM_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace overtone::testing {

struct ProgramResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;

  // So that a test can expect a whole result at once:
  //   EXPECT_EQ(r, (ProgramResult{.exit_code = 1, .out = "", .err = "Error: ...\n"}));
  bool operator==(const ProgramResult&) const = default;
};

// How GoogleTest shows a ProgramResult in a failure message.
void PrintTo(const ProgramResult& r, std::ostream* os);

// argv[0] is the program's path. The child's stdin is a pipe that gets
// `input` and is then closed, so the child never sees a terminal.
ProgramResult RunProgram(const std::vector<std::string>& argv, std::string_view input = "",
                         int timeout_ms = 60000);

// A fresh directory under $TMPDIR (or /tmp), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(std::string_view name) const;

 private:
  std::string path_;
};

// Writes `contents` to `path`; returns false on failure.
bool WriteFile(const std::string& path, std::string_view contents);
// The contents of `path`, "" if it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SHELL_RUN_PROGRAM_H_
