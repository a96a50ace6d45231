#include "shell/shell.h"

#include <sqlite3.h>
#include <sys/resource.h>
#include <time.h>

#include <utility>

#include "sql/statement.h"

namespace overtone::shell {

namespace {

// Write to the output file in pieces of about this size, so a large result
// is neither kept whole in memory nor written row by row.
constexpr size_t kOutputChunk = 64 * 1024;

// True when `sql` holds nothing but white space and comments: such text is
// not a pending statement, so a dot-command may follow it.
bool IsBlankSql(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) return true;
      i = end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) return false;  // still inside a comment
      i = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

bool IsDotCommand(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  return i != std::string_view::npos && line[i] == '.';
}

struct Clock {
  double real = 0, user = 0, sys = 0;

  static Clock Now() {
    Clock c;
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    c.real = ts.tv_sec + ts.tv_nsec * 1e-9;
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    c.user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
    c.sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    return c;
  }
};

}  // namespace

ShellSettings ShellSettings::Interactive() {
  return {.print = {.mode = OutputMode::kBox, .headers = true}, .bail = false};
}

ShellSettings ShellSettings::Script() {
  return {.print = {.mode = OutputMode::kList, .headers = false}, .bail = true};
}

Shell::Shell(sqlite3* conn, const ShellSettings& settings)
    : conn_(conn), settings_(settings), out_(stdout), out_name_("stdout") {}

Shell::~Shell() {
  FlushOutput();
  if (out_ != stdout) std::fclose(out_);
}

int Shell::ExitCode(bool count_errors) const {
  if (exit_code_ >= 0) return exit_code_;
  return count_errors && errors_ > 0 ? 1 : 0;
}

void Shell::Write(std::string_view text) {
  pending_ += text;
  if (pending_.size() >= kOutputChunk) FlushOutput();
}

void Shell::FlushOutput() {
  if (!pending_.empty()) {
    std::fwrite(pending_.data(), 1, pending_.size(), out_);
    pending_.clear();
  }
  std::fflush(out_);
}

void Shell::ReportError(const Status& s, const Source& source, int line) {
  // A nested .read has printed (and counted) its own error already.
  if (s.code() == Status::Code::kAborted && s.message().empty()) return;
  ++errors_;
  FlushOutput();
  if (out_ != stdout) std::fflush(stdout);
  std::string where;
  if (source.line_numbers) {
    where = "near line " + std::to_string(line);
    if (!source.name.empty() && source.name != "stdin") where += " of " + source.name;
    where += ": ";
  }
  std::fprintf(stderr, "Error: %s%s\n", where.c_str(), s.message().c_str());
  std::fflush(stderr);
}

bool Shell::StopsInput(const Status& error) const {
  // An interrupted statement (Aborted) also ends every .read file it came
  // from: the user meant to stop what was running, not just one statement.
  return settings_.bail || (error.code() == Status::Code::kAborted && read_depth_ > 0);
}

Shell::Outcome Shell::ProcessInput(LineReader& reader, const Source& source) {
  std::string sql;   // the statement(s) being collected
  int sql_line = 0;  // the line they start on
  int line_number = 0;
  std::string line;
  for (;;) {
    bool blank = IsBlankSql(sql);
    LineReader::Result r = reader.Read(!blank, &line);
    if (r == LineReader::Result::kEof) break;
    if (r == LineReader::Result::kCancelled) {
      sql.clear();
      continue;
    }
    ++line_number;

    if (blank && IsDotCommand(line)) {
      sql.clear();
      bool quit = false;
      Status s = DoDotCommand(line, &quit);
      FlushOutput();
      if (!s.ok()) {
        ReportError(s, source, line_number);
        if (StopsInput(s)) return Outcome::kBailed;
      }
      if (quit) return Outcome::kQuit;
      continue;
    }

    if (blank) {
      sql.clear();
      sql_line = line_number;
    }
    sql += line;
    sql += '\n';
    // sqlite3_complete() scans all of `sql`; only a ';' can complete it, so
    // a statement of many lines costs linear, not quadratic, time.
    if (line.find(';') == std::string::npos || !sqlite3_complete(sql.c_str())) continue;
    Status s = ExecuteSql(sql);
    sql.clear();
    FlushOutput();
    if (!s.ok()) {
      ReportError(s, source, sql_line);
      if (StopsInput(s)) return Outcome::kBailed;
    }
  }
  // Input ended inside a statement: run it anyway, so that a missing final
  // semicolon is forgiven and a truly incomplete statement gets SQLite's
  // own error message.
  if (!IsBlankSql(sql)) {
    Status s = ExecuteSql(sql);
    FlushOutput();
    if (!s.ok()) {
      ReportError(s, source, sql_line);
      if (StopsInput(s)) return Outcome::kBailed;
    }
  }
  return Outcome::kEndOfInput;
}

Status Shell::ExecuteSql(std::string_view sql) {
  const char* tail = sql.data();
  const char* const end = sql.data() + sql.size();
  while (tail < end) {
    sql::Statement stmt;
    const char* next = nullptr;
    if (stmt.Compile(conn_, std::string_view(tail, end - tail), &next) != SQLITE_OK) {
      return StatementError(std::string_view(tail, end - tail));
    }
    if (!stmt) {  // only white space or a comment was left
      tail = next;
      continue;
    }
    Clock start = settings_.timer ? Clock::Now() : Clock();
    Status s = RunStatement(stmt.get());
    stmt = sql::Statement();  // finalized before the timer stops, as before
    if (settings_.timer) {
      Clock stop = Clock::Now();
      char buf[128];
      std::snprintf(buf, sizeof(buf), "Run Time: real %.3f user %f sys %f\n", stop.real - start.real,
                    stop.user - start.user, stop.sys - start.sys);
      Write(buf);
    }
    OT_RETURN_IF_ERROR(s);
    tail = next;
  }
  return Status::OK();
}

Status Shell::RunStatement(sqlite3_stmt* stmt) {
  const int ncol = sqlite3_column_count(stmt);
  int rc = sqlite3_step(stmt);
  if (ncol == 0) {
    while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
  } else {
    std::vector<std::string> names;
    names.reserve(ncol);
    for (int i = 0; i < ncol; ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      names.emplace_back(name ? name : "");
    }
    ResultPrinter printer(settings_.print, &pending_);
    printer.Begin(std::move(names));
    while (rc == SQLITE_ROW) {
      std::vector<Cell> row;
      row.reserve(ncol);
      for (int i = 0; i < ncol; ++i) row.push_back(CellFromColumn(stmt, i));
      printer.AddRow(std::move(row));
      if (pending_.size() >= kOutputChunk) FlushOutput();
      rc = sqlite3_step(stmt);
    }
    // Also after an error: the rows so far (e.g. of an interrupted query)
    // are shown, and a JSON array is closed.
    printer.End();
  }
  if (rc == SQLITE_DONE) return Status::OK();
  // Ctrl-C (interactive.cc) ends the statement with SQLITE_INTERRUPT; an
  // Aborted status also stops any .read in progress (see ProcessInput).
  if ((rc & 0xFF) == SQLITE_INTERRUPT) return Status::Aborted(sqlite3_errmsg(conn_));
  return Status::InvalidArgument(sqlite3_errmsg(conn_));
}

// The error of a statement that failed to prepare. For a syntax error,
// SQLite tells where in `sql` it stopped; show that line with a caret under
// the spot, as sqlite3 does.
Status Shell::StatementError(std::string_view sql) {
  std::string message = sqlite3_errmsg(conn_);
  int offset = sqlite3_error_offset(conn_);
  if (offset < 0 || static_cast<size_t>(offset) > sql.size()) {
    return Status::InvalidArgument(message);
  }
  const size_t at = static_cast<size_t>(offset);
  size_t begin = sql.substr(0, at).rfind('\n');
  begin = begin == std::string_view::npos ? 0 : begin + 1;
  size_t end = sql.find('\n', at);
  if (end == std::string_view::npos) end = sql.size();
  // TABs become spaces so that the caret lines up.
  std::string text(sql.substr(begin, end - begin));
  for (char& c : text) {
    if (c == '\t') c = ' ';
  }
  size_t column = DisplayWidth(sql.substr(begin, at - begin));
  message += "\n  ";
  message += text;
  message += "\n  ";
  message.append(column, ' ');
  message += "^--- error here";
  return Status::InvalidArgument(message);
}

}  // namespace overtone::shell
