// adapters/formats/metrics_text.h: the /metrics text format.

#include "adapters/formats/metrics_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace overtone::adapters {
namespace {

TEST(MetricsTextTest, HeadersLinesAndEscapedLabels) {
  MetricsText w;
  w.Metric("up", "gauge", "1 while up.", 1);
  w.Header("runs_total", "counter", "Runs.");
  w.Line("runs_total", LabelPair("monitor", "a\"b\\c\nd"), 3);
  w.Line("runs_total", LabelPair("monitor", "x") + "," + LabelPair("kind", "y"), 0.25);
  w.Line("big", "", 1e300);
  w.Line("nan", "", std::numeric_limits<double>::quiet_NaN());
  w.Line("inf", "", -std::numeric_limits<double>::infinity());
  EXPECT_EQ(w.Take(),
            "# HELP up 1 while up.\n# TYPE up gauge\nup 1\n"
            "# HELP runs_total Runs.\n# TYPE runs_total counter\n"
            "runs_total{monitor=\"a\\\"b\\\\c\\nd\"} 3\n"
            "runs_total{monitor=\"x\",kind=\"y\"} 0.25\n"
            "big 1.0000000000000001e+300\n"
            "nan NaN\n"
            "inf -Inf\n");
}

}  // namespace
}  // namespace overtone::adapters
