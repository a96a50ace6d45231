// The bytes a database takes on disk, as the benches compare them: a file's
// size, or the sum over every regular file below a directory. What cannot be
// read counts as nothing (a file deleted while the walk runs).

#ifndef OVERTONE_BENCH_DIR_BYTES_H_
#define OVERTONE_BENCH_DIR_BYTES_H_

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace overtone::bench {

inline uint64_t DirBytes(const std::filesystem::path& p) {
  uint64_t n = 0;
  std::error_code ec;
  if (std::filesystem::is_regular_file(p, ec)) return std::filesystem::file_size(p, ec);
  for (auto it = std::filesystem::recursive_directory_iterator(p, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  }
  return n;
}

}  // namespace overtone::bench

#endif  // OVERTONE_BENCH_DIR_BYTES_H_
