#include "storage/lock_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/test_util.h"

namespace overtone::storage {
namespace {

class LockFileTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(path_).put('\n'); }

  bool IsHeld(const std::string& path) {
    std::lock_guard<std::mutex> lock(LockFileMutex());
    return IsLockFileHeld(path);
  }

  overtone::testing::TempDir dir_;
  std::string path_ = dir_.path() + "/LOCK";
};

TEST_F(LockFileTest, AFileNobodyLocksIsNotHeld) {
  EXPECT_FALSE(IsHeld(path_));
  EXPECT_FALSE(IsHeld(dir_.path() + "/missing"));
}

TEST_F(LockFileTest, HeldByThisProcessWhileNoted) {
  {
    std::lock_guard<std::mutex> lock(LockFileMutex());
    HeldLockFile held(path_);
    EXPECT_TRUE(IsLockFileHeld(path_));
    EXPECT_TRUE(IsLockFileHeld(dir_.path() + "/./LOCK"));  // the same file by another path
  }
  EXPECT_FALSE(IsHeld(path_));
}

TEST_F(LockFileTest, HeldByAnotherProcessWhileItHasTheLock) {
  int locked[2], release[2];
  ASSERT_EQ(pipe(locked), 0);
  ASSERT_EQ(pipe(release), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Locks the file as RocksDB does, says so, and keeps it until told.
    close(release[1]);
    int fd = open(path_.c_str(), O_RDWR);
    struct flock f = {};
    f.l_type = F_WRLCK;
    f.l_whence = SEEK_SET;
    char c = fd >= 0 && fcntl(fd, F_SETLK, &f) == 0 ? 'y' : 'n';
    (void)!write(locked[1], &c, 1);
    (void)!read(release[0], &c, 1);
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(locked[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_TRUE(IsHeld(path_));
  close(release[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_FALSE(IsHeld(path_));
  close(locked[0]);
  close(locked[1]);
  close(release[0]);
}

}  // namespace
}  // namespace overtone::storage
