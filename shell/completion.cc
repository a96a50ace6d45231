#include "shell/completion.h"

#include <sqlite3.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "shell/schema_listing.h"
#include "sql/statement.h"

namespace overtone::shell {

namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// Runs a one-column query and adds its values that start with `prefix`.
void AddQueryMatches(sqlite3* conn, const char* sql, std::string_view bind, std::string_view prefix,
                     std::vector<std::string>* out) {
  sql::Statement stmt;
  if (stmt.Compile(conn, sql) != SQLITE_OK || !stmt) return;
  if (!bind.empty()) stmt.BindText(1, bind);
  while (stmt.Step() == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    if (text != nullptr && StartsWithNoCase(text, prefix)) out->emplace_back(text);
  }
}

// SQL keywords in the case of `typed` (lower case if it starts lower case).
void AddKeywordMatches(std::string_view typed, std::vector<std::string>* out) {
  const bool lower = !typed.empty() && std::islower(static_cast<unsigned char>(typed[0]));
  for (int i = 0; i < sqlite3_keyword_count(); ++i) {
    const char* name = nullptr;
    int size = 0;
    if (sqlite3_keyword_name(i, &name, &size) != SQLITE_OK) continue;
    std::string keyword(name, size);
    if (!StartsWithNoCase(keyword, typed)) continue;
    if (lower) {
      std::transform(keyword.begin(), keyword.end(), keyword.begin(),
                     [](unsigned char c) { return std::tolower(c); });
    }
    out->push_back(std::move(keyword));
  }
}

}  // namespace

std::vector<std::string> CompletionCandidates(sqlite3* conn, const std::vector<std::string>& dot_commands,
                                              const CompletionRequest& request, bool* want_files) {
  *want_files = false;
  std::vector<std::string> out;
  const size_t first = request.before.find_first_not_of(" \t");
  const std::string_view lead =
      first == std::string_view::npos ? std::string_view() : request.before.substr(first);

  if (lead.empty() && request.word.starts_with(".")) {
    for (const auto& c : dot_commands) {
      if (c.starts_with(request.word)) out.push_back(c);
    }
    return out;
  }
  if (lead.starts_with(".")) {
    // The argument of a dot-command.
    const std::string_view command = lead.substr(0, lead.find_first_of(" \t"));
    auto offer = [&](std::initializer_list<std::string_view> words) {
      for (std::string_view w : words) {
        if (w.starts_with(request.word)) out.emplace_back(w);
      }
    };
    if (command == ".read" || command == ".output") {
      *want_files = true;
    } else if (command == ".mode") {
      offer({"box", "csv", "json", "line", "list", "table", "tabs"});
    } else if (command == ".headers" || command == ".timer" || command == ".bail") {
      offer({"off", "on"});
    } else if (command == ".schema" || command == ".tables") {
      auto tables = ListTables(conn, "");
      if (tables.ok()) {
        for (const auto& t : *tables) {
          if (StartsWithNoCase(t, request.word)) out.push_back(t);
        }
      }
    }
    return out;
  }

  auto tables = ListTables(conn, "");
  if (!tables.ok()) tables = std::vector<std::string>();
  // "alias.col": complete the part after the dot with column names.
  const size_t dot = request.word.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string_view qualifier = request.word.substr(0, dot + 1);
    std::vector<std::string> columns;
    for (const auto& t : *tables) {
      AddQueryMatches(conn, "SELECT name FROM pragma_table_xinfo(?1)", t, request.word.substr(dot + 1),
                      &columns);
    }
    for (const auto& c : columns) out.push_back(std::string(qualifier) + c);
  } else {
    AddKeywordMatches(request.word, &out);
    for (const auto& t : *tables) {
      if (StartsWithNoCase(t, request.word)) out.push_back(t);
      AddQueryMatches(conn, "SELECT name FROM pragma_table_xinfo(?1)", t, request.word, &out);
    }
    AddQueryMatches(conn, "SELECT DISTINCT name FROM pragma_function_list", "", request.word, &out);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace overtone::shell
