// A directory for a fuzz target's database, under $TMPDIR (scripts/fuzz.sh
// points that into the build tree), removed when the process exits
// normally. A crash leaves it behind for a look.

#ifndef OVERTONE_FUZZ_SCRATCH_DIR_H_
#define OVERTONE_FUZZ_SCRATCH_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace overtone::fuzz {

inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "overtone-fuzz-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    auto* d = new std::string(tmpl);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return d;
  }();
  return *dir;
}

}  // namespace overtone::fuzz

#endif  // OVERTONE_FUZZ_SCRATCH_DIR_H_
