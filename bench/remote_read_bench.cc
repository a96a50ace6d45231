// remote_read_bench: the path a Prometheus uses to read its history back,
// overtone's /api/v1/read against Prometheus's own, on the same data in the
// same run.
//
//   remote_read_bench [--hosts 100] [--duration 24h] [--runs 7] [--no-prometheus] [--dir PARENT] [--keep]
//                     [--no-shared-timestamps] [--only TEXT] [--cold-runs 5] [--memory-limit BYTES]
//
// HOW IT WORKS
// An emulated fleet (7 series a host, 15 s scrapes, ending 2024-05-01) is
// written as OpenMetrics, imported into an overtone database and sealed
// into segments as a long-running server would have it, and backfilled into
// a Prometheus TSDB with promtool. overtone's HttpServer runs in this
// process on a free loopback port; Prometheus in its own. Each case is one
// ReadRequest, read in full and decoded by the same client
// (adapters/prometheus/remote_read_client.h) for both servers:
//   wide    every series, the whole range
//   narrow  cpu_usage_percent of every host, the last hour
// each as STREAMED_XOR_CHUNKS and as SAMPLES. The two servers answer each
// case in turn, run after run, the order swapped each run (a read right
// after the other server's pays for what that one left behind), at least
// --runs times and more (up to 50×) until a second has passed; figures are
// the medians. The samples both
// servers return must be the same (count and a hash of labels, timestamps
// and value bits), or the benchmark fails.
// The ratio is Prometheus's time / overtone's: above 1, overtone is faster.
// Beside it, each server's CPU per read and the client thread's CPU per
// read of each server's answer: when the client's is about the wall time,
// the client is the bound, and the ratio says more about the decoding of
// the two answers than about the servers. So each warm read is also taken
// as bytes only: "last byte", the time to the answer's last byte with
// each frame's length and CRC checked but nothing parsed or decoded, the
// servers' and the transfer's time.
// Cold: each case is then read again --cold-runs times, each time as the
// first read after overtone's database was closed and opened again (its
// caches empty; the operating system's page cache stays warm, as it does
// for Prometheus, which keeps no cache of its own for this path and is read
// alternately as before). Restarted: the same, but opened as `overtone
// serve` opens it (Options::warm_xor_chunks_at_open; the warm reads left the
// read hint), each read once the reopen's warm-up of the chunk cache has
// finished; the warm-up's time from open is printed apart.
// --memory-limit opens overtone's database and server as `overtone serve
// --memory-limit` does (Options::memory_limit_bytes, the request budget
// its share), its caches then sized by their shares of the limit.

#include <httplib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/emulator/emulator.h"
#include "adapters/formats/importer.h"
#include "adapters/http/server.h"
#include "adapters/prometheus/chunked_frame.h"
#include "adapters/prometheus/remote_read_client.h"
#include "bench/bench_cli.h"
#include "bench/fleet_file.h"
#include "bench/prometheus_peer.h"
#include "overtone/database.h"

namespace {

namespace fs = std::filesystem;
using namespace overtone;
using Clock = std::chrono::steady_clock;

constexpr int64_t kEnd = 1714521600000;  // 2024-05-01T00:00:00Z: the same data every run
constexpr int64_t kHour = 3600 * 1000;

struct Config {
  int hosts = 100;
  std::string duration = "24h";
  int runs = 7;
  bool prometheus = true;
  std::string dir;
  bool keep = false;
  bool share_timestamps = true;
  std::string only;   // run only the cases whose name holds this
  int cold_runs = 5;  // first reads after a reopen, per case; 0: none
  size_t memory_limit = 0;
};

// overtone's server as `overtone serve` runs it, under --memory-limit if given.
adapters::ServerOptions ServerOptionsFor(const Options& options) {
  adapters::ServerOptions so;
  so.port = 0;
  so.SetMemoryLimit(options.memory_limit_bytes);
  return so;
}

// What a read returned, to check that both servers answered alike.
struct Answer {
  uint64_t series_calls = 0, samples = 0, hash = 1469598103934665603ull;
  // A word at a time: this client's work is added to both servers' times,
  // and hashing byte by byte was 40% of it in a wide read.
  void Mix(uint64_t v) {
    hash = (hash ^ v) * 0x9e3779b97f4a7c15ull;
    hash ^= hash >> 29;
  }
  bool operator==(const Answer& o) const { return samples == o.samples && hash == o.hash; }
};

struct Case {
  const char* name;
  std::vector<LabelMatcher> matchers;
  int64_t start_ms, end_ms;
  adapters::RemoteReadMode mode;
};

double CpuMs(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// The CPU a server used: overtone's (pid 0) is this process's less the
// calling thread's, which runs the client; Prometheus's is its process's
// (in clock ticks: a figure averaged over many reads).
double ServerCpuMs(pid_t pid) {
  if (pid == 0) return CpuMs(CLOCK_PROCESS_CPUTIME_ID) - CpuMs(CLOCK_THREAD_CPUTIME_ID);
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields 14 and 15 (utime, stime) follow the command name's closing parenthesis.
  std::string_view rest = std::string_view(stat).substr(stat.rfind(')') + 2);
  unsigned long long ticks[2] = {0, 0};
  for (int field = 3, n = 0; field <= 15 && !rest.empty(); ++field) {
    size_t end = rest.find(' ');
    if (field >= 14) ticks[n++] = std::stoull(std::string(rest.substr(0, end)));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  }
  return static_cast<double>(ticks[0] + ticks[1]) * 1e3 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// One full read; *answer gets what came back. Series arrive sorted by labels
// from both servers, possibly in several pieces, so the hash is order-exact.
// *cpu_ms: the CPU the server (`server_pid`, 0 for this process) used meanwhile.
Status ReadOnce(int port, pid_t server_pid, const Case& c, Answer* answer, double* ms, double* cpu_ms,
                double* client_ms) {
  adapters::RemoteReadOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/read";
  o.matchers = c.matchers;
  o.start_ms = c.start_ms;
  o.end_ms = c.end_ms;
  o.slice_ms = c.end_ms - c.start_ms + 1;  // one request
  o.mode = c.mode;
  o.client.max_attempts = 1;
  o.client.timeout_seconds = 120;
  *answer = Answer{};
  const double cpu = ServerCpuMs(server_pid);
  const double client = CpuMs(CLOCK_THREAD_CPUTIME_ID);
  auto t = Clock::now();
  Status s = adapters::RemoteRead(o, [&](const Labels& labels, std::span<const Sample> samples) {
    ++answer->series_calls;
    for (const Label& l : labels) {
      for (const std::string* text : {&l.name, &l.value}) {
        answer->Mix(text->size());
        for (char ch : *text) answer->Mix(static_cast<unsigned char>(ch));
      }
    }
    for (const Sample& smp : samples) {
      uint64_t bits;
      std::memcpy(&bits, &smp.value, sizeof bits);
      answer->Mix(static_cast<uint64_t>(smp.ts));
      answer->Mix(bits);
    }
    answer->samples += samples.size();
    return Status::OK();
  });
  *ms = std::chrono::duration<double>(Clock::now() - t).count() * 1000;
  *cpu_ms = ServerCpuMs(server_pid) - cpu;
  *client_ms = CpuMs(CLOCK_THREAD_CPUTIME_ID) - client;
  return s;
}

// One full read taken as bytes only: each frame of a streamed answer
// checked (its length and CRC) but not parsed or decoded, a SAMPLES answer
// received whole. Its time is the servers' and the transfer's, without the
// client's decoding that ReadOnce's time is mostly made of.
Status FetchOnce(int port, const Case& c, double* ms) {
  adapters::RemoteReadOptions o;
  o.matchers = c.matchers;
  o.mode = c.mode;
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  httplib::Request r;
  r.method = "POST";
  r.path = "/api/v1/read";
  r.headers = {{"Content-Encoding", "snappy"}, {"X-Prometheus-Remote-Read-Version", "0.1.0"}};
  r.body = adapters::EncodeReadRequestBody(o, c.start_ms, c.end_ms);
  r.set_header("Content-Type", "application/x-protobuf");
  bool streamed = false;
  int status = 0;
  size_t bytes = 0;
  std::string buf;
  r.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    streamed = res.get_header_value("Content-Type").starts_with("application/x-streamed-protobuf");
    return true;
  };
  r.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    bytes += n;
    if (!streamed) return true;
    buf.append(data, n);
    std::string_view in = buf;
    while (!in.empty()) {
      std::string_view message;
      if (!adapters::ReadChunkedFrame(&in, &message).ok()) break;  // the rest of it is still to come
    }
    buf.erase(0, buf.size() - in.size());
    return true;
  };
  const auto t = Clock::now();
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = client.send(r, res, err);
  *ms = std::chrono::duration<double>(Clock::now() - t).count() * 1000;
  if (!sent) return Status::IOError("no answer: " + httplib::to_string(err));
  if (status != 200) return Status::IOError("HTTP " + std::to_string(status));
  if (bytes == 0) return Status::Corruption("an empty answer");
  if (!buf.empty()) return Status::Corruption("the answer ends inside a frame, or a frame is corrupt");
  return Status::OK();
}

struct Timings {
  double ours_ms = 0, theirs_ms = 0;
  double ours_cpu_ms = 0, theirs_cpu_ms = 0;        // the server's CPU per read, mean
  double ours_client_ms = 0, theirs_client_ms = 0;  // the client thread's CPU per read, mean
  double ours_fetch_ms = 0, theirs_fetch_ms = 0;    // FetchOnce's, median; 0: not measured
  int runs = 0;
};

// `v` with `digits` decimals; by default two below 10 and one above, so
// that a read of a millisecond or two keeps its second figure.
std::string Fixed(double v, int digits = -1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits >= 0 ? digits : v < 10 ? 2 : 1, v);
  return buf;
}

double Median(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Milliseconds of each read, ours and Prometheus's.
struct Samples {
  std::vector<double> ours, theirs;
  double ours_cpu = 0, theirs_cpu = 0;  // summed over the runs
  double ours_client = 0, theirs_client = 0;
  std::vector<double> ours_fetch, theirs_fetch;

  void Summarize(Timings* t) const {
    t->ours_fetch_ms = ours_fetch.empty() ? 0 : Median(ours_fetch);
    t->theirs_fetch_ms = theirs_fetch.empty() ? 0 : Median(theirs_fetch);
    t->ours_ms = Median(ours);
    t->theirs_ms = theirs.empty() ? 0 : Median(theirs);
    t->runs = static_cast<int>(ours.size());
    t->ours_cpu_ms = ours_cpu / static_cast<double>(ours.size());
    t->theirs_cpu_ms = theirs.empty() ? 0 : theirs_cpu / static_cast<double>(theirs.size());
    t->ours_client_ms = ours_client / static_cast<double>(ours.size());
    t->theirs_client_ms = theirs.empty() ? 0 : theirs_client / static_cast<double>(theirs.size());
  }
};

// Prometheus's port (0: not measured) and process.
struct Peer {
  int port = 0;
  pid_t pid = 0;
};

// Runs `ours`, and `theirs` too when `with_theirs`, theirs first when
// `theirs_first`.
template <typename Ours, typename Theirs>
Status InOrder(bool with_theirs, bool theirs_first, const Ours& ours, const Theirs& theirs) {
  if (!with_theirs) return ours();
  OT_RETURN_IF_ERROR(theirs_first ? theirs() : ours());
  return theirs_first ? ours() : theirs();
}

// One read of each server (of ours alone when Prometheus's port is 0), in
// the order `theirs_first` says. The second follows the first, and
// whatever work that one left behind (a Go server's garbage collection
// after a large answer): callers alternate the order, so that the reads of
// each server follow the reads of each alike.
Status ReadBoth(int port, const Peer& prom, const Case& c, bool theirs_first, Answer* ours, Answer* theirs,
                Samples* s) {
  auto read_ours = [&]() -> Status {
    double one, cpu, client;
    OT_RETURN_IF_ERROR(ReadOnce(port, 0, c, ours, &one, &cpu, &client));
    s->ours.push_back(one);
    s->ours_cpu += cpu;
    s->ours_client += client;
    return Status::OK();
  };
  auto read_theirs = [&]() -> Status {
    double one, cpu, client;
    OT_RETURN_IF_ERROR(
        ReadOnce(prom.port, prom.pid, c, theirs, &one, &cpu, &client).WithContext("prometheus"));
    s->theirs.push_back(one);
    s->theirs_cpu += cpu;
    s->theirs_client += client;
    return Status::OK();
  };
  return InOrder(prom.port != 0, theirs_first, read_ours, read_theirs);
}

// The same as bytes only (FetchOnce), in the same order.
Status FetchBoth(int port, const Peer& prom, const Case& c, bool theirs_first, Samples* s) {
  auto fetch_ours = [&]() -> Status {
    double ms;
    OT_RETURN_IF_ERROR(FetchOnce(port, c, &ms).WithContext("fetching overtone's answer"));
    s->ours_fetch.push_back(ms);
    return Status::OK();
  };
  auto fetch_theirs = [&]() -> Status {
    double ms;
    OT_RETURN_IF_ERROR(FetchOnce(prom.port, c, &ms).WithContext("fetching Prometheus's answer"));
    s->theirs_fetch.push_back(ms);
    return Status::OK();
  };
  return InOrder(prom.port != 0, theirs_first, fetch_ours, fetch_theirs);
}

// Runs a case on both servers in turn, run after run, in alternating
// order, so that what else the machine does weighs on both alike; at least
// `runs` runs, and more (up to 50× as many) until a second has passed, so
// that a read of a few milliseconds gets a median a passing stall does not
// move. `prom.port` 0: overtone only.
Status MeasureCase(int port, const Peer& prom, const Case& c, int runs, Answer* ours, Answer* theirs,
                   Timings* t) {
  Samples s;
  const auto start = Clock::now();
  while (static_cast<int>(s.ours.size()) < runs ||
         (static_cast<int>(s.ours.size()) < 50 * runs && Clock::now() - start < std::chrono::seconds(1))) {
    const bool theirs_first = s.ours.size() % 2 == 1;
    OT_RETURN_IF_ERROR(ReadBoth(port, prom, c, theirs_first, ours, theirs, &s));
    OT_RETURN_IF_ERROR(FetchBoth(port, prom, c, theirs_first, &s));
  }
  s.Summarize(t);
  return Status::OK();
}

// overtone's database and server, opened again for each cold read.
struct Served {
  std::unique_ptr<Database> db;
  std::unique_ptr<adapters::HttpServer> server;
};

Status Serve(const Options& options, const fs::path& path, Served* out) {
  if (out->server) out->server->Stop();
  out->server.reset();
  out->db.reset();
  OT_ASSIGN_OR_RETURN(out->db, Database::Open(options, path.string()));
  out->server = std::make_unique<adapters::HttpServer>(out->db.get(), ServerOptionsFor(options));
  return out->server->Start();
}

// What the reopens of a restarted server spent warming the chunk cache
// (Options::warm_xor_chunks_at_open) before its first read, mean a reopen.
struct WarmUp {
  double ms = 0;
  double segments = 0;
  double cache_mib = 0;
};

// `runs` first reads after a reopen of overtone's database, each followed
// by one of Prometheus's. `warm`: opened as `overtone serve` opens it, each
// read once the reopen's warm-up has finished (its time in *warm_up).
Status MeasureCold(const Options& options, const fs::path& path, Served* served, const Peer& prom,
                   const Case& c, int runs, bool warm, Answer* ours, Answer* theirs, Timings* t,
                   WarmUp* warm_up) {
  Options opened = options;
  opened.warm_xor_chunks_at_open = warm;
  Samples s;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    OT_RETURN_IF_ERROR(Serve(opened, path, served));
    DatabaseStats st = served->db->GetStats();
    for (; warm && st.xor_chunk_warming; st = served->db->GetStats()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (warm) {
      warm_up->ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count() / runs;
      warm_up->segments += static_cast<double>(st.xor_chunk_warm_segments) / runs;
      warm_up->cache_mib += static_cast<double>(st.xor_chunk_cache_bytes) / (1 << 20) / runs;
    }
    // Ours first: the first read after the reopen.
    OT_RETURN_IF_ERROR(ReadBoth(served->server->port(), prom, c, /*theirs_first=*/false, ours, theirs, &s));
  }
  s.Summarize(t);
  return Status::OK();
}

// Nothing when the bench should run, else its exit status.
std::optional<int> ParseArgs(int argc, char** argv, Config* c) {
  bench::BenchCli cli("remote_read_bench",
                      "/api/v1/read, overtone's against Prometheus's own on the same data.");
  CLI::App& app = cli.app();
  app.add_option("--hosts", c->hosts, "hosts emulated")->check(bench::Number(1));
  app.add_option("--duration", c->duration, "time span of the samples")->check(bench::Duration());
  bench::AddRuns(app, &c->runs);
  bench::AddNoPrometheus(app, &c->prometheus);
  bench::AddDir(app, &c->dir);
  bench::AddKeep(app, &c->keep);
  app.add_flag_callback(
      "--no-shared-timestamps", [c] { c->share_timestamps = false; }, "store each series' timestamps apart");
  app.add_option("--only", c->only,
                 "run only the cases whose name holds this text (\"narrow\", \"samples\")");
  app.add_option("--cold-runs", c->cold_runs,
                 "first reads after reopening overtone's database, per case (0: none)")
      ->check(bench::Number(0));
  app.add_option("--memory-limit", c->memory_limit,
                 "overtone's memory limit in bytes, as serve --memory-limit (0: none)");
  return cli.Parse(argc, argv);
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "remote_read_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (std::optional<int> exit = ParseArgs(argc, argv, &cfg)) return *exit;
  auto duration = adapters::ParseDurationMs(cfg.duration);
  if (!duration.ok()) return Fail("--duration", duration.status());
  adapters::EmulatorOptions eo;
  eo.hosts = cfg.hosts;
  eo.end_ms = kEnd;
  eo.start_ms = kEnd - *duration;
  fs::path parent = cfg.dir.empty() ? fs::temp_directory_path() : fs::path(cfg.dir);
  fs::path dir = parent / ("remote_read_bench." + std::to_string(getpid()));
  fs::create_directories(dir);

  // The data: a file for promtool, an imported and sealed database for overtone.
  const std::string om = (dir / "fleet.om").string();
  if (Status s = bench::WriteFleetOpenMetrics(eo, om); !s.ok()) return Fail("fleet.om", s);
  Options options;
  options.compaction_interval_ms = 0;
  options.share_timestamp_columns = cfg.share_timestamps;
  options.memory_limit_bytes = cfg.memory_limit;
  const fs::path db_path = dir / "overtone";
  adapters::ImportStats stats;
  Served served;
  {
    auto db = Database::Open(options, db_path.string());
    if (!db.ok()) return Fail("open database", db.status());
    adapters::ImportStats imported;
    if (Status s = adapters::ImportFile(db->get(), om, adapters::ImportOptions{}, &imported); !s.ok()) {
      return Fail("import", s);
    }
    stats = imported;
    if (auto sealed = (*db)->Compact(kMaxTime); !sealed.ok()) return Fail("seal", sealed.status());
    served.db = std::move(*db);
    served.server = std::make_unique<adapters::HttpServer>(served.db.get(), ServerOptionsFor(options));
    if (Status s = served.server->Start(); !s.ok()) return Fail("start server", s);
  }

  std::unique_ptr<bench::PrometheusPeer> prom;
  if (cfg.prometheus && bench::PrometheusPeer::Available()) {
    auto peer = bench::PrometheusPeer::Backfill(om, dir);
    if (!peer.ok()) return Fail("prometheus", peer.status());
    prom = std::move(*peer);
  }

  LabelMatcher any_name{MatchType::kRegexMatch, "__name__", ".+"};
  LabelMatcher cpu{MatchType::kEqual, "__name__", "cpu_usage_percent"};
  const std::vector<Case> cases = {
      {"wide, streamed", {any_name}, eo.start_ms, kEnd, adapters::RemoteReadMode::kPreferStreamed},
      {"wide, samples", {any_name}, eo.start_ms, kEnd, adapters::RemoteReadMode::kSamplesOnly},
      {"narrow 1h, streamed", {cpu}, kEnd - kHour, kEnd, adapters::RemoteReadMode::kPreferStreamed},
      {"narrow 1h, samples", {cpu}, kEnd - kHour, kEnd, adapters::RemoteReadMode::kSamplesOnly},
  };
  std::printf(
      "remote read: %d hosts, %llu series, %llu samples over %s; median of at least %d runs, "
      "alternating between the servers\n\n",
      cfg.hosts, static_cast<unsigned long long>(stats.series),
      static_cast<unsigned long long>(stats.samples), cfg.duration.c_str(), cfg.runs);
  std::printf("%-28s %10s %6s %12s %12s %8s %13s %13s %15s %15s %8s\n", "case", "samples", "runs",
              "overtone ms", "prometh. ms", "ratio", "ot srv CPU ms", "pr srv CPU ms", "client CPU ms",
              "last byte ms", "ratio");
  // Pass 0 warm, as a long-running server reads; pass 1 cold, the caches
  // empty; pass 2 restarted, as `overtone serve` opens the database (after
  // the warm reads, it holds the read hint), once its warm-up finished.
  std::vector<std::string> warm_ups;
  for (int pass = 0; pass < (cfg.cold_runs > 0 ? 3 : 1); ++pass) {
    for (const Case& c : cases) {
      if (std::string_view(c.name).find(cfg.only) == std::string_view::npos) continue;
      Answer ours, theirs;
      Timings t;
      WarmUp warm_up;
      const Peer peer = prom ? Peer{prom->port(), prom->pid()} : Peer{};
      Status measured = pass == 0 ? MeasureCase(served.server->port(), peer, c, cfg.runs, &ours, &theirs, &t)
                                  : MeasureCold(options, db_path, &served, peer, c, cfg.cold_runs, pass == 2,
                                                &ours, &theirs, &t, &warm_up);
      const std::string name = std::string(c.name) + (pass == 0   ? ""
                                                      : pass == 1 ? " (cold)"
                                                                  : " (restarted)");
      if (pass == 2) {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "  %-26s warm-up %.0f ms from open, %.0f segments, %.1f MiB of chunks\n", name.c_str(),
                      warm_up.ms, warm_up.segments, warm_up.cache_mib);
        warm_ups.push_back(buf);
      }
      if (!measured.ok()) return Fail(name, measured);
      std::string prom_cell = "-", ratio_cell = "-", prom_cpu_cell = "-",
                  client_cell = Fixed(t.ours_client_ms);
      std::string fetch_cell = t.ours_fetch_ms > 0 ? Fixed(t.ours_fetch_ms) : "-", fetch_ratio_cell = "-";
      if (prom) {
        if (!(ours == theirs)) {
          return Fail(name,
                      Status::Corruption("overtone returned " + std::to_string(ours.samples) +
                                         " samples, Prometheus " + std::to_string(theirs.samples) +
                                         (ours.samples == theirs.samples ? " (different values)" : "")));
        }
        prom_cell = Fixed(t.theirs_ms);
        ratio_cell = Fixed(t.theirs_ms / t.ours_ms, 2) + "x";
        prom_cpu_cell = Fixed(t.theirs_cpu_ms, 2);
        client_cell += "/" + Fixed(t.theirs_client_ms);
        if (t.ours_fetch_ms > 0) {
          fetch_cell += "/" + Fixed(t.theirs_fetch_ms);
          fetch_ratio_cell = Fixed(t.theirs_fetch_ms / t.ours_fetch_ms, 2) + "x";
        }
      }
      std::printf("%-28s %10llu %6d %12s %12s %8s %13.2f %13s %15s %15s %8s\n", name.c_str(),
                  static_cast<unsigned long long>(ours.samples), t.runs, Fixed(t.ours_ms).c_str(),
                  prom_cell.c_str(), ratio_cell.c_str(), t.ours_cpu_ms, prom_cpu_cell.c_str(),
                  client_cell.c_str(), fetch_cell.c_str(), fetch_ratio_cell.c_str());
    }
    if (pass == 0) {
      // Whether the warm streamed reads were answered from the chunk cache
      // (a wide read larger than it re-encodes what does not fit).
      const DatabaseStats st = served.db->GetStats();
      const std::string cap = options.memory_limit_bytes != 0
                                  ? "its share of the memory limit"
                                  : std::to_string(options.xor_chunk_cache_bytes >> 20) + " MiB";
      std::printf("  xor chunk cache after the warm reads: %.1f MiB held of %s, %llu hits, %llu misses\n",
                  static_cast<double>(st.xor_chunk_cache_bytes) / (1 << 20), cap.c_str(),
                  static_cast<unsigned long long>(st.xor_chunk_cache_hits),
                  static_cast<unsigned long long>(st.xor_chunk_cache_misses));
    }
  }
  std::printf(
      "\nratio = Prometheus ms / overtone ms (above 1: overtone faster); both decoded by the same "
      "client.\nsrv CPU: the server's CPU per read, mean (overtone's: this process's less the client's "
      "thread;\n"
      "Prometheus's: its process's, counted in clock ticks).\n"
      "client CPU: the client thread's CPU per read of overtone's / Prometheus's answer, mean.\n"
      "last byte: the same read taken as bytes only (frames checked, not decoded), overtone's /\n"
      "Prometheus's, median, and its ratio; warm reads only.\n"
      "cold: each overtone read the first after its database was opened again.\n"
      "%s%s",
      prom ? "" : "prometheus: not measured (not installed, or --no-prometheus)\n",
      warm_ups.empty()
          ? ""
          : "restarted: the same, opened as `overtone serve` opens it, read once the warm-up of\n"
            "its chunk cache finished (Options::warm_xor_chunks_at_open):\n");
  for (const std::string& line : warm_ups) std::fputs(line.c_str(), stdout);
  served.server->Stop();
  served.server.reset();
  prom.reset();
  served.db.reset();
  if (!cfg.keep) fs::remove_all(dir);
  return 0;
}
