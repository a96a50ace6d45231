#include "tests/support/http_test_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace overtone::testing {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  std::string n = Lower(name);
  for (const auto& [k, v] : headers) {
    if (k == n) return v;
  }
  return "";
}

Result<std::unique_ptr<HttpConnection>> HttpConnection::Connect(const std::string& host, int port,
                                                                int timeout_ms) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) {
    return Status::IOError("cannot resolve " + host);
  }
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return Status::IOError("socket: " + std::string(strerror(errno)));
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0) {
    std::string why = strerror(errno);
    close(fd);
    return Status::IOError("connect to " + host + ":" + std::to_string(port) + ": " + why);
  }
  return std::unique_ptr<HttpConnection>(new HttpConnection(fd));
}

HttpConnection::~HttpConnection() { close(fd_); }

Status HttpConnection::ReadMore() {
  if (eof_) return Status::IOError("connection closed by the server");
  char tmp[65536];
  ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
  if (n < 0) return Status::IOError("recv: " + std::string(strerror(errno)));
  if (n == 0) {
    eof_ = true;
    return Status::IOError("connection closed by the server");
  }
  buf_.append(tmp, static_cast<size_t>(n));
  return Status::OK();
}

Result<std::string> HttpConnection::ReadLine() {
  size_t pos;
  while ((pos = buf_.find("\r\n")) == std::string::npos) OT_RETURN_IF_ERROR(ReadMore());
  std::string line = buf_.substr(0, pos);
  buf_.erase(0, pos + 2);
  return line;
}

Status HttpConnection::ReadExactly(size_t n, std::string* out) {
  while (buf_.size() < n) OT_RETURN_IF_ERROR(ReadMore());
  out->append(buf_, 0, n);
  buf_.erase(0, n);
  return Status::OK();
}

Result<HttpResponse> HttpConnection::Request(std::string_view method, std::string_view path,
                                             const HttpHeaders& headers, std::string_view body) {
  std::string req;
  req.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    req.append(k).append(": ").append(v).append("\r\n");
    if (Lower(k) == "content-length" || Lower(k) == "transfer-encoding") has_length = true;
  }
  if (!has_length && (!body.empty() || method == "POST")) {
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  req.append("\r\n").append(body);
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return Status::IOError("send: " + std::string(strerror(errno)));
    sent += static_cast<size_t>(n);
  }

  HttpResponse resp;
  OT_ASSIGN_OR_RETURN(std::string status_line, ReadLine());
  if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) {
    return Status::Corruption("bad status line: " + status_line);
  }
  resp.status = std::atoi(status_line.c_str() + 9);
  while (true) {
    OT_ASSIGN_OR_RETURN(std::string line, ReadLine());
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    resp.headers.emplace_back(Lower(line.substr(0, colon)), value);
  }
  // No body, whatever the headers say (RFC 9112 6.3).
  if (method == "HEAD" || resp.status == 204 || resp.status == 304 || resp.status / 100 == 1) {
    return resp;
  }
  if (Lower(resp.header("transfer-encoding")) == "chunked") {
    while (true) {
      OT_ASSIGN_OR_RETURN(std::string size_line, ReadLine());
      size_t n = std::stoul(size_line, nullptr, 16);
      if (n == 0) {
        while (true) {  // trailers, then the empty line
          OT_ASSIGN_OR_RETURN(std::string t, ReadLine());
          if (t.empty()) break;
        }
        break;
      }
      OT_RETURN_IF_ERROR(ReadExactly(n, &resp.body));
      OT_ASSIGN_OR_RETURN(std::string crlf, ReadLine());
    }
  } else if (std::string cl = resp.header("content-length"); !cl.empty()) {
    OT_RETURN_IF_ERROR(ReadExactly(std::stoul(cl), &resp.body));
  } else {
    while (ReadMore().ok()) {
    }
    resp.body = std::move(buf_);
    buf_.clear();
  }
  return resp;
}

Result<HttpResponse> HttpRequest(int port, std::string_view method, std::string_view path,
                                 const HttpHeaders& headers, std::string_view body, int timeout_ms) {
  OT_ASSIGN_OR_RETURN(std::unique_ptr<HttpConnection> c,
                      HttpConnection::Connect("127.0.0.1", port, timeout_ms));
  return c->Request(method, path, headers, body);
}

}  // namespace overtone::testing
