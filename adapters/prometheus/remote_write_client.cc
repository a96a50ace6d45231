#include "adapters/prometheus/remote_write_client.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "adapters/prometheus/snappy_block.h"

namespace overtone::adapters {

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  HttpUrl out;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    return Status::NotSupported("https is not supported (" + std::string(url) + "); use http://");
  }
  if (!rest.starts_with("http://")) {
    return Status::InvalidArgument("URL must start with http:// (" + std::string(url) + ")");
  }
  rest.remove_prefix(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {  // [::1]:9090
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return Status::InvalidArgument("bad host in URL " + std::string(url));
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Status::InvalidArgument("bad host in URL " + std::string(url));
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!port.empty() || authority.ends_with(":")) {
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || p != port.data() + port.size() || out.port <= 0 || out.port > 65535) {
      return Status::InvalidArgument("bad port in URL " + std::string(url));
    }
  }
  if (host.empty()) return Status::InvalidArgument("no host in URL " + std::string(url));
  out.host = std::string(host);
  return out;
}

struct RemoteWriteClient::Impl {
  Impl(const HttpUrl& u, RemoteClientOptions o) : url(u), options(o), client(u.host, u.port) {
    client.set_connection_timeout(options.timeout_seconds, 0);
    client.set_read_timeout(options.timeout_seconds, 0);
    client.set_write_timeout(options.timeout_seconds, 0);
    client.set_keep_alive(true);
  }
  HttpUrl url;
  RemoteClientOptions options;
  httplib::Client client;
};

RemoteWriteClient::RemoteWriteClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RemoteWriteClient::~RemoteWriteClient() = default;

Result<std::unique_ptr<RemoteWriteClient>> RemoteWriteClient::Create(const std::string& url,
                                                                     RemoteClientOptions options) {
  OT_ASSIGN_OR_RETURN(HttpUrl parsed, ParseHttpUrl(url));
  return std::unique_ptr<RemoteWriteClient>(new RemoteWriteClient(std::make_unique<Impl>(parsed, options)));
}

Status RemoteWriteClient::Send(const prometheus::WriteRequest& request) {
  std::string body = SnappyCompress(request.SerializeAsString());
  httplib::Headers headers = {
      {"Content-Encoding", "snappy"},
      {"X-Prometheus-Remote-Write-Version", "0.1.0"},
      {"User-Agent", "overtone-emulate"},
  };
  int backoff_ms = impl_->options.first_backoff_ms;
  std::string last_error;
  for (int attempt = 1;; ++attempt) {
    auto res = impl_->client.Post(impl_->url.path, headers, body, "application/x-protobuf");
    bool retryable = true;
    if (!res) {
      last_error = "no answer from " + impl_->url.base() + ": " +
                   (res.error() == httplib::Error::Connection
                        ? std::string("cannot connect (refused, or no such host)")
                        : httplib::to_string(res.error()));
    } else if (res->status >= 200 && res->status < 300) {
      ++requests_;
      return Status::OK();
    } else {
      last_error = "HTTP " + std::to_string(res->status) + " from " + impl_->url.base() + impl_->url.path +
                   ": " + res->body.substr(0, 300);
      retryable = res->status >= 500 || res->status == 429;
    }
    if (!retryable) return Status::InvalidArgument("remote write refused: " + last_error);
    if (attempt >= impl_->options.max_attempts) {
      return Status::IOError("remote write failed after " + std::to_string(attempt) +
                             " attempts: " + last_error);
    }
    ++retries_;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms *= 2;
  }
}

}  // namespace overtone::adapters
