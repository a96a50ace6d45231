// Formatting as Go formats: fmt's %v and printf verbs over template
// values, and Prometheus's humanize functions (template/template.go),
// which are written in terms of fmt's "%.4g".

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "adapters/rules/template.h"
#include "adapters/rules/template_internal.h"
#include "base/text.h"

namespace overtone::rules {
namespace {

// Go prints NaN and infinities the same way whatever the verb.
bool NonFinite(double v, std::string* out) {
  if (std::isnan(v)) {
    *out = "NaN";
  } else if (std::isinf(v)) {
    *out = v > 0 ? "+Inf" : "-Inf";
  } else {
    return false;
  }
  return true;
}

// C's printf for one double (%.4g and the like), Go's non-finite spelling.
std::string CFormat(const char* spec, double v) {
  std::string s;
  if (NonFinite(v, &s)) return s;
  char buf[512];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string G4(double v) { return CFormat("%.4g", v); }

}  // namespace

std::string GoFloat(double v) {
  std::string s;
  if (NonFinite(v, &s)) return s;
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[64];
  // The shortest digits that read back exactly, in scientific form: d.ddde±XX.
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  int exp = std::stoi(sci.substr(sci.find('e') + 1));
  // strconv's 'g' with the shortest precision switches to an exponent below
  // -4 and from 6 up.
  if (exp < -4 || exp >= 6) return sci;
  r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return G4(v);
  static constexpr const char* kBig[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return G4(v) + prefix;
  }
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return G4(v);
  static constexpr const char* kPrefixes[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return G4(v) + prefix;
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return G4(v);
  if (v == 0) return G4(v) + "s";
  char buf[128];
  if (std::fabs(v) >= 1) {
    const char* sign = "";
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v) on amd64 turns a value past int64's range into the
    // smallest int64 (the "indefinite" result of CVTTSD2SI), and promtool
    // prints what follows from that; in C++ the cast would be undefined.
    const int64_t duration =
        v < 9223372036854775808.0 ? static_cast<int64_t>(v) : std::numeric_limits<int64_t>::min();
    int64_t seconds = duration % 60, minutes = (duration / 60) % 60, hours = (duration / 3600) % 24,
            days = duration / 86400;
    using ll = long long;
    if (days != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldd %lldh %lldm %llds", sign, ll(days), ll(hours), ll(minutes),
                    ll(seconds));
    } else if (hours != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldh %lldm %llds", sign, ll(hours), ll(minutes), ll(seconds));
    } else if (minutes != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldm %llds", sign, ll(minutes), ll(seconds));
    } else {
      return sign + G4(v) + "s";
    }
    return buf;
  }
  static constexpr const char* kSmall[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix + "s";
}

std::string HumanizePercentage(double ratio) { return G4(ratio * 100) + "%"; }

namespace template_internal {

const char* TypeName(const Value& v) {
  switch (v.kind) {
    case Value::kString: return "string";
    case Value::kFloat: return "float64";
    case Value::kInt: return "int";
    case Value::kBool: return "bool";
    case Value::kMap: return "map[string]string";
    case Value::kData: return "*template.tmplData";
    default: return "<nil>";
  }
}

std::string PrintValue(const Value& v) {
  switch (v.kind) {
    case Value::kString: return v.s;
    case Value::kFloat: return GoFloat(v.f);
    case Value::kInt: return std::to_string(v.i);
    case Value::kBool: return v.b ? "true" : "false";
    case Value::kMap: {
      std::string s = "map[";
      if (v.map) {
        for (size_t i = 0; i < v.map->size(); ++i) {
          if (i > 0) s += ' ';
          s += (*v.map)[i].name + ":" + (*v.map)[i].value;
        }
      }
      return s + "]";
    }
    case Value::kData: return "{...}";
    default: return "<no value>";
  }
}

bool IsTrue(const Value& v) {
  switch (v.kind) {
    case Value::kString: return !v.s.empty();
    case Value::kFloat: return v.f != 0;
    case Value::kInt: return v.i != 0;
    case Value::kBool: return v.b;
    case Value::kMap: return v.map && !v.map->empty();
    case Value::kData: return true;
    default: return false;
  }
}

namespace {

// One verb: %[flags][width][.precision]verb.
struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char verb = 'v';
};

std::string Pad(std::string s, const Spec& spec, bool numeric) {
  if (spec.width < 0 || static_cast<int>(s.size()) >= spec.width) return s;
  size_t fill = static_cast<size_t>(spec.width) - s.size();
  if (spec.flags.find('-') != std::string::npos) return s + std::string(fill, ' ');
  if (numeric && spec.flags.find('0') != std::string::npos) {
    size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    return s.insert(sign, std::string(fill, '0'));
  }
  return std::string(fill, ' ') + s;
}

std::string BadVerb(const Spec& spec, const Value& v) {
  return std::string("%!") + spec.verb + "(" + TypeName(v) + "=" + PrintValue(v) + ")";
}

std::string FormatFloat(const Spec& spec, double f) {
  std::string s;
  if (NonFinite(f, &s)) return s;
  char verb = spec.verb == 'v' ? 'g' : spec.verb == 'F' ? 'f' : spec.verb;
  if ((verb == 'g' || verb == 'G') && spec.precision < 0) {
    s = GoFloat(f);
    if (verb == 'G') {
      for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (spec.flags.find('+') != std::string::npos && f >= 0) s = "+" + s;
    return s;
  }
  std::string c_spec = "%";
  for (char fl : spec.flags) {
    if (fl == '+' || fl == ' ' || fl == '#') c_spec += fl;
  }
  if (spec.precision >= 0) c_spec += "." + std::to_string(spec.precision);
  c_spec += verb;
  return CFormat(c_spec.c_str(), f);
}

std::string FormatOne(const Spec& spec, const Value& v) {
  switch (spec.verb) {
    case 'v':
      if (v.kind == Value::kFloat) return FormatFloat(spec, v.f);
      return PrintValue(v);
    case 's':
      if (v.kind != Value::kString) return BadVerb(spec, v);
      return spec.precision >= 0 ? v.s.substr(0, static_cast<size_t>(spec.precision)) : v.s;
    case 'q':
      if (v.kind != Value::kString) return BadVerb(spec, v);
      return QuoteGo(v.s);
    case 't':
      if (v.kind != Value::kBool) return BadVerb(spec, v);
      return v.b ? "true" : "false";
    case 'd':
      if (v.kind != Value::kInt) return BadVerb(spec, v);
      return (spec.flags.find('+') != std::string::npos && v.i >= 0 ? "+" : "") + std::to_string(v.i);
    case 'x':
    case 'X': {
      char buf[64];
      if (v.kind == Value::kInt) {
        std::snprintf(buf, sizeof buf, spec.verb == 'x' ? "%llx" : "%llX", static_cast<long long>(v.i));
        return buf;
      }
      if (v.kind == Value::kString) {
        std::string out;
        for (unsigned char c : v.s) {
          std::snprintf(buf, sizeof buf, spec.verb == 'x' ? "%02x" : "%02X", c);
          out += buf;
        }
        return out;
      }
      return BadVerb(spec, v);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      if (v.kind != Value::kFloat) return BadVerb(spec, v);
      return FormatFloat(spec, v.f);
    default: return BadVerb(spec, v);
  }
}

}  // namespace

std::string GoSprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    Spec spec;
    size_t j = i + 1;
    while (j < format.size() && std::string_view("+-# 0").find(format[j]) != std::string_view::npos) {
      spec.flags += format[j++];
    }
    auto number = [&](int* n) {
      if (j < format.size() && format[j] == '*') {  // the width from the arguments
        ++j;
        *n = next < args.size() && args[next].kind == Value::kInt ? static_cast<int>(args[next].i) : -1;
        ++next;
        return;
      }
      if (j >= format.size() || !std::isdigit(static_cast<unsigned char>(format[j]))) return;
      *n = 0;
      while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j])))
        *n = *n * 10 + (format[j++] - '0');
    };
    number(&spec.width);
    if (j < format.size() && format[j] == '.') {
      ++j;
      spec.precision = 0;
      number(&spec.precision);
    }
    if (j >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[j];
    i = j;
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += std::string("%!") + spec.verb + "(MISSING)";
      continue;
    }
    const Value& v = args[next++];
    bool numeric = v.kind == Value::kFloat || v.kind == Value::kInt;
    out += Pad(FormatOne(spec, v), spec, numeric);
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = next; k < args.size(); ++k) {
      if (k > next) out += ", ";
      out += std::string(TypeName(args[k])) + "=" + PrintValue(args[k]);
    }
    out += ")";
  }
  return out;
}

}  // namespace template_internal
}  // namespace overtone::rules
