// Cancelling the engine's long loops: *_over_time (by summaries and by
// scan), range functions and instant vectors stop at once with the token's
// status and call back nothing more (tests/sql/cancel_test.cc: the same
// through SQL).

#include "overtone/cancel.h"

#include <gtest/gtest.h>

#include "engine/range_functions.h"
#include "overtone/over_time.h"
#include "tests/support/test_database.h"

namespace overtone {
namespace {

class CancelTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    WriteBatch b;
    for (int s = 0; s < 20; ++s) {
      for (int64_t t = 0; t < 100; ++t) b.Add({{"__name__", "m"}, {"i", std::to_string(s)}}, t * 1000, t);
    }
    ASSERT_TRUE(db_->Write(b).ok());
  }
  std::vector<LabelMatcher> matchers_{{MatchType::kEqual, "__name__", "m"}};
};

TEST_F(CancelTest, OverTimeStops) {
  for (bool summaries : {true, false}) {
    OverTimeQuery q;
    q.fn = OverTimeFn::kSum;
    q.start = 0;
    q.end = 100000;
    q.step = 10000;
    q.range = 60000;
    q.use_summaries = summaries;
    CancelToken token;
    q.cancel = &token;
    int calls = 0;
    auto count = [&](const SeriesInfo&, int64_t, double) {
      ++calls;
      return Status::OK();
    };
    ASSERT_TRUE(EvaluateOverTime(db_.get(), matchers_, q, count).ok());
    EXPECT_EQ(calls, 20 * 11);
    // Cancelled in the middle: after the first series, nothing more.
    calls = 0;
    auto cancel_after_first = [&](const SeriesInfo&, int64_t, double) {
      ++calls;
      token.Cancel(CancelReason::kClientGone);
      return Status::OK();
    };
    Status s = EvaluateOverTime(db_.get(), matchers_, q, cancel_after_first);
    EXPECT_EQ(s.code(), Status::Code::kAborted) << s.ToString();
    EXPECT_EQ(calls, 11) << "summaries " << summaries;
    // A deadline already passed: Busy, no call.
    token.Reset(CancelToken::Clock::now() - std::chrono::milliseconds(1));
    calls = 0;
    EXPECT_TRUE(EvaluateOverTime(db_.get(), matchers_, q, count).IsBusy());
    EXPECT_EQ(calls, 0);
  }
}

TEST_F(CancelTest, RangeFunctionAndInstantVectorStop) {
  CancelToken token;
  token.Cancel(CancelReason::kShutdown);
  RangeFunctionQuery rq;
  rq.start = 0;
  rq.end = 100000;
  rq.step = 10000;
  rq.range = 60000;
  rq.cancel = &token;
  int calls = 0;
  Status s = EvaluateRangeFunction(db_.get(), matchers_, rq, [&](const SeriesInfo&, int64_t, double) {
    ++calls;
    return Status::OK();
  });
  EXPECT_EQ(s.message(), "query cancelled: the server is stopping");
  InstantVectorQuery iq;
  iq.start = 0;
  iq.end = 100000;
  iq.step = 10000;
  iq.cancel = &token;
  s = EvaluateInstantVector(db_.get(), matchers_, iq, [&](const SeriesInfo&, int64_t, int64_t, double) {
    ++calls;
    return Status::OK();
  });
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace overtone
