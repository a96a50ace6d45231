// The console's answers: pages, embedded files, the redirect from `/`.

#include "adapters/console/console.h"

#include <array>

namespace overtone::adapters {
namespace {

constexpr std::array<std::string_view, 5> kPages = {"/graph", "/sql", "/rules", "/alerts", "/status"};
constexpr std::string_view kPageDocument = "index.html";
constexpr std::string_view kRevalidate = "no-cache";

const EmbeddedFile* FindFile(std::string_view name) {
  for (const EmbeddedFile& f : ConsoleAssets()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ConsoleAnswer FileAnswer(const EmbeddedFile* file, std::string_view if_none_match) {
  ConsoleAnswer a;
  if (file == nullptr) return a;
  a.outcome = EtagMatches(if_none_match, file->etag) ? ConsoleOutcome::kNotModified : ConsoleOutcome::kFile;
  a.file = file;
  a.cache_control = kRevalidate;
  return a;
}

}  // namespace

std::span<const std::string_view> ConsolePages() { return kPages; }

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view tag = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

ConsoleAnswer AnswerConsole(std::string_view path, std::string_view if_none_match) {
  if (path == "/") {
    ConsoleAnswer a;
    a.outcome = ConsoleOutcome::kRedirect;
    a.location = kConsoleHome;
    return a;
  }
  for (std::string_view page : kPages) {
    if (path == page) return FileAnswer(FindFile(kPageDocument), if_none_match);
  }
  if (path.starts_with(kConsoleStatic)) {
    std::string_view name = path.substr(kConsoleStatic.size());
    if (!name.empty() && name.find('/') == std::string_view::npos) {
      return FileAnswer(FindFile(name), if_none_match);
    }
  }
  return ConsoleAnswer{};
}

}  // namespace overtone::adapters
