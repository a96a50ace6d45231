// segment_bench: bytes per sample of overtone's segments against the Gorilla
// (Prometheus XOR chunk) codec alone, on realistic monitoring signals, plus
// a sweep of FLAC block sizes and compression levels.
//
//   build/bench/segment_bench [--samples N] [--span-samples N]
//
// Each signal is cut into segments of --span-samples samples (1440 = 6 hours
// at 15 s), encoded both ways, decoded and checked bit for bit.

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_cli.h"
#include "overtone/types.h"
#include "storage/codec/segment.h"
#include "storage/codec/xor_chunk.h"

namespace overtone {
namespace {

using Signal = std::vector<Sample>;

std::vector<int64_t> Scrapes(size_t n, std::mt19937_64& rng) {
  std::vector<int64_t> ts;
  int64_t t = 1700000000000;
  for (size_t i = 0; i < n; ++i) ts.push_back(t + i * 15000 + static_cast<int64_t>(rng() % 5));
  return ts;
}

double Round(double v, int decimals) {
  double p = std::pow(10, decimals);
  return std::round(v * p) / p;
}

std::map<std::string, Signal> MakeSignals(size_t n) {
  std::map<std::string, Signal> out;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 1);
  auto ts = Scrapes(n, rng);
  auto make = [&](const std::string& name, const std::function<double(size_t)>& f) {
    Signal s;
    for (size_t i = 0; i < n; ++i) s.push_back({ts[i], f(i)});
    out[name] = std::move(s);
  };
  make("cpu percent (sine+noise, 2 dp)", [&](size_t i) {
    return Round(std::clamp(45 + 30 * std::sin(i * 2 * M_PI / 5760) + 3 * noise(rng), 0.0, 100.0), 2);
  });
  double mem = 8e9;
  make("memory bytes (random walk)", [&](size_t) { return mem += std::round(noise(rng) * 4e6); });
  double net = 3.2e12;
  make("network bytes counter", [&](size_t i) {
    if (i % 20000 == 19999) net = 0;  // a reset now and then
    return net += std::round(1.5e6 + 2e5 * noise(rng));
  });
  double req = 1e6;
  make("request counter", [&](size_t) { return req += static_cast<double>(rng() % 400); });
  make("constant", [&](size_t) { return 1.0; });
  make("0/1 state", [&](size_t i) { return (i / 97) % 3 == 0 ? 1.0 : 0.0; });
  make("db connections with NaN gaps", [&](size_t i) {
    if (i % 500 < 5) return std::numeric_limits<double>::quiet_NaN();
    return std::round(40 + 10 * std::sin(i / 200.0) + 2 * noise(rng));
  });
  make("latency seconds (float noise)", [&](size_t) { return 0.05 * std::exp(noise(rng) * 0.3); });
  return out;
}

struct Totals {
  size_t samples = 0, overtone = 0, gorilla = 0;
  std::map<std::string, size_t> codec_segments;
};

bool Verify(const std::string& seg, std::span<const Sample> want) {
  storage::SegmentView view;
  std::vector<Sample> got;
  if (!storage::ParseSegment(seg, &view).ok() ||
      !storage::DecodeSegment(view, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                              &got)
           .ok())
    return false;
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(got[i] == want[i])) return false;
  }
  return true;
}

size_t EncodeSignal(const Signal& s, size_t span, const storage::SegmentOptions& options, Totals* t,
                    bool* ok) {
  size_t bytes = 0;
  for (size_t i = 0; i < s.size(); i += span) {
    std::span<const Sample> part(s.data() + i, std::min(span, s.size() - i));
    std::string seg, chunk;
    if (!storage::EncodeSegment(part, options, &seg).ok() || !Verify(seg, part)) *ok = false;
    if (!storage::EncodeXorChunk(part, &chunk).ok()) *ok = false;
    storage::SegmentView view;
    (void)storage::ParseSegment(seg, &view);
    if (t) {
      t->codec_segments[storage::ValueCodecName(view.value_codec)]++;
      t->gorilla += chunk.size();
      t->overtone += seg.size();
      t->samples += part.size();
    }
    bytes += seg.size();
  }
  return bytes;
}

}  // namespace
}  // namespace overtone

int main(int argc, char** argv) {
  using namespace overtone;
  size_t n = 20160, span = 1440;  // one week at 15 s; 6-hour segments (the default span)
  bench::BenchCli cli("segment_bench", "Bytes/sample of segments against the Gorilla codec alone.");
  cli.app().add_option("--samples", n, "samples per signal")->check(bench::Number(1));
  cli.app().add_option("--span-samples", span, "samples per segment")->check(bench::Number(1));
  if (std::optional<int> exit = cli.Parse(argc, argv)) return *exit;
  auto signals = MakeSignals(n);
  bool ok = true;
  Totals all;
  std::printf("%-34s %10s %10s %8s  %s\n", "signal", "overtone", "gorilla", "ratio", "codecs");
  std::printf("%-34s %10s %10s %8s\n", "", "B/sample", "B/sample", "");
  for (auto& [name, s] : signals) {
    Totals t;
    auto start = std::chrono::steady_clock::now();
    EncodeSignal(s, span, storage::SegmentOptions{}, &t, &ok);
    (void)start;
    std::string codecs;
    for (auto& [c, k] : t.codec_segments) codecs += c + ":" + std::to_string(k) + " ";
    std::printf("%-34s %10.3f %10.3f %7.2fx  %s\n", name.c_str(), double(t.overtone) / t.samples,
                double(t.gorilla) / t.samples, double(t.gorilla) / t.overtone, codecs.c_str());
    all.samples += t.samples;
    all.overtone += t.overtone;
    all.gorilla += t.gorilla;
  }
  std::printf("%-34s %10.3f %10.3f %7.2fx\n", "ALL", double(all.overtone) / all.samples,
              double(all.gorilla) / all.samples, double(all.gorilla) / all.overtone);

  // Decode speed: every segment of every signal, decoded whole, against the
  // same samples as Prometheus XOR chunks.
  std::vector<std::string> segments, chunks;
  size_t decoded_samples = 0;
  for (auto& [name, sig] : signals) {
    for (size_t i = 0; i < sig.size(); i += span) {
      std::span<const Sample> part(sig.data() + i, std::min(span, sig.size() - i));
      std::string seg, chunk;
      if (!storage::EncodeSegment(part, storage::SegmentOptions{}, &seg).ok() ||
          !storage::EncodeXorChunk(part, &chunk).ok()) {
        ok = false;
      }
      segments.push_back(std::move(seg));
      chunks.push_back(std::move(chunk));
      decoded_samples += part.size();
    }
  }
  auto time_it = [&](auto&& decode_all) {
    auto t0 = std::chrono::steady_clock::now();
    int rounds = 0;
    do {
      decode_all();
      ++rounds;
    } while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(300));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return double(decoded_samples) * rounds / s;
  };
  std::vector<Sample> buf;
  double seg_rate = time_it([&] {
    for (const std::string& seg : segments) {
      storage::SegmentView view;
      buf.clear();
      if (!storage::ParseSegment(seg, &view).ok() ||
          !storage::DecodeSegment(view, std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::max(), &buf)
               .ok()) {
        ok = false;
      }
    }
  });
  double xor_rate = time_it([&] {
    for (const std::string& chunk : chunks) {
      buf.clear();
      if (!storage::DecodeXorChunk(chunk, &buf).ok()) ok = false;
    }
  });
  std::printf("\ndecode samples/s: overtone segments %.3g, gorilla chunks %.3g, ratio %.2fx\n", seg_rate,
              xor_rate, seg_rate / xor_rate);

  std::printf("\nFLAC tuning on the same signals (B/sample overall):\n%-12s", "block\\level");
  const uint32_t levels[] = {0, 5, 8};
  for (uint32_t l : levels) std::printf(" %8u", l);
  std::printf("\n");
  for (uint32_t block : {64u, 128u, 256u, 512u, 1024u}) {
    std::printf("%-12u", block);
    for (uint32_t level : levels) {
      storage::SegmentOptions options;
      options.flac.block_size = block;
      options.flac.compression_level = level;
      size_t bytes = 0, samples = 0;
      for (auto& [name, s] : signals) {
        bytes += EncodeSignal(s, span, options, nullptr, &ok);
        samples += s.size();
      }
      std::printf(" %8.3f", double(bytes) / samples);
    }
    std::printf("\n");
  }
  if (!ok) {
    std::fprintf(stderr, "a segment did not round-trip bit-exactly\n");
    return 1;
  }
  return 0;
}
