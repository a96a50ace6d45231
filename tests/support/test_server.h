// A fixture with the HTTP server (adapters/http/server.h) serving the test's
// own database on 127.0.0.1, on a port the kernel picks, started in SetUp
// with default options; Start() restarts it with others.
//
//   class MyTest : public overtone::testing::ServerTest {};
//   TEST_F(MyTest, X) { EXPECT_EQ(Get("/-/healthy").status, 200); }

#ifndef OVERTONE_TESTS_SUPPORT_TEST_SERVER_H_
#define OVERTONE_TESTS_SUPPORT_TEST_SERVER_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/http/server.h"
#include "tests/support/http_expect.h"
#include "tests/support/test_database.h"

namespace overtone::testing {

class ServerTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    Start(adapters::ServerOptions{});
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // (Re)starts the server with `o`, on 127.0.0.1, any free port, 2 threads.
  void Start(adapters::ServerOptions o) {
    if (server_) server_->Stop();
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    server_ = std::make_unique<adapters::HttpServer>(db_.get(), o);
    ASSERT_TRUE(server_->Start().ok());
  }

  HttpResponse Get(const std::string& path, const HttpHeaders& headers = {}) {
    return ExpectResponse(server_->port(), "GET", path, headers);
  }

  std::unique_ptr<adapters::HttpServer> server_;
};

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SUPPORT_TEST_SERVER_H_
