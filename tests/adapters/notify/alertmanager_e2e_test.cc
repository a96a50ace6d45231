// AlertmanagerSender against a real Alertmanager (Debian's
// prometheus-alertmanager, which scripts/setup.sh installs): started here on
// a free loopback port with a throwaway config and storage, clustering off,
// and stopped at the end. A firing alert with an expanded template in its
// annotations must show in GET /api/v2/alerts with its labels, annotations
// and startsAt; sent again resolved (endsAt in the past), it must be gone.
// Skipped, saying why, only when the binary is not installed.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapters/formats/value_text.h"
#include "adapters/notify/alertmanager.h"
#include "tests/support/http_receiver.h"
#include "tests/support/run_program.h"

extern char** environ;

namespace overtone::adapters {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One Alertmanager process, killed by the destructor.
class AlertmanagerProcess {
 public:
  explicit AlertmanagerProcess(const std::string& dir) : dir_(dir) {
    std::ofstream(dir + "/alertmanager.yml") << "route:\n  receiver: blackhole\n  group_wait: 1s\n"
                                                "receivers:\n  - name: blackhole\n";
  }
  ~AlertmanagerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts it on a free port and waits until /-/ready answers 200.
  bool Start() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = testing::UnusedPort();
      std::vector<std::string> args = {kBinary,
                                       "--config.file=" + dir_ + "/alertmanager.yml",
                                       "--storage.path=" + dir_ + "/data",
                                       "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                       "--cluster.listen-address=",
                                       "--log.level=warn"};
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      std::string log = dir_ + "/alertmanager.log";
      posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
      int rc = posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      if (rc != 0) return false;
      httplib::Client client("127.0.0.1", port_);
      client.set_connection_timeout(1, 0);
      for (auto until = Clock::now() + std::chrono::seconds(20); Clock::now() < until;) {
        if (auto res = client.Get("/-/ready"); res && res->status == 200) return true;
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;  // exited: the port was taken?
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    return false;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // GET /api/v2/alerts, parsed; null when it does not answer.
  nlohmann::json Alerts() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(5, 0);
    auto res = client.Get("/api/v2/alerts");
    if (!res || res->status != 200) return nullptr;
    return nlohmann::json::parse(res->body);
  }

  std::string Log() const {
    std::ifstream in(dir_ + "/alertmanager.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Polls `fn` until it is true or 20 s pass.
template <typename Fn>
bool Eventually(Fn fn) {
  for (auto until = Clock::now() + std::chrono::seconds(20); Clock::now() < until;) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return fn();
}

TEST(AlertmanagerE2eTest, FiringAlertArrivesAndResolvedAlertGoes) {
  if (!std::filesystem::exists(kBinary)) {
    GTEST_SKIP() << kBinary
                 << " is not installed (apt-get install prometheus-alertmanager; scripts/setup.sh does)";
  }
  testing::TempDir dir;
  AlertmanagerProcess am(dir.path());
  ASSERT_TRUE(am.Start()) << am.Log();

  auto sender = AlertmanagerSender::Create({am.url()});
  ASSERT_TRUE(sender.ok()) << sender.status().ToString();
  const int64_t starts = (NowMs() - 60000) / 1000 * 1000;
  Alert alert{
      {{"alertname", "InstanceDown"}, {"instance", "web-1:9100"}, {"severity", "page"}},
      {{"summary", "Instance web-1:9100 down"},
       {"description", "web-1:9100 of job \"node\" has been down for more than 5m.\nValue: 0 (µs ≥ 1)"}},
      starts,
      NowMs() + 4 * 60000,  // firing: endsAt ahead, as Prometheus sends it
      "http://overtone.test:9201/graph?g0.expr=up+%3D%3D+0&g0.tab=1"};
  (*sender)->Send({alert});

  nlohmann::json got;
  ASSERT_TRUE(Eventually([&] {
    got = am.Alerts();
    return got.is_array() && got.size() == 1;
  })) << got.dump()
      << am.Log();
  const nlohmann::json& a = got[0];
  EXPECT_EQ(
      a["labels"],
      (nlohmann::json{{"alertname", "InstanceDown"}, {"instance", "web-1:9100"}, {"severity", "page"}}));
  EXPECT_EQ(a["annotations"]["summary"], "Instance web-1:9100 down");
  EXPECT_EQ(a["annotations"]["description"],
            "web-1:9100 of job \"node\" has been down for more than 5m.\nValue: 0 (µs ≥ 1)");
  EXPECT_EQ(a["generatorURL"], alert.generator_url);
  EXPECT_EQ(a["status"]["state"], "active");
  Result<int64_t> got_starts = ParseTimeArg(a["startsAt"].get<std::string>(), 0);
  ASSERT_TRUE(got_starts.ok()) << a["startsAt"];
  EXPECT_EQ(*got_starts, starts);
  // The answer may reach the sender's thread after Alertmanager shows the alert.
  EXPECT_TRUE(Eventually([&] { return (*sender)->counters()[0].second.sent == 1; }));

  // Resolved: the same alert with endsAt in the past.
  alert.ends_at_ms = NowMs() - 1000;
  (*sender)->Send({alert});
  ASSERT_TRUE(Eventually([&] {
    got = am.Alerts();
    return got.is_array() && got.empty();
  })) << got.dump();
  EXPECT_TRUE(Eventually([&] { return (*sender)->counters()[0].second.sent == 2; }));
  EXPECT_EQ((*sender)->counters()[0].second.failed, 0u);
}

}  // namespace
}  // namespace overtone::adapters
