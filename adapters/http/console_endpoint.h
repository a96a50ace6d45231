// The web console's routes (adapters/console/console.h) as HTTP replies:
// 200 with the file, 304 when the client's copy is current, 302 from `/`,
// 404 for a file the binary does not hold.

#ifndef OVERTONE_ADAPTERS_HTTP_CONSOLE_ENDPOINT_H_
#define OVERTONE_ADAPTERS_HTTP_CONSOLE_ENDPOINT_H_

#include <string_view>

#include "adapters/http/endpoint.h"

namespace overtone::adapters {

// The reply to GET `path`; `if_none_match` is the request's If-None-Match
// header ("" when absent).
HttpReply ConsoleReply(std::string_view path, std::string_view if_none_match);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_CONSOLE_ENDPOINT_H_
