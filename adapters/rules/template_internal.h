// The inside of template.h: the parse tree that template_parse.cc builds
// and template.cc runs, the values it computes with, and the formatting
// functions (template_format.cc). Not for use outside adapters/rules/.

#ifndef OVERTONE_ADAPTERS_RULES_TEMPLATE_INTERNAL_H_
#define OVERTONE_ADAPTERS_RULES_TEMPLATE_INTERNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/status.h"
#include "overtone/types.h"

namespace overtone::rules::template_internal {

// A value as Go's reflection would see it: the kinds rule templates meet.
struct Value {
  enum Kind { kNil, kString, kFloat, kInt, kBool, kMap, kData } kind = kNil;
  std::string s;
  double f = 0;
  int64_t i = 0;
  bool b = false;
  const Labels* map = nullptr;  // kMap (null: an empty map)

  static Value String(std::string s) { return {.kind = kString, .s = std::move(s)}; }
  static Value Float(double f) { return {.kind = kFloat, .f = f}; }
  static Value Int(int64_t i) { return {.kind = kInt, .i = i}; }
  static Value Bool(bool b) { return {.kind = kBool, .b = b}; }
  static Value Map(const Labels* m) { return {.kind = kMap, .map = m}; }
};

// Go's name of a value's type ("float64", "string", "map[string]string").
const char* TypeName(const Value& v);
// Go's fmt %v of a value.
std::string PrintValue(const Value& v);
// Go's truth: false, 0, "", an empty map and nil are false.
bool IsTrue(const Value& v);
// Go's fmt.Sprintf over template values, for the verbs templates use:
// %v %s %q %d %f %F %e %E %g %G %x %X %t %% with flags, width, precision.
std::string GoSprintf(std::string_view format, const std::vector<Value>& args);

struct Pipe;

struct Operand {
  enum Kind { kVariable, kDot, kFunction, kLiteral, kPipe } kind = kLiteral;
  std::string name;                 // kVariable ("$labels", "$"), kFunction
  std::vector<std::string> fields;  // .a.b after the operand
  Value literal;                    // kLiteral
  std::unique_ptr<Pipe> pipe;       // kPipe: a parenthesized pipeline
};

struct Command {
  std::vector<Operand> args;
  std::string text;  // as written, for messages ("humanize $value")
  int line = 1;
  int column = 0;
};

struct Pipe {
  std::string declare;  // "$x" in {{ $x := ... }}
  std::vector<Command> commands;
};

struct Node {
  enum Kind { kList, kText, kAction, kIf } kind = kList;
  std::string text;                            // kText
  std::unique_ptr<Pipe> pipe;                  // kAction, kIf
  std::vector<std::unique_ptr<Node>> nodes;    // kList
  std::unique_ptr<Node> then_list, else_list;  // kIf (else_list may be null)
};

// The variables every rule template starts with, defined as Prometheus
// defines them by prefixing "{{$labels := .Labels}}..." to the text.
inline constexpr std::string_view kPredefinedVariables[] = {"$", "$labels", "$externalLabels", "$externalURL",
                                                            "$value"};
// The length of that prefix, by which Go's column numbers on line 1 are off.
inline constexpr int kPrefixColumns = 112;

// Parses `text`; errors read as Go's: "template: NAME:LINE: MESSAGE".
Result<std::unique_ptr<Node>> ParseTemplate(std::string_view text, std::string_view name);

// The functions the subset has, and those Go or Prometheus have that it
// leaves out (named in the error rather than "not defined").
bool IsSupportedFunction(std::string_view name);
bool IsKnownUnsupportedFunction(std::string_view name);

// Calls function `name`. Errors are the message after "error calling NAME: ".
Result<Value> CallFunction(std::string_view name, const std::vector<Value>& args);

}  // namespace overtone::rules::template_internal

#endif  // OVERTONE_ADAPTERS_RULES_TEMPLATE_INTERNAL_H_
