// The body of both remote write targets: an input goes through the HTTP
// endpoint's handler (adapters/http/write_endpoint.h) as a POST /api/v1/write
// body, so snappy, the protobuf decoding, label checks and the engine's
// Write() all see it, into one database opened for the first input.
//
// Checks: the reply is one the endpoint documents for a client's mistake
// or success (never 500/503: nothing a client sends may fail the engine),
// and sealing what was written (kCompact) succeeds.

#ifndef OVERTONE_FUZZ_WRITE_TARGET_H_
#define OVERTONE_FUZZ_WRITE_TARGET_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "adapters/http/endpoint.h"
#include "adapters/http/write_endpoint.h"
#include "adapters/prometheus/snappy_block.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/scratch_dir.h"
#include "overtone/database.h"

namespace overtone::fuzz {

class WriteTarget {
 public:
  WriteTarget() {
    options_.max_decompressed_bytes = 1 << 20;  // bodies announcing more get a 413
    Reopen();
  }

  void Run(const std::string& content_type, const uint8_t* data, size_t size) {
    InputReader in(data, size);
    uint8_t flags = in.U8();
    std::string body = (flags & kCompress) ? adapters::SnappyCompress(in.Rest()) : std::string(in.Rest());

    adapters::EndpointContext ctx{db_.get(), &options_, &budget_, &metrics_};
    adapters::BodyHeaders headers{content_type, "snappy", body.size()};
    adapters::MemoryBudget::Reservation reservation = budget_.Reserve();
    FUZZ_CHECK(!adapters::PrecheckWrite(ctx, headers, &reservation));
    adapters::HttpReply reply = adapters::HandleWrite(ctx, headers, body, &reservation);
    if (reply.status != 204 && reply.status != 400 && reply.status != 413) {
      std::fprintf(stderr, "status %d: %s", reply.status, reply.body.c_str());
      FUZZ_CHECK(!"an undocumented status for a client's body");
    }
    if (flags & kCompact) {
      Result<CompactionStats> sealed = db_->Compact(kMaxTime);
      if (!sealed.ok()) std::fprintf(stderr, "%s\n", sealed.status().ToString().c_str());
      FUZZ_CHECK(sealed.ok());
    }
    // A fresh database now and then keeps the cost of an input from growing
    // with everything written before (sealing walks every series, and the
    // raw samples it deletes leave tombstones that later reads step over).
    if (++inputs_ % kInputsPerDatabase == 0 || db_->GetStats().series > kMaxSeries) Reopen();
  }

 private:
  static constexpr uint64_t kInputsPerDatabase = 1000;
  static constexpr uint64_t kMaxSeries = 5000;

  void Reopen() {
    db_.reset();
    std::string dir = ScratchDir() + "/db";
    std::filesystem::remove_all(dir);
    Options o;
    o.compaction_interval_ms = 0;  // compaction only when an input asks, so a crash replays
    o.block_cache_bytes = 8 << 20;
    o.write_buffer_bytes = 4 << 20;
    Result<std::unique_ptr<Database>> db = Database::Open(o, dir);
    FUZZ_CHECK(db.ok());
    db_ = std::move(*db);
  }

  adapters::ServerOptions options_;
  adapters::MemoryBudget budget_{256u << 20};
  adapters::ServerMetrics metrics_;
  std::unique_ptr<Database> db_;
  uint64_t inputs_ = 0;
};

}  // namespace overtone::fuzz

#endif  // OVERTONE_FUZZ_WRITE_TARGET_H_
