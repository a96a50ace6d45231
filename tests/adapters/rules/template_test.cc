// The template subset: each function's formatting (checked against
// Prometheus's template tests and promtool's output), variables, fields,
// pipes, if/else, trim markers, and the errors at parse and run time.

#include "adapters/rules/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace overtone::rules {
namespace {

std::string Expand(const std::string& text, double value = 0, const Labels& labels = {},
                   const Labels& external = {}, const std::string& url = "") {
  auto t = Template::Parse(text, "__alert_T");
  if (!t.ok()) return "PARSE ERROR: " + t.status().message();
  auto r =
      (*t)->Execute({.labels = &labels, .external_labels = &external, .external_url = url, .value = value});
  if (!r.ok()) return "EXEC ERROR: " + r.status().message();
  return *r;
}

std::string ParseError(const std::string& text) {
  auto t = Template::Parse(text, "__alert_T");
  return t.ok() ? "" : t.status().message();
}

TEST(TemplateFunctions, Humanize) {
  EXPECT_EQ(Humanize(0), "0");
  EXPECT_EQ(Humanize(1234567), "1.235M");
  EXPECT_EQ(Humanize(12345), "12.35k");
  EXPECT_EQ(Humanize(123), "123");
  EXPECT_EQ(Humanize(0.000123), "123u");
  EXPECT_EQ(Humanize(0.5), "500m");
  EXPECT_EQ(Humanize(1e21), "1Z");
  EXPECT_EQ(Humanize(-1234.5678), "-1.235k");
  EXPECT_EQ(Humanize(std::nan("")), "NaN");
  EXPECT_EQ(Humanize(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(TemplateFunctions, Humanize1024) {
  EXPECT_EQ(Humanize1024(1024), "1ki");
  EXPECT_EQ(Humanize1024(2048), "2ki");
  EXPECT_EQ(Humanize1024(1073741824), "1Gi");
  EXPECT_EQ(Humanize1024(1234567), "1.177Mi");
  EXPECT_EQ(Humanize1024(0.5), "0.5");
  EXPECT_EQ(Humanize1024(1), "1");
  EXPECT_EQ(Humanize1024(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(TemplateFunctions, HumanizeDuration) {
  EXPECT_EQ(HumanizeDuration(0), "0s");
  EXPECT_EQ(HumanizeDuration(1.5), "1.5s");
  EXPECT_EQ(HumanizeDuration(59.99), "59.99s");
  EXPECT_EQ(HumanizeDuration(60), "1m 0s");
  EXPECT_EQ(HumanizeDuration(3725), "1h 2m 5s");
  EXPECT_EQ(HumanizeDuration(86400.5), "1d 0h 0m 0s");
  EXPECT_EQ(HumanizeDuration(-1234.5), "-20m 34s");
  EXPECT_EQ(HumanizeDuration(0.5), "500ms");
  EXPECT_EQ(HumanizeDuration(1e-7), "100ns");
  EXPECT_EQ(HumanizeDuration(std::nan("")), "NaN");
}

TEST(TemplateFunctions, HumanizePercentage) {
  EXPECT_EQ(HumanizePercentage(0.1234), "12.34%");
  EXPECT_EQ(HumanizePercentage(0), "0%");
  EXPECT_EQ(HumanizePercentage(2048), "2.048e+05%");
}

TEST(TemplateFunctions, GoFloatIsGoPercentV) {
  EXPECT_EQ(GoFloat(0), "0");
  EXPECT_EQ(GoFloat(2048), "2048");
  EXPECT_EQ(GoFloat(123456), "123456");
  EXPECT_EQ(GoFloat(1e6), "1e+06");
  EXPECT_EQ(GoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(GoFloat(0.0001), "0.0001");
  EXPECT_EQ(GoFloat(0.00001), "1e-05");
  EXPECT_EQ(GoFloat(-0.25), "-0.25");
  EXPECT_EQ(GoFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(GoFloat(std::nan("")), "NaN");
  EXPECT_EQ(GoFloat(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(Template, VariablesAndFields) {
  Labels labels = {{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}};
  Labels external = {{"region", "eu"}};
  EXPECT_EQ(Expand("{{ $labels.instance }} of {{ .Labels.job }}", 0, labels), "a:9100 of node");
  EXPECT_EQ(Expand("[{{ $labels.missing }}]", 0, labels), "[]");
  EXPECT_EQ(Expand("{{ $value }} {{ .Value }}", 1234567), "1.234567e+06 1.234567e+06");
  EXPECT_EQ(Expand("{{ $externalLabels.region }} {{ .ExternalLabels.region }}", 0, {}, external), "eu eu");
  EXPECT_EQ(Expand("{{ $externalURL }}|{{ .ExternalURL }}", 0, {}, {}, "http://x"), "http://x|http://x");
  EXPECT_EQ(Expand("{{ $labels }}", 0, labels), "map[__name__:up instance:a:9100 job:node]");
  EXPECT_EQ(Expand("{{ $x := humanize $value }}<{{ $x }}>", 2048), "<2.048k>");
}

TEST(Template, PipesAndCalls) {
  EXPECT_EQ(Expand("{{ $value | humanize }}", 1234567), "1.235M");
  EXPECT_EQ(Expand("{{ $value | printf \"%.1f\" }}", 2.25), "2.2");
  EXPECT_EQ(Expand("{{ printf \"%s=%d %5.2f|%-4s|%q %v %%\" \"a\" 42 3.14159 \"b\" \"c\" true }}"),
            "a=42  3.14|b   |\"c\" true %");
  EXPECT_EQ(Expand("{{ printf \"%d %s\" 1.5 }}"), "%!d(float64=1.5) %!s(MISSING)");
  EXPECT_EQ(Expand("{{ humanize (printf \"%f\" $value) }}", 2048), "2.048k");
  EXPECT_EQ(Expand("{{ humanizePercentage \"0.5\" }}"), "50%");
  EXPECT_EQ(Expand("{{ print 1 2 \"a\" \"b\" 3.5 true }}"), "1 2ab3.5 true");
  EXPECT_EQ(Expand("{{ toUpper \"ab\" }} {{ toLower \"CD\" }} {{ title \"hello world\" }} {{ len \"abc\" }}"),
            "AB cd Hello World 3");
}

TEST(Template, Conditionals) {
  const std::string t = "{{ if gt $value 100.0 }}high{{ else if gt $value 10.0 }}mid{{ else }}low{{ end }}";
  EXPECT_EQ(Expand(t, 150), "high");
  EXPECT_EQ(Expand(t, 50), "mid");
  EXPECT_EQ(Expand(t, 5), "low");
  Labels labels = {{"env", "prod"}};
  EXPECT_EQ(Expand("{{ if eq $labels.env \"dev\" \"prod\" }}watched{{ end }}", 0, labels), "watched");
  EXPECT_EQ(Expand("{{ if ne $labels.env \"prod\" }}x{{ else }}y{{ end }}", 0, labels), "y");
  EXPECT_EQ(Expand("{{ if and $labels.env (lt 1 2) }}both{{ end }}{{ if or 0 \"\" }}no{{ end }}", 0, labels),
            "both");
  EXPECT_EQ(Expand("{{ if not false }}t{{ end }}{{ if $labels.none }}x{{ end }}"), "t");
}

TEST(Template, TrimMarkersAndComments) {
  EXPECT_EQ(Expand("a  {{- 1 -}}  b {{/* a comment */}}c"), "a1b c");
  EXPECT_EQ(Expand("x\n  {{- \"y\" }}\n"), "xy\n");
}

TEST(Template, ParseErrorsNameTheProblem) {
  EXPECT_EQ(ParseError("{{ $label.foo }}"), "template: __alert_T:1: undefined variable \"$label\"");
  EXPECT_EQ(ParseError("{{ foo 1 }}"), "template: __alert_T:1: function \"foo\" not defined");
  EXPECT_NE(ParseError("{{ range $labels }}{{ end }}").find("unsupported template construct \"range\""),
            std::string::npos);
  EXPECT_NE(ParseError("{{ with $labels }}{{ end }}").find("unsupported template construct \"with\""),
            std::string::npos);
  EXPECT_NE(ParseError("{{ query \"up\" }}").find("unsupported template function \"query\""),
            std::string::npos);
  EXPECT_NE(ParseError("{{ $value").find("unclosed action"), std::string::npos);
  EXPECT_NE(ParseError("{{ end }}").find("unexpected {{end}}"), std::string::npos);
  EXPECT_NE(ParseError("{{ if 1 }}x").find("unexpected EOF"), std::string::npos);
  EXPECT_NE(ParseError("a\nb {{ $nope }}").find("__alert_T:2:"), std::string::npos);
  // A variable declared inside a branch ends with it.
  EXPECT_NE(ParseError("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}").find("undefined variable \"$x\""),
            std::string::npos);
  EXPECT_EQ(ParseError("plain text, no actions"), "");
}

TEST(Template, RunErrorsAreGoLike) {
  EXPECT_EQ(
      Expand("{{ humanize \"abc\" }}"),
      "EXEC ERROR: template: __alert_T:1:115: executing \"__alert_T\" at <humanize \"abc\">: error calling "
      "humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax");
  EXPECT_NE(Expand("{{ if gt $value 1 }}y{{ end }}", 5).find("incompatible types for comparison"),
            std::string::npos);
  EXPECT_NE(Expand("{{ humanize }}").find("wrong number of args for humanize: want 1 got 0"),
            std::string::npos);
  EXPECT_NE(Expand("{{ $value.foo }}").find("can't evaluate field foo in type float64"), std::string::npos);
}

}  // namespace
}  // namespace overtone::rules
