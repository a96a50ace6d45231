// QueryWatch: the queries running in the server, and what cancels them
// before their time limit.
//
//   - The client went away: a thread looks at each running query's client
//     socket every 50 ms; once the peer has closed it (EOF, hang-up or
//     error), the query's token is cancelled (kClientGone). The query stops
//     at its next check (the SQLite progress handler, the engine's loops),
//     well within a second. The socket is looked up (FindConnectedSocket)
//     by that thread once the query has run 100 ms: the many short queries
//     pay nothing for it.
//   - The server stops: CancelAll(kShutdown) cancels every running query,
//     and every query that starts afterwards, so that httplib's stop, which
//     waits for its handlers, waits for no query.
//
// A query's own time limit is its run's token deadline (query_api.cc); the
// run reports it back to the request's token, so that Finish counts it too.
// Counts by reason go to ServerMetrics (overtone_queries_cancelled_total).

#ifndef OVERTONE_ADAPTERS_HTTP_QUERY_WATCH_H_
#define OVERTONE_ADAPTERS_HTTP_QUERY_WATCH_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "overtone/cancel.h"

namespace overtone::adapters {

class QueryWatch {
 public:
  QueryWatch();
  ~QueryWatch();  // stops the watching thread
  QueryWatch(const QueryWatch&) = delete;
  QueryWatch& operator=(const QueryWatch&) = delete;

  // One running query, from Start to its destruction.
  class Running {
   public:
    ~Running();
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
    CancelToken* token() { return &token_; }

   private:
    friend class QueryWatch;
    explicit Running(QueryWatch* watch) : watch_(watch) {}
    QueryWatch* watch_;
    CancelToken token_;
  };

  // The two ends of a client's connection, numeric, as httplib gives them.
  struct Connection {
    std::string local_addr;
    int local_port = -1;
    std::string remote_addr;
    int remote_port = -1;
  };

  // Registers a query whose client is connected by `client` (when no such
  // socket is found, only shutdown and the time limit stop it). Already
  // cancelled when the server is stopping.
  std::unique_ptr<Running> Start(Connection client);

  // Cancels every running query and every later one.
  void CancelAll(CancelReason reason);

  size_t running() const;
  // Queries that ended cancelled, by reason (indexed by CancelReason).
  uint64_t cancelled(CancelReason reason) const {
    return cancelled_[static_cast<size_t>(reason)].load(std::memory_order_relaxed);
  }

 private:
  void Finish(Running* running);
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  struct Watched {
    Connection client;
    std::chrono::steady_clock::time_point started;
    int socket = kNotLookedUp;  // or -1: not found
  };
  static constexpr int kNotLookedUp = -2;
  std::map<Running*, Watched> running_;
  CancelReason cancel_all_ = CancelReason::kNone;
  bool stopping_ = false;
  std::array<std::atomic<uint64_t>, kNumCancelReasons> cancelled_{};
  std::thread thread_;
};

// The socket of this process connected from local_addr:local_port to
// remote_addr:remote_port (numeric addresses, as httplib gives them in a
// Request), or -1 when there is none. Looks through /proc/self/fd (Linux).
int FindConnectedSocket(const std::string& local_addr, int local_port, const std::string& remote_addr,
                        int remote_port);

// Whether the peer of connected socket `fd` has closed its end or the
// connection broke; false while it is open (even with unread bytes).
bool PeerClosed(int fd);

}  // namespace overtone::adapters

#endif  // OVERTONE_ADAPTERS_HTTP_QUERY_WATCH_H_
