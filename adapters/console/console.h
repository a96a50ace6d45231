// The web console's answers to a GET, by path, apart from HTTP's codes:
// adapters/http/console_endpoint.h turns an outcome into a status.
//
//   /                                        redirect to /graph, Prometheus's entry page
//   /graph, /sql, /rules, /alerts, /status   index.html; its script shows the page the
//                                            path names (one document: switching pages
//                                            loads nothing new)
//   /static/<name>                           the embedded file <name> (assets.h)
//   anything else                            not found
//
// The pages and files are not secret and carry no data, so they are served
// without the bearer token; the page's script sends the token the user
// gives it with every API call (docs/CONSOLE.md).
//
// Every file answer carries its ETag and `Cache-Control: no-cache`: the
// browser keeps the file but asks each time whether it changed, answered by
// a body-less "not modified". The file names carry no version, so a longer
// lifetime could pair a new binary's page with an old binary's scripts.

#ifndef OVERTONE_ADAPTERS_CONSOLE_CONSOLE_H_
#define OVERTONE_ADAPTERS_CONSOLE_CONSOLE_H_

#include <span>
#include <string_view>

#include "adapters/console/assets.h"

namespace overtone::adapters {

enum class ConsoleOutcome {
  kFile,         // send `file`
  kNotModified,  // the client's copy of `file` is current: no body
  kRedirect,     // go to `location`
  kNotFound,
};

struct ConsoleAnswer {
  ConsoleOutcome outcome = ConsoleOutcome::kNotFound;
  const EmbeddedFile* file = nullptr;  // kFile and kNotModified
  std::string_view location;           // kRedirect
  std::string_view cache_control;      // kFile and kNotModified
};

// Where `/` sends a browser.
inline constexpr std::string_view kConsoleHome = "/graph";
// Where the embedded files are served: kConsoleStatic + name.
inline constexpr std::string_view kConsoleStatic = "/static/";

// The paths of the console's pages (each answered with index.html).
std::span<const std::string_view> ConsolePages();

// The answer to GET `path`; `if_none_match` is the request's If-None-Match
// header ("" when absent).
ConsoleAnswer AnswerConsole(std::string_view path, std::string_view if_none_match);

// Whether an If-None-Match header names `etag`: "*", or a comma-separated
// list of entity tags, weak ones (W/"...") compared by their tag (RFC 9110
// 13.1.2 uses the weak comparison for If-None-Match).
bool EtagMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_CONSOLE_CONSOLE_H_
