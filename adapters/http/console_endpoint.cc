// The console's outcomes as status codes and headers.

#include "adapters/http/console_endpoint.h"

#include <string>

#include "adapters/console/console.h"

namespace overtone::adapters {

HttpReply ConsoleReply(std::string_view path, std::string_view if_none_match) {
  ConsoleAnswer answer = AnswerConsole(path, if_none_match);
  HttpReply r;
  switch (answer.outcome) {
    case ConsoleOutcome::kRedirect:
      r.status = kHttpFound;
      r.headers.emplace_back("Location", std::string(answer.location));
      return r;
    case ConsoleOutcome::kNotFound:
      return HttpReply::Error(kHttpNotFound, "no such page or file of the console: " + std::string(path));
    case ConsoleOutcome::kFile:
    case ConsoleOutcome::kNotModified: break;
  }
  r.headers.emplace_back("ETag", std::string(answer.file->etag));
  r.headers.emplace_back("Cache-Control", std::string(answer.cache_control));
  if (answer.outcome == ConsoleOutcome::kNotModified) {
    r.status = kHttpNotModified;
    return r;
  }
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.content_type = answer.file->content_type;
  r.body = answer.file->body;
  return r;
}

}  // namespace overtone::adapters
