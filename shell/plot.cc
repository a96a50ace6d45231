#include "shell/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>

namespace overtone::shell {
namespace {

// The braille dot at column c (0..1), row r (0..3) of a cell.
constexpr uint8_t kDotBit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
// The legend's marker: all eight dots.
constexpr uint8_t kFullCell = 0xff;
constexpr const char* kColors[] = {"\x1b[34m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[35m", "\x1b[36m"};
constexpr const char* kReset = "\x1b[0m";
constexpr int kMinWidth = 20, kMinHeight = 2;

std::string Braille(uint8_t bits) {
  // U+2800 + bits, in UTF-8: 1110_0010 1010_00bb 10bb_bbbb.
  std::string s(3, '\0');
  s[0] = static_cast<char>(0xE2);
  s[1] = static_cast<char>(0xA0 | (bits >> 6));
  s[2] = static_cast<char>(0x80 | (bits & 0x3F));
  return s;
}

std::string Colored(const std::string& text, int series, bool color) {
  if (!color) return text;
  return kColors[series % std::size(kColors)] + text + kReset;
}

// The cells of the chart, each with its dots and the series that drew last.
class Canvas {
 public:
  Canvas(int width, int height)
      : width_(width), height_(height), bits_(width * height), owner_(width * height, -1) {}

  int dot_width() const { return width_ * 2; }
  int dot_height() const { return height_ * 4; }

  void Set(int x, int y, int series) {
    if (x < 0 || y < 0 || x >= dot_width() || y >= dot_height()) return;
    size_t cell = static_cast<size_t>(y / 4) * width_ + x / 2;
    bits_[cell] |= kDotBit[y % 4][x % 2];
    owner_[cell] = series;
  }

  // Bresenham: every dot on the straight line between the two ends.
  void Line(int x0, int y0, int x1, int y1, int series) {
    int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
      Set(x0, y0, series);
      if (x0 == x1 && y0 == y1) return;
      int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }

  std::string Row(int row, bool color) const {
    std::string out;
    for (int c = 0; c < width_; ++c) {
      size_t cell = static_cast<size_t>(row) * width_ + c;
      if (bits_[cell] == 0) {
        out += ' ';
      } else {
        out += Colored(Braille(bits_[cell]), owner_[cell], color);
      }
    }
    return out;
  }

 private:
  int width_, height_;
  std::vector<uint8_t> bits_;
  std::vector<int> owner_;
};

// Text width in terminal columns: every code point counts one.
size_t Columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

int DecimalsFor(double step) {
  for (int d = 0; d < 10; ++d) {
    double scaled = step * std::pow(10.0, d);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return d;
  }
  return 10;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void Add(double v) { lo = std::min(lo, v), hi = std::max(hi, v); }
  bool empty() const { return lo > hi; }
};

// Where value v falls on an axis of n dots from lo to hi (0 = lo).
int DotOf(double v, double lo, double hi, int n) {
  if (hi <= lo) return (n - 1) / 2;
  return static_cast<int>(std::lround((v - lo) / (hi - lo) * (n - 1)));
}

}  // namespace

double NiceStep(double lo, double hi, int target, bool time_ms) {
  if (!(hi > lo) || target < 1) return 1;
  double raw = (hi - lo) / target;
  if (time_ms) {
    static constexpr double kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;
    static constexpr double kSteps[] = {kSecond,      2 * kSecond,  5 * kSecond, 10 * kSecond, 15 * kSecond,
                                        30 * kSecond, kMinute,      2 * kMinute, 5 * kMinute,  10 * kMinute,
                                        15 * kMinute, 30 * kMinute, kHour,       2 * kHour,    3 * kHour,
                                        6 * kHour,    12 * kHour,   kDay,        2 * kDay,     7 * kDay};
    for (double s : kSteps) {
      if (s >= raw) return s;
    }
    return std::ceil(raw / (7 * kDay)) * 7 * kDay;
  }
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

std::vector<double> NiceTicks(double lo, double hi, int target, bool time_ms) {
  if (!(hi > lo) || target < 1) return {lo};
  const double step = NiceStep(lo, hi, target, time_ms);
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string TickLabel(double v, double step, double span, bool time_ms) {
  char buf[64];
  if (time_ms) {
    time_t secs = static_cast<time_t>(std::floor(v / 1000));
    struct tm tm;
    gmtime_r(&secs, &tm);
    const char* format = step < 60'000 ? "%H:%M:%S" : span > 86'400'000 ? "%m-%d %H:%M" : "%H:%M";
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
  }
  static constexpr struct {
    double scale;
    const char* suffix;
  } kUnits[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  double scale = 1;
  const char* suffix = "";
  for (const auto& unit : kUnits) {
    // A unit once steps are whole thousands: "1.5M" for 1500000 in steps of 500000.
    if (step >= 1000 && step >= unit.scale / 10) {
      scale = unit.scale;
      suffix = unit.suffix;
      break;
    }
  }
  if (step < 1e-4) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.*f%s", DecimalsFor(step / scale), v / scale, suffix);
  return buf;
}

Result<std::string> RenderPlot(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  if (options.width < kMinWidth || options.height < kMinHeight) {
    return Status::InvalidArgument("a plot needs at least " + std::to_string(kMinWidth) + " columns and " +
                                   std::to_string(kMinHeight) + " rows");
  }
  Range xs, ys;
  for (const PlotSeries& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) xs.Add(s.x[i]), ys.Add(s.y[i]);
    }
  }
  if (xs.empty()) return Status::InvalidArgument("nothing to plot: no finite values");

  // The value axis runs from tick to tick, so the top and bottom rows are labelled.
  const int target_y_ticks = std::max(2, options.height / 4);
  if (ys.lo == ys.hi) {
    double pad = ys.lo == 0 ? 1 : std::abs(ys.lo) * 0.1;
    ys.lo -= pad, ys.hi += pad;
  }
  const double y_step = NiceStep(ys.lo, ys.hi, target_y_ticks, false);
  ys.lo = std::floor(ys.lo / y_step + 1e-9) * y_step;
  ys.hi = std::ceil(ys.hi / y_step - 1e-9) * y_step;
  std::vector<double> y_ticks =
      NiceTicks(ys.lo, ys.hi, static_cast<int>(std::lround((ys.hi - ys.lo) / y_step)), false);
  std::vector<std::string> y_labels(options.height);
  size_t margin = 0;
  for (double t : y_ticks) {
    int row = (options.height * 4 - 1 - DotOf(t, ys.lo, ys.hi, options.height * 4)) / 4;
    if (row < 0 || row >= options.height || !y_labels[row].empty()) continue;
    y_labels[row] = TickLabel(t, y_step, ys.hi - ys.lo, false);
    margin = std::max(margin, Columns(y_labels[row]));
  }
  const int canvas_width = options.width - static_cast<int>(margin) - 2;
  if (canvas_width < 8) return Status::InvalidArgument("a plot this narrow has no room for its values");

  Canvas canvas(canvas_width, options.height);
  for (size_t n = 0; n < series.size(); ++n) {
    const PlotSeries& s = series[n];
    bool have_previous = false;
    int px = 0, py = 0;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        have_previous = false;
        continue;
      }
      int x = DotOf(s.x[i], xs.lo, xs.hi, canvas.dot_width());
      int y = canvas.dot_height() - 1 - DotOf(s.y[i], ys.lo, ys.hi, canvas.dot_height());
      if (have_previous) {
        canvas.Line(px, py, x, y, static_cast<int>(n));
      } else {
        canvas.Set(x, y, static_cast<int>(n));
      }
      px = x, py = y, have_previous = true;
    }
  }

  std::string out;
  for (int row = 0; row < options.height; ++row) {
    const std::string& label = y_labels[row];
    out += std::string(margin - Columns(label), ' ') + label;
    out += label.empty() ? " │" : " ┤";
    std::string line = canvas.Row(row, options.color);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }

  // The other axis: a tick mark under each round x, its label below it.
  std::vector<double> x_ticks = NiceTicks(xs.lo, xs.hi, std::max(2, canvas_width / 16), options.x_is_time);
  double x_step = x_ticks.size() >= 2 ? x_ticks[1] - x_ticks[0] : std::max(1.0, xs.hi - xs.lo);
  std::string axis(canvas_width, '\0');
  std::string labels;
  size_t labels_columns = 0;
  for (double t : x_ticks) {
    int col = DotOf(t, xs.lo, xs.hi, canvas.dot_width()) / 2;
    if (col < 0 || col >= canvas_width) continue;
    axis[col] = 1;
    std::string label = TickLabel(t, x_step, xs.hi - xs.lo, options.x_is_time);
    size_t at = static_cast<size_t>(col);
    bool fits = at + Columns(label) <= static_cast<size_t>(canvas_width) + 1;
    if ((labels_columns == 0 || at > labels_columns) && fits) {
      labels += std::string(at - labels_columns, ' ') + label;
      labels_columns = at + Columns(label);
    }
  }
  out += std::string(margin + 1, ' ') + "└";
  for (char mark : axis) out += mark ? "┬" : "─";
  out += "\n";
  if (!labels.empty()) out += std::string(margin + 2, ' ') + labels + "\n";

  // The legend, wrapped at the width.
  std::string legend_line;
  size_t legend_columns = 0;
  for (size_t n = 0; n < series.size(); ++n) {
    std::string entry =
        Colored(Braille(kFullCell), static_cast<int>(n), options.color) + " " + series[n].name;
    size_t columns = 2 + Columns(series[n].name);
    if (legend_columns > 0 && legend_columns + 2 + columns > static_cast<size_t>(options.width)) {
      out += legend_line + "\n";
      legend_line.clear();
      legend_columns = 0;
    }
    if (legend_columns > 0) legend_line += "  ", legend_columns += 2;
    legend_line += entry;
    legend_columns += columns;
  }
  if (!legend_line.empty()) out += legend_line + "\n";
  return out;
}

}  // namespace overtone::shell
