// A minimal blocking HTTP/1.1 client over POSIX sockets, for the server
// tests and the remote write benchmark. Not httplib on purpose: only
// adapters/ includes httplib, and tests should see the raw status codes and
// headers exactly as sent. Every socket operation is bounded by a timeout.

#ifndef OVERTONE_TESTS_ADAPTERS_HTTP_TEST_CLIENT_H_
#define OVERTONE_TESTS_ADAPTERS_HTTP_TEST_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "overtone/status.h"

namespace overtone::testing {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names lower-cased
  std::string body;

  // The value of header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

// One keep-alive connection: requests are sent one after another on it.
class HttpConnection {
 public:
  // IOError when nothing listens there.
  static Result<std::unique_ptr<HttpConnection>> Connect(const std::string& host, int port,
                                                         int timeout_ms = 10000);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends a request (Content-Length is added for a body) and reads the
  // whole response, chunked or not.
  Result<HttpResponse> Request(std::string_view method, std::string_view path,
                               const HttpHeaders& headers = {}, std::string_view body = {});

 private:
  explicit HttpConnection(int fd) : fd_(fd) {}
  Status ReadMore();
  Result<std::string> ReadLine();
  Status ReadExactly(size_t n, std::string* out);

  int fd_;
  std::string buf_;  // received, not yet consumed
  bool eof_ = false;
};

// One request on a connection of its own, to 127.0.0.1:port.
Result<HttpResponse> HttpRequest(int port, std::string_view method, std::string_view path,
                                 const HttpHeaders& headers = {}, std::string_view body = {},
                                 int timeout_ms = 10000);

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_ADAPTERS_HTTP_TEST_CLIENT_H_
