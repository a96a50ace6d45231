// Helpers shared by overtone's tests.

#ifndef OVERTONE_TESTS_TEST_UTIL_H_
#define OVERTONE_TESTS_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

namespace overtone::testing {

inline constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "overtone-test-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace overtone::testing

namespace overtone::storage {
using overtone::testing::kMax;
using overtone::testing::kMin;
}  // namespace overtone::storage

#endif  // OVERTONE_TESTS_TEST_UTIL_H_
