// A local HTTP server that records what is POSTed to it, for the tests of
// senders (Alertmanager, Loki, webhooks): it listens on 127.0.0.1 on a port
// the system picks, answers each request with the status a test chooses,
// and lets the test wait for a number of requests, bounded in time.
//
//   HttpReceiver rx;
//   rx.Answer([](size_t n) { return n < 2 ? 503 : 200; });  // fail twice
//   ... send to rx.Url("/api/v2/alerts") ...
//   ASSERT_TRUE(rx.WaitFor(3));
//   EXPECT_EQ(rx.Requests()[2].body, "...");

#ifndef OVERTONE_TESTS_SUPPORT_HTTP_RECEIVER_H_
#define OVERTONE_TESTS_SUPPORT_HTTP_RECEIVER_H_

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace overtone::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string method, path, body;
    httplib::Headers headers;
    std::chrono::steady_clock::time_point at;
  };

  HttpReceiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpReceiver() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // The status of the n-th request (from 0); 200 unless told.
  void Answer(std::function<int(size_t n)> status) {
    std::lock_guard lock(mu_);
    status_ = std::move(status);
  }
  // Holds each answer back this long (or until the receiver goes).
  void Delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    delay_ = d;
  }

  // Answers each successful request with `body` of Content-Type `type`,
  // sent as chunks of `piece` bytes (each reaches a client as a read of its
  // own), rather than with an empty body.
  void Body(std::string body, std::string type, size_t piece) {
    std::lock_guard lock(mu_);
    body_ = std::make_shared<const std::string>(std::move(body));
    type_ = std::move(type);
    piece_ = piece;
  }

  // Waits until `n` requests have come; false if they did not in time.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }
  std::vector<Request> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mu_);
    size_t n = requests_.size();
    requests_.push_back(
        Request{req.method, req.path, req.body, req.headers, std::chrono::steady_clock::now()});
    cv_.notify_all();
    int status = status_ ? status_(n) : 200;
    cv_.wait_for(lock, delay_, [&] { return stopping_; });
    res.status = status;
    if (status < 300 && body_) {
      res.set_chunked_content_provider(
          type_, [body = body_, piece = piece_](size_t offset, httplib::DataSink& sink) {
            if (offset >= body->size()) {
              sink.done();
              return true;
            }
            return sink.write(body->data() + offset, std::min(piece, body->size() - offset));
          });
      return;
    }
    res.set_content(status < 300 ? "" : "refused by the test", "text/plain");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::function<int(size_t)> status_;
  std::chrono::milliseconds delay_{0};
  std::shared_ptr<const std::string> body_;  // null: answer with an empty body
  std::string type_;
  size_t piece_ = 0;
  bool stopping_ = false;
};

// A loopback port that nothing listens on (bound, then released).
inline int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace overtone::testing

#endif  // OVERTONE_TESTS_SUPPORT_HTTP_RECEIVER_H_
