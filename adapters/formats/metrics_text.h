// The Prometheus text exposition format (0.0.4) of a process's own
// figures, as /metrics serves them: `# HELP` and `# TYPE` lines, then one
// line per series. Used by the server and by what runs beside it (the
// monitors, the Alertmanager senders), so that all of /metrics is written
// one way.
//
//   MetricsText w;
//   w.Header("overtone_monitor_runs_total", "counter", "Monitor runs.");
//   w.Line("overtone_monitor_runs_total", LabelPair("monitor", name), 3);
//   std::string text = w.Take();

#ifndef OVERTONE_ADAPTERS_FORMATS_METRICS_TEXT_H_
#define OVERTONE_ADAPTERS_FORMATS_METRICS_TEXT_H_

#include <string>
#include <string_view>

namespace overtone::adapters {

class MetricsText {
 public:
  void Header(std::string_view name, std::string_view type, std::string_view help);
  // `labels` is the text between the braces (LabelPair, joined by commas),
  // or empty. Whole numbers are written without a fraction.
  void Line(std::string_view name, std::string_view labels, double v);
  // A metric with one series and no labels.
  void Metric(std::string_view name, std::string_view type, std::string_view help, double v);
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// `name="value"`, the value escaped as the format requires (\\, \", \n).
std::string LabelPair(std::string_view name, std::string_view value);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_FORMATS_METRICS_TEXT_H_
