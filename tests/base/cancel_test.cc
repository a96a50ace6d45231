// CancelToken: a reason once cancelled (the first one stays), a deadline,
// a parent whose cancellation reaches the child, and the status each gives.

#include "overtone/cancel.h"

#include <gtest/gtest.h>

#include <thread>

namespace overtone {
namespace {

using Clock = CancelToken::Clock;

TEST(CancelTokenTest, FirstReasonStays) {
  CancelToken t;
  EXPECT_FALSE(t.cancelled());
  EXPECT_TRUE(t.status().ok());
  t.Cancel(CancelReason::kClientGone);
  t.Cancel(CancelReason::kShutdown);
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(t.reason(), CancelReason::kClientGone);
  EXPECT_EQ(t.status().code(), Status::Code::kAborted);
  EXPECT_EQ(t.status().message(), "query cancelled: the client went away");
  t.Reset();
  EXPECT_FALSE(t.cancelled());
  EXPECT_EQ(t.reason(), CancelReason::kNone);
}

TEST(CancelTokenTest, DeadlineCancelsOnceItPassed) {
  CancelToken t(Clock::now() + std::chrono::milliseconds(30));
  EXPECT_FALSE(t.cancelled());
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(t.reason(), CancelReason::kDeadline);
  EXPECT_TRUE(t.status().IsBusy());
  EXPECT_EQ(t.status().message(), "query timed out");
  EXPECT_STREQ(CancelReasonName(t.reason()), "timeout");
}

TEST(CancelTokenTest, ParentReachesTheChild) {
  CancelToken request;
  CancelToken run;
  run.Reset(Clock::time_point::max(), &request);
  EXPECT_FALSE(run.cancelled());
  request.Cancel(CancelReason::kShutdown);
  EXPECT_TRUE(run.cancelled());
  EXPECT_EQ(run.reason(), CancelReason::kShutdown);
  EXPECT_EQ(run.status().message(), "query cancelled: the server is stopping");
  EXPECT_TRUE(CheckCancel(nullptr).ok());
  EXPECT_EQ(CheckCancel(&run).code(), Status::Code::kAborted);
}

TEST(CancelTokenTest, CancelFromAnotherThread) {
  CancelToken t;
  std::thread other([&t] { t.Cancel(CancelReason::kClientGone); });
  other.join();
  EXPECT_TRUE(t.cancelled());
}

}  // namespace
}  // namespace overtone
