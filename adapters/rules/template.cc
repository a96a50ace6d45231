// Running a parsed template (template_internal.h) over an alert's data,
// and the functions of the subset.

#include "adapters/rules/template.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "adapters/rules/template_internal.h"

namespace overtone::rules {
namespace ti = template_internal;

namespace template_internal {
namespace {

// Go's strconv.ParseFloat as Prometheus's convertToFloat uses it.
Result<double> ToFloat(const Value& v) {
  switch (v.kind) {
    case Value::kFloat: return v.f;
    case Value::kInt: return static_cast<double>(v.i);
    case Value::kString: {
      char* end = nullptr;
      double d = std::strtod(v.s.c_str(), &end);
      if (v.s.empty() || end == nullptr || *end != '\0') {
        return Status::Aborted("strconv.ParseFloat: parsing \"" + v.s + "\": invalid syntax");
      }
      return d;
    }
    default: return Status::Aborted(std::string("can't convert ") + TypeName(v) + " to float");
  }
}

enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

// Go's basic-kind comparison (text/template's eq, lt, ...).
Result<bool> Compare(const Value& a, const Value& b, Cmp op) {
  if (a.kind == Value::kMap || a.kind == Value::kData || b.kind == Value::kMap || b.kind == Value::kData) {
    return Status::Aborted("invalid type for comparison");
  }
  if (a.kind != b.kind) {
    if (op == Cmp::kEq || op == Cmp::kNe) {
      if (a.kind == Value::kNil || b.kind == Value::kNil) return op == Cmp::kNe;
    }
    return Status::Aborted("incompatible types for comparison");
  }
  int c = 0;
  switch (a.kind) {
    case Value::kString: c = a.s < b.s ? -1 : a.s > b.s ? 1 : 0; break;
    case Value::kInt: c = a.i < b.i ? -1 : a.i > b.i ? 1 : 0; break;
    case Value::kFloat:
      if (op == Cmp::kEq) return a.f == b.f;
      if (op == Cmp::kNe) return a.f != b.f;
      if (op == Cmp::kLt) return a.f < b.f;
      if (op == Cmp::kLe) return a.f <= b.f;
      if (op == Cmp::kGt) return a.f > b.f;
      return a.f >= b.f;
    case Value::kBool:
      if (op != Cmp::kEq && op != Cmp::kNe) return Status::Aborted("invalid type for comparison");
      c = a.b == b.b ? 0 : 1;
      break;
    default: c = 0;
  }
  switch (op) {
    case Cmp::kEq: return c == 0;
    case Cmp::kNe: return c != 0;
    case Cmp::kLt: return c < 0;
    case Cmp::kLe: return c <= 0;
    case Cmp::kGt: return c > 0;
    default: return c >= 0;
  }
}

Status WantArgs(std::string_view name, const std::vector<Value>& args, size_t n) {
  if (args.size() == n) return Status::OK();
  return Status::Aborted("wrong number of args for " + std::string(name) + ": want " + std::to_string(n) +
                         " got " + std::to_string(args.size()));
}

// strings.Title: the first letter of each word in upper case.
std::string Title(std::string s) {
  bool start = true;
  for (char& c : s) {
    bool letter = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '\'';
    if (letter && start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    start = !letter;
  }
  return s;
}

}  // namespace

bool IsSupportedFunction(std::string_view n) {
  static constexpr std::string_view kNames[] = {"humanize",
                                                "humanize1024",
                                                "humanizePercentage",
                                                "humanizeDuration",
                                                "printf",
                                                "print",
                                                "eq",
                                                "ne",
                                                "lt",
                                                "le",
                                                "gt",
                                                "ge",
                                                "and",
                                                "or",
                                                "not",
                                                "len",
                                                "toUpper",
                                                "toLower",
                                                "title"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

bool IsKnownUnsupportedFunction(std::string_view n) {
  static constexpr std::string_view kNames[] = {"query",
                                                "first",
                                                "label",
                                                "value",
                                                "strvalue",
                                                "args",
                                                "reReplaceAll",
                                                "safeHtml",
                                                "match",
                                                "graphLink",
                                                "tableLink",
                                                "sortByLabel",
                                                "humanizeTimestamp",
                                                "toTime",
                                                "pathPrefix",
                                                "externalURL",
                                                "parseDuration",
                                                "stripPort",
                                                "stripDomain",
                                                "toDuration",
                                                "now",
                                                "index",
                                                "slice",
                                                "call",
                                                "html",
                                                "js",
                                                "urlquery",
                                                "println"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

Result<Value> CallFunction(std::string_view name, const std::vector<Value>& args) {
  if (name == "humanize" || name == "humanize1024" || name == "humanizePercentage" ||
      name == "humanizeDuration") {
    if (Status s = WantArgs(name, args, 1); !s.ok()) return s;
    auto v = ToFloat(args[0]);
    if (!v.ok()) return v.status();
    if (name == "humanize") return Value::String(Humanize(*v));
    if (name == "humanize1024") return Value::String(Humanize1024(*v));
    if (name == "humanizePercentage") return Value::String(HumanizePercentage(*v));
    return Value::String(HumanizeDuration(*v));
  }
  if (name == "printf") {
    if (args.empty() || args[0].kind != Value::kString) {
      return Status::Aborted("wrong type for value; expected string; got " +
                             std::string(args.empty() ? "nothing" : TypeName(args[0])));
    }
    return Value::String(GoSprintf(args[0].s, std::vector<Value>(args.begin() + 1, args.end())));
  }
  if (name == "print") {
    std::string out;
    for (size_t i = 0; i < args.size(); ++i) {
      // fmt.Sprint: a space between operands when neither is a string.
      if (i > 0 && args[i].kind != Value::kString && args[i - 1].kind != Value::kString) out += ' ';
      out += PrintValue(args[i]);
    }
    return Value::String(out);
  }
  if (name == "eq" || name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
    if (name == "eq") {
      if (args.size() < 2) return Status::Aborted("missing argument for comparison");
      for (size_t i = 1; i < args.size(); ++i) {
        auto r = Compare(args[0], args[i], Cmp::kEq);
        if (!r.ok()) return r.status();
        if (*r) return Value::Bool(true);
      }
      return Value::Bool(false);
    }
    if (Status s = WantArgs(name, args, 2); !s.ok()) return s;
    Cmp op = name == "ne"   ? Cmp::kNe
             : name == "lt" ? Cmp::kLt
             : name == "le" ? Cmp::kLe
             : name == "gt" ? Cmp::kGt
                            : Cmp::kGe;
    auto r = Compare(args[0], args[1], op);
    if (!r.ok()) return r.status();
    return Value::Bool(*r);
  }
  if (name == "and" || name == "or") {
    if (args.empty())
      return Status::Aborted("wrong number of args for " + std::string(name) + ": want at least 1 got 0");
    for (const Value& a : args) {
      if (IsTrue(a) != (name == "and")) return a;
    }
    return args.back();
  }
  if (name == "not") {
    if (Status s = WantArgs(name, args, 1); !s.ok()) return s;
    return Value::Bool(!IsTrue(args[0]));
  }
  if (name == "len") {
    if (Status s = WantArgs(name, args, 1); !s.ok()) return s;
    if (args[0].kind == Value::kString) return Value::Int(static_cast<int64_t>(args[0].s.size()));
    if (args[0].kind == Value::kMap)
      return Value::Int(args[0].map ? static_cast<int64_t>(args[0].map->size()) : 0);
    return Status::Aborted(std::string("len of type ") + TypeName(args[0]));
  }
  if (name == "toUpper" || name == "toLower" || name == "title") {
    if (Status s = WantArgs(name, args, 1); !s.ok()) return s;
    if (args[0].kind != Value::kString) {
      return Status::Aborted(std::string("wrong type for value; expected string; got ") + TypeName(args[0]));
    }
    std::string s = args[0].s;
    if (name == "title") return Value::String(Title(std::move(s)));
    for (char& c : s) {
      c = static_cast<char>(name == "toUpper" ? std::toupper(static_cast<unsigned char>(c))
                                              : std::tolower(static_cast<unsigned char>(c)));
    }
    return Value::String(std::move(s));
  }
  return Status::Aborted("function \"" + std::string(name) + "\" not defined");
}

namespace {

// Runs a parsed template; variables live on a stack that branches unwind.
class Executor {
 public:
  Executor(const TemplateData& data, std::string_view name) : data_(data), name_(name) {
    Value dot{.kind = Value::kData};
    vars_ = {{"$", dot},
             {"$labels", Value::Map(data.labels)},
             {"$externalLabels", Value::Map(data.external_labels)},
             {"$externalURL", Value::String(data.external_url)},
             {"$value", Value::Float(data.value)}};
  }

  Status Run(const Node& n, std::string* out) {
    switch (n.kind) {
      case Node::kText: *out += n.text; return Status::OK();
      case Node::kList:
        for (const auto& c : n.nodes) {
          if (Status s = Run(*c, out); !s.ok()) return s;
        }
        return Status::OK();
      case Node::kAction: {
        auto v = EvalPipe(*n.pipe);
        if (!v.ok()) return v.status();
        if (n.pipe->declare.empty()) *out += Print(*v);
        return Status::OK();
      }
      case Node::kIf: {
        size_t depth = vars_.size();
        auto v = EvalPipe(*n.pipe);
        if (!v.ok()) return v.status();
        Status s = Status::OK();
        if (IsTrue(*v)) {
          s = Run(*n.then_list, out);
        } else if (n.else_list) {
          s = Run(*n.else_list, out);
        }
        vars_.resize(depth);
        return s;
      }
    }
    return Status::OK();
  }

 private:
  // Go's %v; the data itself prints as the struct it is in Prometheus.
  std::string Print(const Value& v) const {
    if (v.kind != Value::kData) return PrintValue(v);
    return "{" + PrintValue(Value::Map(data_.labels)) + " " + PrintValue(Value::Map(data_.external_labels)) +
           " " + data_.external_url + " " + PrintValue(Value::Float(data_.value)) + "}";
  }

  Result<Value> EvalPipe(const Pipe& p) {
    Value v;
    bool piped = false;
    for (const Command& c : p.commands) {
      auto r = EvalCommand(c, piped ? &v : nullptr);
      if (!r.ok()) return r.status();
      v = std::move(*r);
      piped = true;
    }
    if (!p.declare.empty()) vars_.emplace_back(p.declare, v);
    return v;
  }

  Status Fail(const Command& c, const std::string& message) const {
    return Status::Aborted("template: " + name_ + ":" + std::to_string(c.line) + ":" +
                           std::to_string(c.column) + ": executing \"" + name_ + "\" at <" + c.text +
                           ">: " + message);
  }

  Result<Value> EvalCommand(const Command& c, const Value* piped) {
    const Operand& head = c.args[0];
    if (head.kind == Operand::kFunction) {
      std::vector<Value> args;
      for (size_t i = 1; i < c.args.size(); ++i) {
        auto a = EvalOperand(c, c.args[i]);
        if (!a.ok()) return a.status();
        args.push_back(std::move(*a));
      }
      if (piped) args.push_back(*piped);
      auto r = CallFunction(head.name, args);
      if (!r.ok()) return Fail(c, "error calling " + head.name + ": " + std::string(r.status().message()));
      return r;
    }
    if (c.args.size() > 1 || piped) return Fail(c, "can't give argument to non-function " + c.text);
    return EvalOperand(c, head);
  }

  Result<Value> EvalOperand(const Command& c, const Operand& op) {
    Value v;
    switch (op.kind) {
      case Operand::kLiteral: v = op.literal; break;
      case Operand::kDot: v.kind = Value::kData; break;
      case Operand::kVariable:
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == op.name) {
            v = it->second;
            break;
          }
        }
        break;
      case Operand::kFunction: {  // a function as an argument: called with none
        auto r = CallFunction(op.name, {});
        if (!r.ok()) return Fail(c, "error calling " + op.name + ": " + std::string(r.status().message()));
        v = std::move(*r);
        break;
      }
      case Operand::kPipe: {
        auto r = EvalPipe(*op.pipe);
        if (!r.ok()) return r.status();
        v = std::move(*r);
        break;
      }
    }
    for (const std::string& f : op.fields) {
      if (v.kind == Value::kData) {
        if (f == "Labels") {
          v = Value::Map(data_.labels);
        } else if (f == "ExternalLabels") {
          v = Value::Map(data_.external_labels);
        } else if (f == "ExternalURL") {
          v = Value::String(data_.external_url);
        } else if (f == "Value") {
          v = Value::Float(data_.value);
        } else {
          return Fail(c, "can't evaluate field " + f + " in type struct");
        }
      } else if (v.kind == Value::kMap) {
        // missingkey=zero, as Prometheus sets it: an absent label is "".
        v = Value::String(v.map ? std::string(GetLabel(*v.map, f)) : "");
      } else if (v.kind == Value::kNil) {
        return Fail(c, "nil pointer evaluating interface {}." + f);
      } else {
        return Fail(c, "can't evaluate field " + f + " in type " + TypeName(v));
      }
    }
    return v;
  }

  const TemplateData& data_;
  std::string name_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace
}  // namespace template_internal

Template::~Template() = default;

Result<std::shared_ptr<const Template>> Template::Parse(std::string_view text, std::string_view name) {
  auto root = ti::ParseTemplate(text, name);
  if (!root.ok()) return root.status();
  std::shared_ptr<Template> t(new Template());
  t->name_ = std::string(name);
  t->root_ = std::move(*root);
  return std::shared_ptr<const Template>(std::move(t));
}

Result<std::string> Template::Execute(const TemplateData& data) const {
  std::string out;
  ti::Executor exec(data, name_);
  if (Status s = exec.Run(*root_, &out); !s.ok()) return s;
  return out;
}

}  // namespace overtone::rules
