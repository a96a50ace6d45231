// A one-line progress display on stderr for long commands (import, emulate),
// drawn only when stderr is a terminal: redirected output gets no control
// characters. Redraws at most ten times a second.
//
//   [##########..........]  52%  2.1 M samples  1.4 M/s  ETA 2s

#ifndef OVERTONE_SHELL_PROGRESS_BAR_H_
#define OVERTONE_SHELL_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace overtone::shell {

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op; StderrIsTerminal() is the usual value.
  explicit ProgressBar(bool enabled);
  ~ProgressBar() { Clear(); }

  // `done` of `total` units (total 0: unknown), `count` items to show with
  // their rate (e.g. samples).
  void Update(uint64_t done, uint64_t total, uint64_t count, const char* count_unit);
  // Erases the line, so a summary can be printed in its place.
  void Clear();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_, last_draw_;
};

bool StderrIsTerminal();

// 1234567 -> "1.23 M", 950 -> "950".
std::string HumanCount(double n);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_PROGRESS_BAR_H_
