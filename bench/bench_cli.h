// The command line of every benchmark: a CLI11 app (<CLI/CLI.hpp>) that
// behaves like the `overtone` command's:
//
//   --help             the options and their defaults on stdout, exit 0;
//   a bad value or an  the message, which names the option, on stderr, exit 2:
//   unknown option       fleet_bench: --hosts: Value ten could not be converted ...
//                        Run 'fleet_bench --help' for the options.
//
//   bench::BenchCli cli("fleet_bench", "An emulated fleet into overtone ...");
//   cli.app().add_option("--hosts", cfg.hosts, "hosts emulated")->check(bench::Number(1));
//   bench::AddNoPrometheus(cli.app(), &cfg.prometheus);
//   if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
//
// The few options that several benches share are added by the functions
// below, so that they are spelt and described alike.

#ifndef OVERTONE_BENCH_BENCH_CLI_H_
#define OVERTONE_BENCH_BENCH_CLI_H_

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/formats/value_text.h"

namespace overtone::bench {

inline constexpr int kExitUsage = 2;  // the command line is wrong

class BenchCli {
 public:
  BenchCli(std::string program, std::string description)
      : program_(std::move(program)), app_(std::move(description), program_) {
    // --help shows each option's default, read from the bound variable.
    app_.option_defaults()->always_capture_default();
  }

  CLI::App& app() { return app_; }

  // Nothing when the bench should run, else its exit status: 0 after
  // --help, kExitUsage after a usage error.
  std::optional<int> Parse(int argc, char** argv) {
    try {
      app_.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::fputs(app_.help().c_str(), stdout);
      return 0;
    } catch (const CLI::ParseError& e) {
      return UsageError(e.what());
    }
    return std::nullopt;
  }

  // A usage error found after parsing ("--days must be at least 2").
  int UsageError(std::string_view message) const {
    std::fprintf(stderr, "%s: %.*s\nRun '%s --help' for the options.\n", program_.c_str(),
                 static_cast<int>(message.size()), message.data(), program_.c_str());
    return kExitUsage;
  }

 private:
  std::string program_;
  CLI::App app_;
};

// A number from `min` to `max`; the message names the bad value, where
// CLI11's own range checks would print the whole range of a double.
inline CLI::Validator Number(double min, double max = std::numeric_limits<double>::max()) {
  auto text = [](double x) {
    std::ostringstream out;
    out << x;
    return out.str();
  };
  std::string what = max == std::numeric_limits<double>::max()
                         ? "a number of at least " + text(min)
                         : "a number from " + text(min) + " to " + text(max);
  return CLI::Validator(
      [min, max, what](std::string& value) -> std::string {
        double x = 0;
        const char* end = value.data() + value.size();
        auto [at, ec] = std::from_chars(value.data(), end, x);
        if (ec == std::errc() && at == end && x >= min && x <= max) return "";
        return "'" + value + "' is not " + what;
      },
      max == std::numeric_limits<double>::max() ? ">=" + text(min)
                                                : "in [" + text(min) + ", " + text(max) + "]");
}

// A duration as adapters::ParseDurationMs reads it (15s, 1h30m, 2d); the
// option keeps its text. `also` is one more word accepted as it is ("auto").
inline CLI::Validator Duration(std::string also = "") {
  return CLI::Validator(
      [also](std::string& value) -> std::string {
        if (!also.empty() && value == also) return "";
        if (adapters::ParseDurationMs(value).ok()) return "";
        return "'" + value + "' is not a duration such as 15s, 1h30m or 2d";
      },
      also.empty() ? "DURATION" : "DURATION|" + also);
}

// --no-prometheus: run without the Prometheus peer.
inline CLI::Option* AddNoPrometheus(CLI::App& app, bool* prometheus) {
  return app.add_flag_callback(
      "--no-prometheus", [prometheus] { *prometheus = false; }, "skip Prometheus (run overtone alone)");
}

// --dir PARENT: where the bench makes its databases.
inline CLI::Option* AddDir(CLI::App& app, std::string* dir) {
  return app.add_option("--dir", *dir,
                        "parent directory of the databases (default: the temporary directory)");
}

// --keep: leave the databases on disk afterwards.
inline CLI::Option* AddKeep(CLI::App& app, bool* keep) {
  return app.add_flag("--keep", *keep, "keep the databases afterwards");
}

// --runs N: how many times each measurement is repeated (the median is shown).
inline CLI::Option* AddRuns(CLI::App& app, int* runs) {
  return app.add_option("--runs", *runs, "runs of each measurement")->check(Number(1));
}

}  // namespace overtone::bench

#endif  // OVERTONE_BENCH_BENCH_CLI_H_
