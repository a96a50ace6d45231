// remote_write_probe: sends one remote write 1.0 request with one sample
// (now, value 1) for each series given, and prints the answer's status and
// body, for the scripts that compare overtone's receiver with Prometheus's.
//
//   remote_write_probe PORT 'NAME=VALUE,NAME=VALUE' ['NAME=VALUE' ...]
//
// Label names may be anything but ',' and '=' (that is the point: names
// Prometheus's rule refuses).

#include <chrono>
#include <cstdio>
#include <string>

#include "adapters/prometheus/proto/remote.pb.h"
#include "adapters/prometheus/snappy_block.h"
#include "tests/support/http_test_client.h"
#include "tests/support/prom_requests.h"

int main(int argc, char** argv) {
  using namespace overtone;
  if (argc < 3) {
    std::fprintf(stderr, "usage: remote_write_probe PORT 'NAME=VALUE,...' ...\n");
    return 2;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  prometheus::WriteRequest req;
  for (int i = 2; i < argc; ++i) {
    testing::LabelList labels;
    std::string spec = argv[i];
    size_t at = 0;
    while (at <= spec.size()) {
      size_t comma = spec.find(',', at);
      if (comma == std::string::npos) comma = spec.size();
      std::string pair = spec.substr(at, comma - at);
      size_t eq = pair.find('=');
      if (eq == std::string::npos) {
        std::fprintf(stderr, "remote_write_probe: '%s' is not NAME=VALUE\n", pair.c_str());
        return 2;
      }
      labels.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      at = comma + 1;
    }
    testing::AddSeries(&req, labels, {Sample{now, 1}});
  }
  std::string body;
  req.SerializeToString(&body);
  auto r = testing::HttpRequest(std::atoi(argv[1]), "POST", "/api/v1/write",
                                {{"Content-Encoding", "snappy"},
                                 {"Content-Type", "application/x-protobuf"},
                                 {"X-Prometheus-Remote-Write-Version", "0.1.0"}},
                                adapters::SnappyCompress(body));
  if (!r.ok()) {
    std::fprintf(stderr, "remote_write_probe: %s\n", r.status().message().c_str());
    return 1;
  }
  std::printf("%d %s\n", r->status, r->body.c_str());
  return 0;
}
