// Requests for server tests that expect an answer: a request that gets none
// (connection refused, a timeout) is a test failure, and the response is
// then empty (status 0), so the test's own assertions fail on it too.

#ifndef OVERTONE_TESTS_SUPPORT_HTTP_EXPECT_H_
#define OVERTONE_TESTS_SUPPORT_HTTP_EXPECT_H_

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/support/http_test_client.h"

namespace overtone::testing {

inline HttpResponse ExpectResponse(int port, std::string_view method, std::string_view path,
                                   const HttpHeaders& headers = {}, std::string_view body = {}) {
  Result<HttpResponse> r = HttpRequest(port, method, path, headers, body);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : HttpResponse{};
}

// A POST of an HTML form, as the Prometheus query API takes its parameters.
inline HttpResponse ExpectFormPost(int port, std::string_view path, std::string_view body) {
  return ExpectResponse(port, "POST", path, {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
}

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SUPPORT_HTTP_EXPECT_H_
