// CommandLine: the parser every `overtone` subcommand reads its arguments
// with, so that all of them look and fail alike. It is a CLI11 app
// (<CLI/CLI.hpp>) plus overtone's conventions:
//
//   --help       the options on stdout, exit status 0;
//   usage error  on stderr, exit status 2 (kExitUsage):
//                  overtone serve: --threads: '0' is not a whole number from 1 to 1024
//                  Usage: overtone serve [OPTIONS] DBDIR
//                  Run 'overtone serve --help' for the options.
//   other error  "overtone serve: MESSAGE" on stderr, exit status 1 (kExitError).
//
// Options can come before or after the positional arguments; an argument
// that starts with '-' but is none of the options is a usage error, unless
// it follows `--`.
//
//   CommandLine cl("overtone check", "Verifies every checksum ...");
//   cl.app().add_option("DBDIR", dir, "database directory")->required();
//   if (std::optional<int> exit = cl.Parse(argc, argv)) return *exit;
//
// The validators below check the values that several subcommands take, and
// name the bad value in their message (CLI11 puts the option's name first).

#ifndef OVERTONE_SHELL_COMMAND_LINE_H_
#define OVERTONE_SHELL_COMMAND_LINE_H_

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace overtone::shell {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // the command ran and failed
inline constexpr int kExitUsage = 2;  // the command line is wrong

class CommandLine {
 public:
  // `program` is how messages start ("overtone serve"); `description` opens
  // --help, `footer` (if any) ends it.
  CommandLine(std::string program, std::string description, std::string footer = "");

  // Where the subcommand declares its options and positional arguments.
  CLI::App& app() { return app_; }

  // Parses argv (argv[0] is the subcommand's name). Returns nothing when the
  // command should go on, else the exit status after --help was printed
  // (kExitOk) or a usage error was (kExitUsage).
  std::optional<int> Parse(int argc, char** argv);

  // A usage error found after parsing ("--time excludes --start"): printed
  // as Parse() prints one. Returns kExitUsage.
  int UsageError(std::string_view message) const;
  // "PROGRAM: MESSAGE" on stderr. Returns kExitError.
  int Fail(std::string_view message) const;

  // The whole --help text.
  std::string Help() const { return app_.help(); }

 private:
  // The first argument CLI11 could place nowhere, described.
  std::optional<std::string> Unexpected() const;

  std::string program_;
  CLI::App app_;
};

// "512MiB", "1G", "64k", "1000": a byte count in binary units, the unit
// case-insensitive. Nothing when `text` is no such size.
std::optional<size_t> ParseSize(std::string_view text);

// CLI11 validators. Size() turns the value into its number of bytes, so the
// option can be bound to a size_t; the others only check.
CLI::Validator Size();  // ParseSize
// A decimal integer from min to max; `what` names it in the message (by
// default "a whole number from MIN to MAX").
CLI::Validator WholeNumber(int64_t min, int64_t max, std::string what = "");
// One of `choices`, spelt exactly.
CLI::Validator OneOf(std::vector<std::string> choices);
// A duration as adapters::ParseDurationMs reads it: 15s, 1h30m, 500ms.
CLI::Validator Duration(bool allow_zero = false);

}  // namespace overtone::shell

#endif  // OVERTONE_SHELL_COMMAND_LINE_H_
