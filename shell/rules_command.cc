#include "shell/rules_command.h"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/rules/rule_file.h"
#include "adapters/rules/unit_test_runner.h"
#include "shell/command_line.h"

namespace overtone::shell {
namespace {

constexpr const char* kFooter =
    "Exit status 0 when every file passes, 1 when one fails, 2 on a usage error. See docs/RULES.md.";

int Check(int argc, char** argv) {
  std::vector<std::string> files;
  bool lint_fatal = false;
  CommandLine cl("overtone rules check",
                 "Checks Prometheus rule files as `promtool check rules` does: the YAML, unknown fields, "
                 "group names, each rule's expression, names, labels and templates.",
                 kFooter);
  cl.app().add_option("FILE", files, "rule files")->required();
  cl.app().add_flag("--lint-fatal", lint_fatal, "fail on lint findings (duplicate rules) too");
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;
  bool failed = false;
  for (const std::string& f : files) {
    std::printf("Checking %s\n", f.c_str());
    auto file = rules::LoadRuleFile(f);
    if (!file.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "  FAILED:\n%s\n", file.status().message().c_str());
      failed = true;
    } else {
      std::printf("  SUCCESS: %zu rules found\n", rules::CountRules(*file));
      std::fflush(stdout);
      for (const std::string& w : file->warnings) std::fprintf(stderr, "  WARNING:\n%s\n", w.c_str());
      failed |= lint_fatal && !file->warnings.empty();
    }
    std::fflush(stderr);
    std::printf("\n");
  }
  return failed ? kExitError : kExitOk;
}

int Test(int argc, char** argv) {
  std::vector<std::string> files;
  CommandLine cl("overtone rules test",
                 "Runs Prometheus rule unit tests as `promtool test rules` does: input series in the "
                 "expanding notation, alert_rule_test and promql_expr_test, evaluated on a temporary "
                 "database.",
                 kFooter);
  cl.app().add_option("FILE", files, "unit-test files")->required();
  if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;
  bool failed = false;
  for (const std::string& f : files) {
    std::printf("Unit Testing:  %s\n", f.c_str());
    std::fflush(stdout);
    std::vector<std::string> errs = rules::RunUnitTestFile(f);
    if (errs.empty()) {
      std::printf("  SUCCESS\n");
    } else {
      failed = true;
      std::fprintf(stderr, "  FAILED:\n");
      for (const std::string& e : errs) {
        std::fprintf(stderr, "%s\n", e.c_str());
        std::fflush(stderr);
        std::printf("\n");
        std::fflush(stdout);
      }
    }
    std::printf("\n");
  }
  return failed ? kExitError : kExitOk;
}

}  // namespace

int RunRules(int argc, char** argv) {
  std::string_view what = argc > 1 ? argv[1] : "";
  if (what == "check") return Check(argc - 1, argv + 1);
  if (what == "test") return Test(argc - 1, argv + 1);
  CommandLine cl("overtone rules",
                 "Prometheus rule files: `overtone rules check FILE...` checks them as `promtool check "
                 "rules`; `overtone rules test FILE...` runs unit tests as `promtool test rules`.",
                 kFooter);
  std::string sub;
  cl.app().add_option("check|test", sub, "what to do")->required()->check(OneOf({"check", "test"}));
  std::optional<int> exit = cl.Parse(argc, argv);
  return exit ? *exit : cl.UsageError("expected check or test");
}

}  // namespace overtone::shell
