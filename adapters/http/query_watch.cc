#include "adapters/http/query_watch.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace overtone::adapters {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr auto kLookUpAfter = std::chrono::milliseconds(100);  // the socket of a query running this long

// The numeric host and port of a socket address, as httplib writes them.
bool HostAndPort(const sockaddr_storage& addr, socklen_t len, std::string* host, int* port) {
  char h[NI_MAXHOST], p[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, h, sizeof h, p, sizeof p,
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  *host = h;
  *port = std::atoi(p);
  return true;
}

}  // namespace

int FindConnectedSocket(const std::string& local_addr, int local_port, const std::string& remote_addr,
                        int remote_port) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    char* end = nullptr;
    const std::string name = it->path().filename().string();
    long fd = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str() || *end != '\0') continue;
    struct stat st;
    if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage addr;
    socklen_t len = sizeof addr;
    std::string host;
    int port = 0;
    if (getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        !HostAndPort(addr, len, &host, &port) || port != remote_port || host != remote_addr) {
      continue;
    }
    len = sizeof addr;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        !HostAndPort(addr, len, &host, &port) || port != local_port || host != local_addr) {
      continue;
    }
    return static_cast<int>(fd);
  }
  return -1;
}

bool PeerClosed(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return true;
  // Readable: more requests pipelined behind this one, or the end of the stream.
  char c;
  return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

QueryWatch::Running::~Running() { watch_->Finish(this); }

QueryWatch::QueryWatch() : thread_([this] { Loop(); }) {}

QueryWatch::~QueryWatch() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::unique_ptr<QueryWatch::Running> QueryWatch::Start(Connection client) {
  std::unique_ptr<Running> r(new Running(this));
  std::lock_guard lock(mu_);
  if (cancel_all_ != CancelReason::kNone) r->token_.Cancel(cancel_all_);
  running_.emplace(r.get(), Watched{std::move(client), std::chrono::steady_clock::now()});
  return r;
}

void QueryWatch::Finish(Running* running) {
  const CancelReason reason = running->token_.reason();
  if (reason != CancelReason::kNone) cancelled_[static_cast<size_t>(reason)].fetch_add(1);
  std::lock_guard lock(mu_);
  running_.erase(running);
}

void QueryWatch::CancelAll(CancelReason reason) {
  std::lock_guard lock(mu_);
  cancel_all_ = reason;
  for (auto& [r, watched] : running_) r->token_.Cancel(reason);
}

size_t QueryWatch::running() const {
  std::lock_guard lock(mu_);
  return running_.size();
}

void QueryWatch::Loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, kPollInterval, [this] { return stopping_; })) {
    // Under the lock: a query's socket stays open (httplib closes it after
    // the handler returns, and Finish waits for the lock) while it is polled.
    const auto now = std::chrono::steady_clock::now();
    for (auto& [r, w] : running_) {
      if (w.socket == kNotLookedUp && now - w.started >= kLookUpAfter) {
        w.socket = FindConnectedSocket(w.client.local_addr, w.client.local_port, w.client.remote_addr,
                                       w.client.remote_port);
      }
      if (w.socket >= 0 && r->token_.reason() == CancelReason::kNone && PeerClosed(w.socket)) {
        r->token_.Cancel(CancelReason::kClientGone);
      }
    }
  }
}

}  // namespace overtone::adapters
