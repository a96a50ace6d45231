#include "shell/command_line.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <utility>

#include "adapters/formats/value_text.h"

namespace overtone::shell {
namespace {

// CLI11's message, but for two that say it plainly instead:
//   "--time: 1 required TEXT missing"     -> "--time needs a value"
//   "Could not convert: --hosts = abc"    -> "--hosts: 'abc' is not a valid number"
// (every option that CLI11 converts here is a number).
std::string Describe(const CLI::ParseError& e) {
  std::string what = e.what();
  if (e.get_name() == "ArgumentMismatch" && what.ends_with(" missing")) {
    size_t colon = what.find(':');
    if (colon != std::string::npos) return what.substr(0, colon) + " needs a value";
  }
  constexpr std::string_view kNotConverted = "Could not convert: ";
  if (e.get_name() == "ConversionError" && what.starts_with(kNotConverted)) {
    size_t equals = what.find(" = ");
    if (equals != std::string::npos) {
      std::string name = what.substr(kNotConverted.size(), equals - kNotConverted.size());
      return name + ": '" + what.substr(equals + 3) + "' is not a valid number";
    }
  }
  return what;
}

}  // namespace

CommandLine::CommandLine(std::string program, std::string description, std::string footer)
    : program_(std::move(program)), app_(std::move(description) + "\n", program_) {
  app_.footer(std::move(footer));
  // Unknown arguments are collected rather than thrown, so that Parse()
  // reports them in overtone's words.
  app_.allow_extras();
}

std::optional<int> CommandLine::Parse(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app_.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", e.what());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // An unknown option first: it may be why something seems missing.
    if (std::optional<std::string> unknown = Unexpected()) return UsageError(*unknown);
    return UsageError(Describe(e));
  }
  if (std::optional<std::string> unexpected = Unexpected()) return UsageError(*unexpected);
  return std::nullopt;
}

std::optional<std::string> CommandLine::Unexpected() const {
  for (const std::string& extra : app_.remaining()) {
    if (extra == "--") continue;  // CLI11 leaves the separator there
    if (extra.size() > 1 && extra[0] == '-') return "unknown option '" + extra + "'";
    return "unexpected argument '" + extra + "'";
  }
  return std::nullopt;
}

int CommandLine::UsageError(std::string_view message) const {
  std::string usage = CLI::Formatter().make_usage(&app_, program_);
  std::fprintf(stderr, "%s: %.*s\n%sRun '%s --help' for the options.\n", program_.c_str(),
               static_cast<int>(message.size()), message.data(), usage.c_str(), program_.c_str());
  return kExitUsage;
}

int CommandLine::Fail(std::string_view message) const {
  std::fprintf(stderr, "%s: %.*s\n", program_.c_str(), static_cast<int>(message.size()), message.data());
  return kExitError;
}

std::optional<size_t> ParseSize(std::string_view text) {
  size_t i = 0;
  unsigned long long n = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    if (n > (1ull << 50)) return std::nullopt;
    n = n * 10 + static_cast<unsigned>(text[i] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < text.size(); ++i) {
    unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  }
  static constexpr std::pair<std::string_view, int> kUnitShifts[] = {
      {"", 0},    {"b", 0},    {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20},
      {"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}};
  for (const auto& [name, shift] : kUnitShifts) {
    if (unit == name) return static_cast<size_t>(n) << shift;
  }
  return std::nullopt;
}

CLI::Validator Size() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        std::optional<size_t> bytes = ParseSize(value);
        if (!bytes) return "'" + value + "' is not a SIZE such as 512MiB, 1G, 64k or 1000";
        value = std::to_string(*bytes);
        return "";
      },
      "");
}

CLI::Validator WholeNumber(int64_t min, int64_t max, std::string what) {
  if (what.empty()) what = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, what](std::string& value) -> std::string {
        int64_t n = 0;
        const char* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data(), end, n);
        if (value.empty() || ec != std::errc() || ptr != end || n < min || n > max) {
          return "'" + value + "' is not " + what;
        }
        return "";
      },
      "");
}

CLI::Validator OneOf(std::vector<std::string> choices) {
  return CLI::Validator(
      [choices](std::string& value) -> std::string {
        for (const std::string& c : choices) {
          if (value == c) return "";
        }
        std::string list;
        for (size_t i = 0; i < choices.size(); ++i) {
          list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        }
        return "'" + value + "' is not " + list;
      },
      "");
}

CLI::Validator Duration(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& value) -> std::string {
        Result<int64_t> ms = adapters::ParseDurationMs(value, allow_zero);
        return ms.ok() ? "" : ms.status().message();
      },
      "");
}

}  // namespace overtone::shell
