// Helpers shared by overtone's tests.

#ifndef OVERTONE_TESTS_TEST_UTIL_H_
#define OVERTONE_TESTS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "overtone/database.h"
#include "overtone/types.h"

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

// The bytes `hex` spells, two digits a byte: FromHex("00ff") is "\x00\xff".
// For binary inputs written into a test, such as those a fuzz target found.
// Aborts on anything but an even number of hex digits.
inline std::string FromHex(std::string_view hex) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    std::fprintf(stderr, "FromHex: '%c' is not a hex digit\n", c);
    std::abort();
  };
  if (hex.size() % 2 != 0) std::abort();
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(digit(hex[i]) << 4 | digit(hex[i + 1])));
  }
  return out;
}

// The samples of series `id` with lo <= ts <= hi, read through
// Database::Scan. A scan that fails fails the test (and returns what it read).
inline std::vector<Sample> ScanAll(Database* db, SeriesId id, int64_t lo = kMin, int64_t hi = kMax) {
  std::vector<Sample> out;
  auto it = db->Scan(id, lo, hi);
  EXPECT_TRUE(it.ok()) << it.status().ToString();
  if (!it.ok()) return out;
  for (; (*it)->Valid(); (*it)->Next()) out.push_back((*it)->sample());
  EXPECT_TRUE((*it)->status().ok()) << (*it)->status().ToString();
  return out;
}

}  // namespace overtone::testing

namespace overtone::storage {
using overtone::testing::kMax;
using overtone::testing::kMin;
}  // namespace overtone::storage

#endif  // OVERTONE_TESTS_TEST_UTIL_H_
