#include "adapters/prometheus/snappy_block.h"

#include <snappy-sinksource.h>
#include <snappy.h>

#include <algorithm>

namespace overtone::adapters {

std::string SnappyCompress(std::string_view in) {
  std::string out;
  snappy::Compress(in.data(), in.size(), &out);
  return out;
}

namespace {

// The pieces as one snappy Source, empty pieces skipped (Peek must not
// return an empty region while bytes are left).
class PiecesSource final : public snappy::Source {
 public:
  explicit PiecesSource(std::span<const std::string> pieces) : pieces_(pieces) {
    for (const std::string& p : pieces) left_ += p.size();
    SkipEmpty();
  }
  size_t Available() const override { return left_; }
  const char* Peek(size_t* len) override {
    if (i_ == pieces_.size()) {
      *len = 0;
      return nullptr;
    }
    *len = pieces_[i_].size() - at_;
    return pieces_[i_].data() + at_;
  }
  void Skip(size_t n) override {
    left_ -= n;
    while (n > 0) {
      const size_t here = std::min(n, pieces_[i_].size() - at_);
      at_ += here;
      n -= here;
      SkipEmpty();
    }
  }

 private:
  void SkipEmpty() {
    while (i_ < pieces_.size() && at_ == pieces_[i_].size()) {
      ++i_;
      at_ = 0;
    }
  }

  std::span<const std::string> pieces_;
  size_t i_ = 0, at_ = 0, left_ = 0;
};

}  // namespace

std::string SnappyCompress(std::span<const std::string> pieces) {
  PiecesSource source(pieces);
  std::string out;
  out.resize(snappy::MaxCompressedLength(source.Available()));
  snappy::UncheckedByteArraySink sink(out.data());
  out.resize(snappy::Compress(&source, &sink));
  return out;
}

Result<size_t> SnappyUncompressedLength(std::string_view in) {
  size_t n = 0;
  if (in.empty()) return Status::InvalidArgument("body is empty: expected snappy block data");
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
    return Status::InvalidArgument("body is not snappy block data (bad length header)");
  }
  return n;
}

Status SnappyUncompress(std::string_view in, std::string* out) {
  // IsValidCompressedBuffer walks the whole block without writing, so a
  // corrupt body is refused before the output buffer is filled.
  if (!snappy::IsValidCompressedBuffer(in.data(), in.size()) ||
      !snappy::Uncompress(in.data(), in.size(), out)) {
    return Status::InvalidArgument("body is not valid snappy block data");
  }
  return Status::OK();
}

}  // namespace overtone::adapters
