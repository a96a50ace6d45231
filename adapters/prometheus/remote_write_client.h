// The sending side of Prometheus remote write 1.0, for `overtone emulate
// --remote-write URL`: a prometheus.WriteRequest, snappy block compressed,
// POSTed with the protocol's headers. As Prometheus's own sender does, it
// retries 5xx and 429 answers with exponential backoff and gives up on any
// other 4xx (the receiver refused the data; sending it again cannot help).
//
// Also the URL parsing that remote_read_client.h shares.

#ifndef OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_WRITE_CLIENT_H_
#define OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_WRITE_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/prometheus/proto/remote.pb.h"
#include "overtone/status.h"

namespace overtone::adapters {

// http://host[:port][/path]; https is not built in.
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path = "/";
  std::string base() const { return "http://" + host + ":" + std::to_string(port); }
};
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct RemoteClientOptions {
  int timeout_seconds = 30;
  int max_attempts = 5;        // tries per request on 5xx / 429 / connection errors
  int first_backoff_ms = 100;  // doubled each retry
};

class RemoteWriteClient {
 public:
  static Result<std::unique_ptr<RemoteWriteClient>> Create(const std::string& url,
                                                           RemoteClientOptions options = {});
  ~RemoteWriteClient();
  RemoteWriteClient(const RemoteWriteClient&) = delete;
  RemoteWriteClient& operator=(const RemoteWriteClient&) = delete;

  // Sends `request`; OK once the receiver answered 2xx.
  Status Send(const prometheus::WriteRequest& request);

  uint64_t requests_sent() const { return requests_; }
  uint64_t retries() const { return retries_; }

 private:
  struct Impl;
  explicit RemoteWriteClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint64_t requests_ = 0;
  uint64_t retries_ = 0;
};

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_PROMETHEUS_REMOTE_WRITE_CLIENT_H_
