// The emulated fleet as an OpenMetrics file: what promtool backfills into
// Prometheus and what overtone imports, so that both hold the same samples.

#ifndef OVERTONE_BENCH_FLEET_FILE_H_
#define OVERTONE_BENCH_FLEET_FILE_H_

#include <string>

#include "adapters/emulator/emulator.h"
#include "adapters/formats/sample_writer.h"
#include "overtone/status.h"

namespace overtone::bench {

// Writes the fleet `eo` describes to `path` (NaNs spelled as promtool reads them).
inline Status WriteFleetOpenMetrics(const adapters::EmulatorOptions& eo, const std::string& path) {
  auto out = adapters::OutputFile::Open(path);
  if (!out.ok()) return out.status().WithContext("open " + path);
  auto w = adapters::MakeSampleWriter(adapters::ExportFormat::kOpenMetrics, out->get(),
                                      adapters::NanStyle::kPortable);
  Status s = adapters::EmulateToWriter(eo, w.get());
  if (s.ok()) s = (*out)->Close();
  return s.WithContext("write " + path);
}

}  // namespace overtone::bench

#endif  // OVERTONE_BENCH_FLEET_FILE_H_
