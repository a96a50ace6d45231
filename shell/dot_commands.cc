// The shell's dot-commands: settings (.mode, .headers, ...), catalog
// listings (.tables, .schema) and input/output redirection (.read, .output).

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "adapters/promql/query.h"
#include "adapters/promql/time_params.h"
#include "shell/plot.h"
#include "shell/plot_data.h"
#include "shell/schema_listing.h"
#include "shell/shell.h"

namespace overtone::shell {

namespace {

// Nested .read deeper than this is surely a file reading itself.
constexpr int kMaxReadDepth = 16;

// Splits a dot-command line into words. 'single quotes' keep their content
// as is; "double quotes" understand \\, \", \n and \t.
std::vector<std::string> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string word;
    char quote = line[i] == '\'' || line[i] == '"' ? line[i] : 0;
    if (quote) {
      for (++i; i < line.size() && line[i] != quote; ++i) {
        if (quote == '"' && line[i] == '\\' && i + 1 < line.size()) {
          char c = line[++i];
          word += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        } else {
          word += line[i];
        }
      }
      ++i;  // the closing quote
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') word += line[i++];
    }
    words.push_back(std::move(word));
  }
  return words;
}

Status ParseOnOff(const std::string& word, bool* value) {
  static constexpr std::string_view kOn[] = {"on", "yes", "true", "1"};
  static constexpr std::string_view kOff[] = {"off", "no", "false", "0"};
  std::string w = word;
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(std::begin(kOn), std::end(kOn), w) != std::end(kOn)) {
    *value = true;
  } else if (std::find(std::begin(kOff), std::end(kOff), w) != std::end(kOff)) {
    *value = false;
  } else {
    return Status::InvalidArgument("expected on or off, not '" + word + "'");
  }
  return Status::OK();
}

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

const char* OnOff(bool b) { return b ? "on" : "off"; }

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const std::vector<Shell::DotCommand>& Shell::DotCommands() {
  static const std::vector<DotCommand> kCommands = {
      {".bail", ".bail on|off", "Stop at the first error (default: on in scripts, off at the terminal)", 1, 1,
       &Shell::DotBail},
      {".exit", ".exit ?CODE?", "Exit with status CODE (default 0)", 0, 1, &Shell::DotExit},
      {".headers", ".headers on|off", "Show column names", 1, 1, &Shell::DotHeaders},
      {".help", ".help ?PREFIX?", "Show this message (the commands starting with PREFIX)", 0, 1,
       &Shell::DotHelp},
      {".mode", ".mode MODE", "Output mode: list tabs csv line json table box", 1, 1, &Shell::DotMode},
      {".nullvalue", ".nullvalue TEXT", "Show NULL as TEXT (default: nothing)", 1, 1, &Shell::DotNullValue},
      {".output", ".output ?FILE?", "Send results to FILE; to stdout without FILE", 0, 1, &Shell::DotOutput},
      {".plot", ".plot SQL | .plot promql EXPR ?RANGE? ?END?",
       "Draw the rows of SQL, or EXPR over RANGE (default 1h) up to END (default now), as a line chart", 1, 1,
       &Shell::DotPlot, true},
      {".print", ".print TEXT...", "Print TEXT", 0, SIZE_MAX, &Shell::DotPrint},
      {".quit", ".quit", "Exit", 0, 0, &Shell::DotExit},
      {".read", ".read FILE", "Run the SQL and dot-commands in FILE", 1, 1, &Shell::DotRead},
      {".schema", ".schema ?PATTERN?", "Show CREATE statements (of tables LIKE PATTERN)", 0, 1,
       &Shell::DotSchema},
      {".show", ".show", "Show the current settings", 0, 0, &Shell::DotShow},
      {".tables", ".tables ?PATTERN?", "List tables and views (LIKE PATTERN)", 0, 1, &Shell::DotTables},
      {".timer", ".timer on|off", "Show how long each statement takes", 1, 1, &Shell::DotTimer},
  };
  return kCommands;
}

std::vector<std::string> Shell::DotCommandNames() {
  std::vector<std::string> names;
  for (const DotCommand& c : DotCommands()) names.emplace_back(c.name);
  return names;
}

Status Shell::DoDotCommand(std::string_view line, bool* quit) {
  std::vector<std::string> words = SplitWords(line);
  const std::string& name = words[0];
  // An unambiguous prefix is enough, as in sqlite3: .q, .tab, .header.
  const DotCommand* command = nullptr;
  int matches = 0;
  for (const DotCommand& c : DotCommands()) {
    std::string_view full = c.name;
    if (full == name) {
      command = &c;
      matches = 1;
      break;
    }
    if (name.size() > 1 && full.starts_with(name)) {
      command = &c;
      ++matches;
    }
  }
  if (matches != 1) {
    return Status::InvalidArgument((matches == 0 ? "unknown command '" : "ambiguous command '") + name +
                                   "'; enter \".help\" for the list of commands");
  }
  std::vector<std::string> args(words.begin() + 1, words.end());
  if (command->rest_of_line) {
    std::string_view rest = Trimmed(line);
    while (!rest.empty() && !std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
    rest = Trimmed(rest);
    args.clear();
    if (!rest.empty()) args.emplace_back(rest);
  }
  if (args.size() < command->min_args || args.size() > command->max_args) {
    return Status::InvalidArgument(std::string("usage: ") + command->usage);
  }
  Status s = (this->*command->run)(args);
  *quit = quit_;
  return s;
}

Status Shell::DotBail(const std::vector<std::string>& args) { return ParseOnOff(args[0], &settings_.bail); }

Status Shell::DotExit(const std::vector<std::string>& args) {
  if (!args.empty()) {
    char* end = nullptr;
    long code = std::strtol(args[0].c_str(), &end, 10);
    if (*end != '\0' || code < 0 || code > 255) {
      return Status::InvalidArgument("exit code must be 0 to 255, not '" + args[0] + "'");
    }
    exit_code_ = static_cast<int>(code);
  }
  quit_ = true;
  return Status::OK();
}

Status Shell::DotHeaders(const std::vector<std::string>& args) {
  return ParseOnOff(args[0], &settings_.print.headers);
}

Status Shell::DotHelp(const std::vector<std::string>& args) {
  std::string out;
  for (const DotCommand& c : DotCommands()) {
    if (!args.empty() && !std::string_view(c.name).starts_with(args[0])) continue;
    std::string usage = c.usage;
    usage.resize(std::max<size_t>(usage.size() + 2, 22), ' ');
    out += usage + c.help + "\n";
  }
  if (args.empty()) {
    out +=
        "\nEnd SQL statements with ';'. Tables: series(series_id, metric, labels) and\n"
        "samples(series_id, metric, labels, ts, value); .tables lists all of them.\n";
  }
  Write(out);
  return Status::OK();
}

Status Shell::DotMode(const std::vector<std::string>& args) {
  std::optional<OutputMode> mode = ParseOutputMode(args[0]);
  if (!mode) {
    return Status::InvalidArgument("unknown mode '" + args[0] +
                                   "'; modes: list tabs csv line json table box");
  }
  settings_.print.mode = *mode;
  // Grids are unreadable without their header row: turn it on, as sqlite3
  // does (.headers off afterwards still turns it off).
  if (*mode == OutputMode::kTable || *mode == OutputMode::kBox) settings_.print.headers = true;
  return Status::OK();
}

Status Shell::DotNullValue(const std::vector<std::string>& args) {
  settings_.print.null_value = args[0];
  return Status::OK();
}

Status Shell::DotOutput(const std::vector<std::string>& args) {
  FlushOutput();
  FILE* file = stdout;
  std::string name = "stdout";
  if (!args.empty() && args[0] != "stdout") {
    name = args[0];
    file = std::fopen(name.c_str(), "w");
    if (file == nullptr) {
      return Status::IOError("cannot open '" + name + "': " + std::strerror(errno));
    }
  }
  if (out_ != stdout) std::fclose(out_);
  out_ = file;
  out_name_ = name;
  return Status::OK();
}

Status Shell::DotPrint(const std::vector<std::string>& args) {
  std::string text;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) text += ' ';
    text += args[i];
  }
  Write(text + "\n");
  return Status::OK();
}

Status Shell::DotRead(const std::vector<std::string>& args) {
  if (read_depth_ >= kMaxReadDepth) {
    return Status::InvalidArgument(".read nested more than " + std::to_string(kMaxReadDepth) + " deep");
  }
  const std::string& path = args[0];
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!file) return Status::IOError("cannot open '" + path + "': " + std::strerror(errno));
  FileLineReader reader(file.get());
  ++read_depth_;
  Outcome outcome = ProcessInput(reader, Source{path, /*line_numbers=*/true});
  --read_depth_;
  // The error inside the file has been reported; an Aborted with no message
  // tells the caller to stop without reporting it again.
  if (outcome == Outcome::kBailed) return Status::Aborted("");
  return Status::OK();
}

Status Shell::DotSchema(const std::vector<std::string>& args) {
  auto schema = DescribeSchema(conn_, args.empty() ? "" : args[0]);
  if (!schema.ok()) return schema.status();
  Write(*schema);
  return Status::OK();
}

Status Shell::DotShow(const std::vector<std::string>& args) {
  std::string out;
  out += "     bail: " + std::string(OnOff(settings_.bail)) + "\n";
  out += "  headers: " + std::string(OnOff(settings_.print.headers)) + "\n";
  out += "     mode: " + std::string(OutputModeName(settings_.print.mode)) + "\n";
  out += "nullvalue: " + Quoted(settings_.print.null_value) + "\n";
  out += "   output: " + out_name_ + "\n";
  out += "    timer: " + std::string(OnOff(settings_.timer)) + "\n";
  Write(out);
  return Status::OK();
}

Status Shell::DotTables(const std::vector<std::string>& args) {
  auto names = ListTables(conn_, args.empty() ? "" : args[0]);
  if (!names.ok()) return names.status();
  Write(FormatInColumns(*names));
  return Status::OK();
}

Status Shell::DotTimer(const std::vector<std::string>& args) { return ParseOnOff(args[0], &settings_.timer); }

}  // namespace overtone::shell

namespace overtone::shell {
namespace {

// More lines than this make a chart nobody can read; the rest are named.
constexpr size_t kMaxPlotSeries = 12;

}  // namespace

Status Shell::DotPlot(const std::vector<std::string>& args) {
  const std::string& text = args[0];
  PlotOptions options = PlotOptionsFor(out_);
  Result<PlotData> data = Status::OK();
  if (text == "promql" || text.starts_with("promql ")) {
    std::vector<std::string> words = SplitWords(std::string_view(text).substr(6));
    if (words.empty() || words.size() > 3)
      return Status::InvalidArgument("usage: .plot promql EXPR ?RANGE? ?END?");
    int64_t range_ms = 3'600'000, end_ms = promql::NowMs();
    if (words.size() > 1) {
      OT_ASSIGN_OR_RETURN(range_ms, promql::ParseDurationParam(words[1]));
    }
    if (words.size() > 2) {
      OT_ASSIGN_OR_RETURN(end_ms, promql::ParseTimeParam(words[2]));
    }
    data = PlotDataFromPromql(conn_, words[0], range_ms, end_ms, 2 * options.width);
  } else {
    data = PlotDataFromSql(conn_, text);
  }
  if (!data.ok()) return data.status();
  options.x_is_time = data->x_is_time;
  size_t hidden = 0;
  if (data->series.size() > kMaxPlotSeries) {
    hidden = data->series.size() - kMaxPlotSeries;
    data->series.resize(kMaxPlotSeries);
  }
  OT_ASSIGN_OR_RETURN(std::string chart, RenderPlot(data->series, options));
  Write(chart);
  if (hidden > 0) Write("(" + std::to_string(hidden) + " more series not drawn)\n");
  return Status::OK();
}

}  // namespace overtone::shell
