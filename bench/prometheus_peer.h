// A real Prometheus beside a benchmark: Debian's `prometheus` serving a
// TSDB that `promtool tsdb create-blocks-from openmetrics` backfilled from
// the same data overtone holds, on a free loopback port, stopped when the
// object goes.
//
//   auto prom = bench::PrometheusPeer::Backfill(om_file, dir);
//   if (prom.ok()) Measure(prom->port());

#ifndef OVERTONE_BENCH_PROMETHEUS_PEER_H_
#define OVERTONE_BENCH_PROMETHEUS_PEER_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "overtone/status.h"

extern char** environ;

namespace overtone::bench {

// A loopback port nothing listens on now (Prometheus cannot be told to pick one).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 19090;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

// Runs argv with stdout and stderr to `log`; returns the pid, -1 on failure.
inline pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// The exit status of `pid`, -1 when it did not exit normally.
inline int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline bool HaveProgram(const char* name) {
  std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// More for Prometheus's configuration (appended to prometheus.yml, e.g.
// rule_files) and its command line (e.g. --web.enable-remote-write-receiver).
struct PeerExtras {
  std::string config;
  std::vector<std::string> flags;
};

class PrometheusPeer {
 public:
  // Whether prometheus and promtool are installed.
  static bool Available() { return HaveProgram("prometheus") && HaveProgram("promtool"); }

  // Backfills `openmetrics_file` into dir/prometheus with promtool, then
  // serves it. dir gets prometheus.yml and the logs. *backfill_seconds, when
  // given, is how long promtool took.
  static Result<std::unique_ptr<PrometheusPeer>> Backfill(const std::string& openmetrics_file,
                                                          const std::filesystem::path& dir,
                                                          double* backfill_seconds = nullptr,
                                                          const PeerExtras& extras = {}) {
    std::filesystem::path blocks = dir / "prometheus";
    std::filesystem::create_directories(blocks);
    auto t = std::chrono::steady_clock::now();
    pid_t pid =
        Spawn({"promtool", "tsdb", "create-blocks-from", "openmetrics", openmetrics_file, blocks.string()},
              (dir / "promtool.log").string());
    if (pid < 0 || Wait(pid) != 0)
      return Status::IOError("promtool failed; see " + (dir / "promtool.log").string());
    if (backfill_seconds) {
      *backfill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    }
    return Serve(dir, extras);
  }

  // Serves the blocks a Backfill into `dir` left (dir/prometheus).
  static Result<std::unique_ptr<PrometheusPeer>> Serve(const std::filesystem::path& dir,
                                                       const PeerExtras& extras = {}) {
    return Start(dir, dir / "prometheus", extras);
  }

  // Prometheus as a remote-write receiver (--web.enable-remote-write-receiver)
  // on an empty TSDB in `dir`: the peer of ingest benchmarks.
  static Result<std::unique_ptr<PrometheusPeer>> Receiver(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    return Start(dir, dir / "data", PeerExtras{"", {"--web.enable-remote-write-receiver"}});
  }

  ~PrometheusPeer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      Wait(pid_);
    }
  }
  PrometheusPeer(const PrometheusPeer&) = delete;
  PrometheusPeer& operator=(const PrometheusPeer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& blocks() const { return blocks_; }

 private:
  explicit PrometheusPeer(std::filesystem::path blocks) : blocks_(std::move(blocks)) {}

  // Writes dir/prometheus.yml, starts Prometheus on `blocks` and waits until it is ready.
  static Result<std::unique_ptr<PrometheusPeer>> Start(const std::filesystem::path& dir,
                                                       const std::filesystem::path& blocks,
                                                       const PeerExtras& extras) {
    std::FILE* config = std::fopen((dir / "prometheus.yml").c_str(), "w");
    if (config == nullptr) return Status::IOError("cannot write prometheus.yml");
    std::fputs("global:\n  scrape_interval: 1h\n", config);
    std::fputs(extras.config.c_str(), config);
    std::fclose(config);
    std::unique_ptr<PrometheusPeer> peer(new PrometheusPeer(blocks));
    peer->port_ = FreePort();
    std::vector<std::string> args = {"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                                     "--storage.tsdb.path=" + blocks.string(), "--log.level=warn",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(peer->port_)};
    args.insert(args.end(), extras.flags.begin(), extras.flags.end());
    peer->pid_ = Spawn(args, (dir / "prometheus.log").string());
    if (peer->pid_ < 0) return Status::IOError("cannot start prometheus");
    httplib::Client http("127.0.0.1", peer->port_);
    http.set_connection_timeout(2, 0);
    for (int i = 0; i < 300 && kill(peer->pid_, 0) == 0; ++i) {
      auto res = http.Get("/-/ready");
      if (res && res->status == 200) return peer;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Status::IOError("prometheus did not become ready; see " + (dir / "prometheus.log").string());
  }

  std::filesystem::path blocks_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace overtone::bench

#endif  // OVERTONE_BENCH_PROMETHEUS_PEER_H_
