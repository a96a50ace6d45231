// A write acknowledged with OK survives the process being killed.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "overtone/database.h"
#include "tests/support/test_util.h"

namespace overtone {
namespace {

TEST(DurabilityTest, AcknowledgedWritesSurviveSigkill) {
  testing::TempDir dir;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto db = Database::Open(Options{}, dir.path());
    if (!db.ok()) _exit(3);
    for (int64_t i = 0;; ++i) {
      WriteBatch b;
      for (int k = 0; k < 10; ++k)
        b.Add({{"__name__", "m"}, {"k", std::to_string(k)}}, i, static_cast<double>(i));
      if (!(*db)->Write(b).ok()) _exit(4);
      // Report the acknowledged batch; the parent kills us at some point.
      if (write(fds[1], &i, sizeof i) != sizeof i) _exit(5);
    }
  }
  close(fds[1]);
  int64_t acked = -1, v;
  while (acked < 2000 && read(fds[0], &v, sizeof v) == sizeof v) acked = v;
  kill(pid, SIGKILL);
  while (read(fds[0], &v, sizeof v) == sizeof v) acked = v;  // drain what was acknowledged before death
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << WEXITSTATUS(status);

  auto db = Database::Open(Options{}, dir.path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto series = (*db)->Select({});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 10u);
  for (const auto& s : *series) {
    auto it = (*db)->Scan(s.id, 0, acked);
    ASSERT_TRUE(it.ok());
    int64_t expect = 0;
    for (; (*it)->Valid(); (*it)->Next(), ++expect) {
      ASSERT_EQ((*it)->sample().ts, expect);
      ASSERT_EQ((*it)->sample().value, static_cast<double>(expect));
    }
    EXPECT_EQ(expect, acked + 1) << LabelsToString(s.labels);
  }
}

}  // namespace
}  // namespace overtone
