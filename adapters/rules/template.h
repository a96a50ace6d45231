// The Go text/template subset that Prometheus rule files use in alert
// labels and annotations, parsed once when the file loads and run for every
// alert.
//
//   auto t = Template::Parse("{{ $labels.instance }} at {{ $value | humanize }}", "__alert_Down");
//   Result<std::string> s = (*t)->Execute({.labels = &alert_labels, .value = 0.25});
//
// Supported (docs/RULES.md lists it):
//   text, {{ pipeline }}, trim markers {{- -}}, comments {{/* */}};
//   $labels.x  $value  $externalLabels.x  $externalURL  $  .Labels.x  .Value
//   .ExternalLabels.x  .ExternalURL; variables {{ $x := pipeline }};
//   literals: "string", `raw`, 12, 1.5, true, false; pipes a | f b;
//   if / else if / else / end;
//   functions humanize, humanize1024, humanizePercentage, humanizeDuration,
//   printf, print, eq, ne, lt, le, gt, ge, and, or, not, len, toUpper,
//   toLower, title.
// Anything else (range, with, define, template, query, ...) is a parse error
// that names the construct, so a rule file that needs it fails when it
// loads, not when the alert fires.
//
// Values print as Go prints them ({{ $value }} of 1234567 is 1.234567e+06),
// and the humanize functions format as Prometheus's template package does.

#ifndef OVERTONE_ADAPTERS_RULES_TEMPLATE_H_
#define OVERTONE_ADAPTERS_RULES_TEMPLATE_H_

#include <memory>
#include <string>
#include <string_view>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::rules {

// What a rule's template sees: Prometheus's AlertTemplateData.
struct TemplateData {
  const Labels* labels = nullptr;  // the alert's series, __name__ included if any
  const Labels* external_labels = nullptr;
  std::string external_url;
  double value = 0;
};

namespace template_internal {
struct Node;
}

class Template {
 public:
  // `name` appears in messages as Go names the template ("__alert_X").
  // InvalidArgument for a syntax error, an undefined variable or function,
  // or a construct outside the subset.
  static Result<std::shared_ptr<const Template>> Parse(std::string_view text, std::string_view name);

  // Aborted when a function fails (e.g. humanize of a non-number), with
  // Go's wording: "template: NAME:1:5: executing \"NAME\" at <humanize $x>: ...".
  Result<std::string> Execute(const TemplateData& data) const;

  ~Template();

 private:
  Template() = default;
  std::string name_;
  std::unique_ptr<template_internal::Node> root_;
};

// Prometheus's template functions, for tests and for the evaluator's
// messages. Each formats as Go's fmt does ("%.4g" with NaN, +Inf, -Inf).
std::string Humanize(double v);
std::string Humanize1024(double v);
std::string HumanizeDuration(double seconds);
std::string HumanizePercentage(double ratio);
// Go's %v of a float64: the shortest decimal that reads back exactly, with
// an exponent below 1e-4 and from 1e6 up (1e6 prints "1e+06").
std::string GoFloat(double v);

}  // namespace overtone::rules

#endif  // OVERTONE_ADAPTERS_RULES_TEMPLATE_H_
