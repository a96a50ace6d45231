#include "shell/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace overtone::shell {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string HumanCount(double n) {
  char buf[32];
  if (n >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.2f G", n / 1e9);
  } else if (n >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2f M", n / 1e6);
  } else if (n >= 1e4) {
    std::snprintf(buf, sizeof(buf), "%.1f k", n / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f", n);
  }
  return buf;
}

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled), started_(std::chrono::steady_clock::now()), last_draw_(started_) {}

void ProgressBar::Update(uint64_t done, uint64_t total, uint64_t count, const char* count_unit) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - started_).count();
  double rate = elapsed > 0 ? static_cast<double>(count) / elapsed : 0;
  std::string line = "\r";
  if (total > 0) {
    double frac = static_cast<double>(done) / static_cast<double>(total);
    if (frac > 1) frac = 1;
    constexpr int kWidth = 24;
    int filled = static_cast<int>(frac * kWidth);
    line += "[" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(kWidth - filled), '.') + "]";
    char pct[64];
    std::snprintf(pct, sizeof(pct), " %3.0f%%", frac * 100);
    line += pct;
    if (frac > 0.01 && frac < 1) {
      std::snprintf(pct, sizeof(pct), "  ETA %.0fs", elapsed / frac - elapsed);
      line +=
          "  " + HumanCount(static_cast<double>(count)) + count_unit + "  " + HumanCount(rate) + "/s" + pct;
    } else {
      line += "  " + HumanCount(static_cast<double>(count)) + count_unit;
    }
  } else {
    line += HumanCount(static_cast<double>(count)) + count_unit + "  " + HumanCount(rate) + "/s";
  }
  line += "\033[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Clear() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace overtone::shell
