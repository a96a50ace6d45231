// The process the crash test kills. It opens the database (recovering from
// the previous kill), serves remote write on a loopback port for the
// driver's sender, and until it is killed: writes through the API from
// kApiWriters threads, seals segments with the background compactor running
// back to back, and flushes memtables now and then, so a SIGKILL can land in
// any of them.
//
//   crash_worker --db DIR --acks DIR --cycle N --seed S
//
// Prints "ready PORT" on stdout once serving. Exits by itself (status 0)
// after --max-seconds if nobody killed it, and with status 2 on any error.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/server.h"
#include "overtone/database.h"
#include "tests/system/crash/crash_model.h"

namespace overtone::crash {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "crash_worker: %s\n", what.c_str());
  std::fflush(stderr);
  _exit(2);
}

struct Args {
  std::string db, acks;
  int cycle = 0;
  uint64_t seed = 0;
  int max_seconds = 60;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--db")
      a.db = value;
    else if (flag == "--acks")
      a.acks = value;
    else if (flag == "--cycle")
      a.cycle = std::stoi(value);
    else if (flag == "--seed")
      a.seed = std::stoull(value);
    else if (flag == "--max-seconds")
      a.max_seconds = std::stoi(value);
    else
      Fail("unknown flag " + flag);
  }
  if (a.db.empty() || a.acks.empty()) Fail("usage: crash_worker --db DIR --acks DIR --cycle N --seed S");
  return a;
}

// One API writer: batches of forward samples for each of its series, and
// every few batches some late ones anywhere before the cycle's cursor (into
// windows that are sealed already, so they get merged and re-sealed).
void WriteLoop(Database* db, const Args& args, int stream) {
  std::string path = args.acks + "/" + AckFileName(args.cycle, stream);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) Fail("cannot create " + path);
  std::mt19937_64 rng(Mix(args.seed ^ uint64_t(stream) << 32 ^ uint64_t(args.cycle)));
  const int64_t base = int64_t(args.cycle) * kCycleSpanMs;
  int64_t cursor = base;
  std::vector<AckRecord> acks;
  for (uint64_t n = 0;; ++n) {
    WriteBatch batch;
    acks.clear();
    int forward = 1 + int(rng() % 20);
    for (int s = 0; s < kSeriesPerStream; ++s) {
      uint32_t key = SeriesKey(stream, s);
      Labels labels = SeriesLabels(stream, s);
      for (int i = 0; i < forward; ++i) {
        int64_t ts = cursor + i * kStepMs;
        batch.Add(labels, ts, ExpectedValue(key, ts));
        acks.push_back({key, 0, ts});
      }
    }
    if (n % 4 == 3) {
      for (int i = 0; i < 5; ++i) {
        int s = int(rng() % kSeriesPerStream);
        uint32_t key = SeriesKey(stream, s);
        int64_t ts = int64_t(rng() % uint64_t(cursor + 1));
        batch.Add(SeriesLabels(stream, s), ts, ExpectedValue(key, ts));
        acks.push_back({key, 0, ts});
      }
    }
    Status st = db->Write(batch);
    if (!st.ok()) Fail("write: " + st.ToString());
    // Acknowledged: record it. One write(2) per batch; SIGKILL may cut it,
    // and the driver ignores a partial record.
    size_t bytes = acks.size() * sizeof(AckRecord);
    if (write(fd, acks.data(), bytes) != ssize_t(bytes)) Fail("cannot append to " + path);
    cursor += forward * kStepMs;
  }
}

int Run(const Args& args) {
  Options options;
  options.segment_span_ms = kSegmentSpanMs;
  options.head_window_ms = 0;
  // Every written window is long past by the wall clock, so each run seals
  // whatever closed windows have raw samples: sealing goes on all the time.
  options.compaction_interval_ms = 20;
  options.write_buffer_bytes = 4u << 20;  // small memtables: flushes happen too
  auto db = Database::Open(options, args.db);
  if (!db.ok()) Fail("open after the previous kill: " + db.status().ToString());

  adapters::ServerOptions server_options;
  server_options.port = 0;
  server_options.threads = 4;
  adapters::HttpServer server(db->get(), server_options);
  if (Status s = server.Start(); !s.ok()) Fail("serve: " + s.ToString());

  std::vector<std::thread> writers;
  for (int w = 0; w < kApiWriters; ++w) {
    writers.emplace_back([&, w] { WriteLoop(db->get(), args, w); });
  }
  std::printf("ready %d\n", server.port());
  std::fflush(stdout);

  // Flushes make SST files appear (and the WAL roll over) while the rest
  // goes on; the driver kills us somewhere in all this.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.max_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    if (Status s = (*db)->Flush(); !s.ok()) Fail("flush: " + s.ToString());
  }
  std::fprintf(stderr, "crash_worker: not killed within %d s, exiting\n", args.max_seconds);
  std::fflush(stderr);
  _exit(0);
}

}  // namespace
}  // namespace overtone::crash

int main(int argc, char** argv) { return overtone::crash::Run(overtone::crash::ParseArgs(argc, argv)); }
