// The crash test: runs crash_worker (ingest through the API and through
// remote write, compaction, flushes), kills it with SIGKILL at a random
// moment, reopens the database and checks that
//   - it opens without repair and Database::Check finds nothing wrong;
//   - every acknowledged sample, of this cycle and all before, is there,
//     exactly once (one sample per timestamp) and with its value;
//   - nothing else is there: every sample has the value its series and
//     timestamp determine (crash_model.h), and no unknown series exists.
// Cycles share one database, so later cycles also check that recovery and
// re-sealing never lose what earlier ones acknowledged.
//
//   crash_driver [--cycles N] [--seed S] [--dir DIR] [--worker PATH]
//                [--min-kill-ms MS] [--max-kill-ms MS]
//
// Prints the seed first; `--seed S` replays the same kill delays and write
// choices (thread timing still varies). On failure the directory is kept.

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/prometheus/remote_write_client.h"
#include "overtone/database.h"
#include "tests/system/crash/crash_model.h"

extern char** environ;

namespace overtone::crash {
namespace {

namespace fs = std::filesystem;

struct Args {
  int cycles = 10;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string dir;
  std::string worker;
  int min_kill_ms = 50;
  int max_kill_ms = 1500;
};

bool ParseArgs(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "crash_driver: %s needs a value\n", flag.c_str());
      return false;
    }
    std::string v = argv[++i];
    if (flag == "--cycles")
      a->cycles = std::stoi(v);
    else if (flag == "--seed")
      a->seed = std::stoull(v), a->seed_given = true;
    else if (flag == "--dir")
      a->dir = v;
    else if (flag == "--worker")
      a->worker = v;
    else if (flag == "--min-kill-ms")
      a->min_kill_ms = std::stoi(v);
    else if (flag == "--max-kill-ms")
      a->max_kill_ms = std::stoi(v);
    else {
      std::fprintf(stderr, "crash_driver: unknown flag %s\n", flag.c_str());
      return false;
    }
  }
  if (a->cycles < 1 || a->min_kill_ms < 0 || a->max_kill_ms < a->min_kill_ms) {
    std::fprintf(stderr, "crash_driver: bad --cycles or kill delays\n");
    return false;
  }
  return true;
}

// Acknowledged timestamps per series key.
using AckSet = std::map<uint32_t, std::vector<int64_t>>;

// Reads one worker ack file; a trailing partial record (cut by SIGKILL) is
// dropped.
uint64_t LoadAcks(const fs::path& path, AckSet* acks) {
  std::ifstream in(path, std::ios::binary);
  AckRecord r;
  uint64_t n = 0;
  while (in.read(reinterpret_cast<char*>(&r), sizeof r)) {
    (*acks)[r.key].push_back(r.ts);
    ++n;
  }
  return n;
}

// The driver's side of remote write: Prometheus's role. A sample counts as
// acknowledged only when Send returned OK (the server answered 2xx).
class RemoteWriteSender {
 public:
  RemoteWriteSender(int port, int cycle, uint64_t seed) : cycle_(cycle), rng_(Mix(seed ^ 0x5e17d)) {
    auto client = adapters::RemoteWriteClient::Create(
        "http://127.0.0.1:" + std::to_string(port) + "/api/v1/write",
        adapters::RemoteClientOptions{.timeout_seconds = 5, .max_attempts = 1, .first_backoff_ms = 0});
    if (client.ok()) client_ = std::move(*client);
    thread_ = std::thread([this] { Loop(); });
  }
  // Stops after the request in flight; returns what was acknowledged.
  std::vector<AckRecord> Stop() {
    stop_ = true;
    thread_.join();
    return std::move(acked_);
  }
  uint64_t failures() const { return failures_; }

 private:
  void Loop() {
    int64_t cursor = int64_t(cycle_) * kCycleSpanMs;
    for (uint64_t n = 0; !stop_ && client_ != nullptr; ++n) {
      prometheus::WriteRequest req;
      std::vector<AckRecord> batch;
      // Larger requests than the API writers' batches, as Prometheus sends.
      int forward = 1 + int(rng_() % 100);
      for (int s = 0; s < kSeriesPerStream; ++s) {
        uint32_t key = SeriesKey(kRemoteWriteStream, s);
        auto* series = req.add_timeseries();
        for (const Label& l : SeriesLabels(kRemoteWriteStream, s)) {
          auto* label = series->add_labels();
          label->set_name(l.name);
          label->set_value(l.value);
        }
        std::vector<int64_t> ts;
        for (int i = 0; i < forward; ++i) ts.push_back(cursor + i * kStepMs);
        if (n % 4 == 3 && s == int(n / 4 % kSeriesPerStream)) {  // a late one, as after a retry
          ts.insert(ts.begin(), int64_t(rng_() % uint64_t(cursor + 1)));
        }
        for (int64_t t : ts) {
          auto* sample = series->add_samples();
          sample->set_timestamp(t);
          sample->set_value(ExpectedValue(key, t));
          batch.push_back({key, 0, t});
        }
      }
      if (client_->Send(req).ok()) {
        acked_.insert(acked_.end(), batch.begin(), batch.end());
        cursor += forward * kStepMs;
      } else {
        ++failures_;  // refused or cut off by the kill: not acknowledged
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  const int cycle_;
  std::mt19937_64 rng_;
  std::unique_ptr<adapters::RemoteWriteClient> client_;
  std::atomic<bool> stop_{false};
  std::vector<AckRecord> acked_;
  uint64_t failures_ = 0;
  std::thread thread_;
};

struct Worker {
  pid_t pid = -1;
  int out = -1;  // its stdout
};

bool SpawnWorker(const Args& args, const fs::path& db, const fs::path& acks, int cycle, uint64_t seed,
                 Worker* w) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> argv_s = {args.worker,         "--db",    db.string(),           "--acks",
                                     acks.string(),       "--cycle", std::to_string(cycle), "--seed",
                                     std::to_string(seed)};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&w->pid, args.worker.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    std::fprintf(stderr, "crash_driver: cannot run %s: %s\n", args.worker.c_str(), strerror(rc));
    return false;
  }
  w->out = fds[0];
  return true;
}

// Waits for "ready PORT"; -1 when the worker died or took too long.
int WaitReady(const Worker& w) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{w.out, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    if (read(w.out, &c, 1) != 1) return -1;
    if (c == '\n') {
      if (line.rfind("ready ", 0) != 0) return -1;
      return std::stoi(line.substr(6));
    }
    line += c;
  }
  return -1;
}

struct Verdict {
  uint64_t checked = 0;  // acknowledged samples found as written
  uint64_t present = 0;  // samples in the database
  uint64_t lost = 0, duplicated = 0, wrong = 0, unknown_series = 0;
  uint64_t segments = 0;
  std::vector<std::string> problems;
  bool ok() const {
    return lost == 0 && duplicated == 0 && wrong == 0 && unknown_series == 0 && problems.empty();
  }
};

void Problem(Verdict* v, std::string what) {
  if (v->problems.size() < 20) v->problems.push_back(std::move(what));
}

// Opens the database as a user would after the crash and checks it all.
Verdict Verify(const fs::path& db_dir, AckSet* acks) {
  Verdict v;
  Options options;
  options.compaction_interval_ms = 0;  // look, don't change
  auto db = Database::Open(options, db_dir.string());
  if (!db.ok()) {
    Problem(&v, "open: " + db.status().ToString());
    return v;
  }
  auto report = (*db)->Check();
  if (!report.ok()) {
    Problem(&v, "check could not run: " + report.status().ToString());
  } else {
    for (const auto& p : report->problems) Problem(&v, "check: " + p);
    v.segments = report->segments;
  }
  auto all = (*db)->Select({});
  if (!all.ok()) {
    Problem(&v, "select: " + all.status().ToString());
    return v;
  }
  std::map<Labels, uint32_t> known;
  for (int stream = 0; stream < kStreams; ++stream) {
    for (int s = 0; s < kSeriesPerStream; ++s) known[SeriesLabels(stream, s)] = SeriesKey(stream, s);
  }
  for (const SeriesInfo& info : *all) {
    auto k = known.find(info.labels);
    if (k == known.end()) {
      ++v.unknown_series;
      Problem(&v, "unknown series " + LabelsToString(info.labels));
      continue;
    }
    uint32_t key = k->second;
    std::vector<int64_t>& want = (*acks)[key];
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    auto it = (*db)->Scan(info.id, kMinTime, kMaxTime);
    if (!it.ok()) {
      Problem(&v, "scan " + LabelsToString(info.labels) + ": " + it.status().ToString());
      continue;
    }
    size_t next_want = 0;
    int64_t prev = kMinTime;
    bool first = true;
    for (; (*it)->Valid(); (*it)->Next()) {
      Sample s = (*it)->sample();
      ++v.present;
      if (!first && s.ts <= prev) {
        ++v.duplicated;
        Problem(&v, LabelsToString(info.labels) + ": ts " + std::to_string(s.ts) + " after " +
                        std::to_string(prev));
      }
      first = false;
      prev = s.ts;
      if (!(s == Sample{s.ts, ExpectedValue(key, s.ts)})) {
        ++v.wrong;
        Problem(&v, LabelsToString(info.labels) + ": wrong value at ts " + std::to_string(s.ts));
      }
      while (next_want < want.size() && want[next_want] < s.ts) {
        ++v.lost;
        Problem(&v, LabelsToString(info.labels) + ": acknowledged ts " + std::to_string(want[next_want]) +
                        " missing");
        ++next_want;
      }
      if (next_want < want.size() && want[next_want] == s.ts) ++v.checked, ++next_want;
    }
    if (!(*it)->status().ok())
      Problem(&v, "scan " + LabelsToString(info.labels) + ": " + (*it)->status().ToString());
    for (; next_want < want.size(); ++next_want) {
      ++v.lost;
      Problem(&v, LabelsToString(info.labels) + ": acknowledged ts " + std::to_string(want[next_want]) +
                      " missing");
    }
    known.erase(k);
  }
  // A series with acknowledged samples must exist.
  for (const auto& [labels, key] : known) {
    if (auto a = acks->find(key); a != acks->end() && !a->second.empty()) {
      v.lost += a->second.size();
      Problem(&v, "series " + LabelsToString(labels) + " with acknowledged samples is missing");
    }
  }
  return v;
}

int Run(const Args& in) {
  Args args = in;
  if (!args.seed_given) args.seed = std::random_device{}() ^ uint64_t(time(nullptr)) << 20;
  bool own_dir = args.dir.empty();
  if (own_dir) {
    std::string tmpl = (fs::temp_directory_path() / "overtone-crash-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return 2;
    args.dir = tmpl;
  }
  const fs::path db_dir = fs::path(args.dir) / "db", acks_dir = fs::path(args.dir) / "acks";
  fs::create_directories(acks_dir);
  std::printf("crash test: seed %llu, %d cycles, kill after %d-%d ms, in %s\n",
              static_cast<unsigned long long>(args.seed), args.cycles, args.min_kill_ms, args.max_kill_ms,
              args.dir.c_str());
  std::printf("replay: crash_driver --seed %llu --cycles %d\n", static_cast<unsigned long long>(args.seed),
              args.cycles);
  std::fflush(stdout);

  std::mt19937_64 rng(args.seed);
  AckSet acks;
  uint64_t total_acked = 0;
  Verdict last;
  auto started = std::chrono::steady_clock::now();
  for (int cycle = 1; cycle <= args.cycles; ++cycle) {
    uint64_t worker_seed = rng();
    int kill_ms = args.min_kill_ms + int(rng() % uint64_t(args.max_kill_ms - args.min_kill_ms + 1));
    // One cycle in five is killed while it starts: replaying the log,
    // loading the index, or in its first compaction of what the last cycle
    // left raw.
    bool during_startup = rng() % 5 == 0;
    if (during_startup) kill_ms = int(rng() % 200);
    Worker w;
    if (!SpawnWorker(args, db_dir, acks_dir, cycle, worker_seed, &w)) return 1;
    std::vector<AckRecord> rw;
    if (during_startup) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kill_ms));
      kill(w.pid, SIGKILL);
    } else {
      int port = WaitReady(w);
      if (port <= 0) {
        kill(w.pid, SIGKILL);
        waitpid(w.pid, nullptr, 0);
        std::printf("FAIL cycle %d: the worker did not come up (database failed to open?)\n", cycle);
        return 1;
      }
      RemoteWriteSender sender(port, cycle, worker_seed);
      std::this_thread::sleep_for(std::chrono::milliseconds(kill_ms));
      kill(w.pid, SIGKILL);
      rw = sender.Stop();
    }
    int status = 0;
    waitpid(w.pid, &status, 0);
    close(w.out);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      std::printf("FAIL cycle %d: the worker ended before the kill (status %d)\n", cycle, status);
      return 1;
    }
    uint64_t api = 0;
    for (int stream = 0; stream < kApiWriters; ++stream)
      api += LoadAcks(acks_dir / AckFileName(cycle, stream), &acks);
    for (const AckRecord& r : rw) acks[r.key].push_back(r.ts);
    total_acked += api + rw.size();

    last = Verify(db_dir, &acks);
    std::printf(
        "cycle %2d: killed after %4d ms%s; acknowledged %6llu via API, %6llu via remote write; "
        "database holds %llu samples in %llu segments + raw; %llu acknowledged checked, "
        "%llu lost, %llu duplicated, %llu wrong\n",
        cycle, kill_ms, during_startup ? " (start-up)" : "", static_cast<unsigned long long>(api),
        static_cast<unsigned long long>(rw.size()), static_cast<unsigned long long>(last.present),
        static_cast<unsigned long long>(last.segments), static_cast<unsigned long long>(last.checked),
        static_cast<unsigned long long>(last.lost), static_cast<unsigned long long>(last.duplicated),
        static_cast<unsigned long long>(last.wrong));
    std::fflush(stdout);
    if (!last.ok()) {
      for (const auto& p : last.problems) std::printf("  %s\n", p.c_str());
      std::printf("FAIL at cycle %d; database kept in %s; replay with --seed %llu\n", cycle, args.dir.c_str(),
                  static_cast<unsigned long long>(args.seed));
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "PASS: %d cycles in %.1f s, %llu samples acknowledged, %llu distinct checked after the last "
      "kill, 0 lost, 0 duplicated, 0 wrong (seed %llu)\n",
      args.cycles, seconds, static_cast<unsigned long long>(total_acked),
      static_cast<unsigned long long>(last.checked), static_cast<unsigned long long>(args.seed));
  if (own_dir) fs::remove_all(args.dir);
  return 0;
}

}  // namespace
}  // namespace overtone::crash

int main(int argc, char** argv) {
  overtone::crash::Args args;
  if (!overtone::crash::ParseArgs(argc, argv, &args)) return 2;
  if (args.worker.empty()) {
    args.worker = (std::filesystem::path(argv[0]).parent_path() / "crash_worker").string();
  }
  return overtone::crash::Run(args);
}
