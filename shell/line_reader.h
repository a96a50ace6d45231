// Where the shell's input lines come from: a file or stdin, a string given on
// the command line, or the terminal (interactive.h).

#ifndef OVERTONE_SHELL_LINE_READER_H_
#define OVERTONE_SHELL_LINE_READER_H_

#include <cstdio>
#include <string>
#include <string_view>

namespace overtone::shell {

class LineReader {
 public:
  enum class Result {
    kLine,       // *line holds the next line, without its line terminator
    kEof,        // no more input
    kCancelled,  // the user pressed Ctrl-C: forget the statement being typed
  };

  virtual ~LineReader() = default;

  // `continuation`: a statement is incomplete, so an interactive reader shows
  // the continuation prompt.
  virtual Result Read(bool continuation, std::string* line) = 0;
};

// Lines of a stdio stream (not owned). Accepts "\n" and "\r\n" endings.
class FileLineReader : public LineReader {
 public:
  explicit FileLineReader(FILE* file) : file_(file) {}
  ~FileLineReader() override;
  FileLineReader(const FileLineReader&) = delete;
  FileLineReader& operator=(const FileLineReader&) = delete;

  Result Read(bool continuation, std::string* line) override;

 private:
  FILE* file_;
  char* buffer_ = nullptr;  // getline()'s, reused across lines
  size_t capacity_ = 0;
};

// Lines of a string, e.g. the SQL argument of `overtone DBDIR SQL`.
class StringLineReader : public LineReader {
 public:
  explicit StringLineReader(std::string_view text) : rest_(text) {}
  Result Read(bool continuation, std::string* line) override;

 private:
  std::string_view rest_;
  bool done_ = false;
};

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_LINE_READER_H_
